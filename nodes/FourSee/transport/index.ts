/**
 * The transport: the only code in this package that talks HTTP to 4SEE. The action node, the
 * trigger and the list searches all go through it.
 */
export {
	apiRequest,
	classifyThrown,
	CREDENTIAL_TYPE,
	DEFAULT_TIMEOUT_MS,
	type ApiRequestOptions,
	type FourSeeContext,
} from './request';
export {
	paginate,
	telemetryPages,
	recordIdentity,
	MAX_EMPTY_PAGES_IN_A_ROW,
	type PaginateOptions,
	type TelemetryPagesOptions,
} from './paging';
export { pathSegment } from './pathSegment';
export { apiError, fieldErrors, type Subject } from './errors';
export {
	backoffDelayMs,
	DEFAULT_RETRY,
	parseRetryAfter,
	type RetryPolicy,
} from './retry';
