/**
 * The transport: the only code in this package that talks HTTP to 4SEE. The action node, the
 * trigger and the list searches all go through it.
 */
export {
	apiRequest,
	pagedRequest,
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
export { pathSegment, pathTarget, type PathTarget } from './pathSegment';
export { apiError, fieldErrors, notFromApi, type Subject } from './errors';
export { MAX_QUOTED, redact, redactBody } from './redact';
export {
	backoffDelayMs,
	DEFAULT_RETRY,
	nextWait,
	parseRetryAfter,
	retryAfterDelayMs,
	type RetryPolicy,
} from './retry';
