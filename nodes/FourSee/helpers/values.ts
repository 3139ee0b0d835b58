/**
 * Pure checks of the list and option parameters shared by the action node and the trigger.
 * Each throws a `FieldError` naming the parameter as the user sees it.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject, isValidId, PAGING } from '../api';
import { describeValue, FieldError } from './time';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../transport/scheduler';

/** Largest Limit accepted; beyond this, Return All says what the user means. */
const MAX_LIMIT = 1_000_000;

/** `undefined` means "all records". */
export function parseLimit(returnAll: unknown, limit: unknown, field = 'Limit'): number | undefined {
	if (returnAll === true) return undefined;
	const value = typeof limit === 'string' && limit.trim() !== '' ? Number(limit) : limit;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
		throw new FieldError(field, `'${field}' must be a whole number of at least 1 (got ${describeValue(limit)})`);
	}
	if (value > MAX_LIMIT) {
		throw new FieldError(
			field,
			`'${field}' is too large (${value}); turn on 'Return All' to fetch every record`,
		);
	}
	return value;
}

/**
 * Page size from the options; a conservative default when not set, as the seed asks (4SEE's
 * largest page is not documented; a larger size it refuses is lowered by the transport).
 */
export function parsePageSize(value: unknown, field = 'Page Size'): number {
	if (value === undefined || value === null || value === '') return PAGING.defaultTake;
	const size = typeof value === 'string' ? Number(value) : value;
	if (typeof size !== 'number' || !Number.isInteger(size) || size < PAGING.minTake || size > PAGING.maxTake) {
		throw new FieldError(
			field,
			`'${field}' must be a whole number from ${PAGING.minTake} to ${PAGING.maxTake} (got ${describeValue(value)})`,
		);
	}
	return size;
}

/** What an id parameter holds: an id, or why it is none. */
export type IdReading =
	| { id: string }
	| { problem: 'notAnId'; value: unknown }
	| { problem: 'empty' }
	| { problem: 'invalid'; text: string };

/**
 * The one rule for an id a user gives (the action node's pickers, the trigger's, the list
 * searches'): text, trimmed, or a whole number (expressions often give numbers), or either inside
 * a resource locator value; valid as api.ts `isValidId` says. Each caller words the problem its
 * own way (an n8n error before a request, a FieldError in the trigger's settings).
 */
export function readId(value: unknown): IdReading {
	const raw = isObject(value) && '__rl' in value ? value.value : value;
	let text: string | undefined;
	if (typeof raw === 'string') text = raw.trim();
	else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) text = String(raw);
	if (text === undefined) return { problem: 'notAnId', value: raw };
	if (text === '') return { problem: 'empty' };
	if (!isValidId(text)) return { problem: 'invalid', text };
	return { id: text };
}

/** Return All's default bound: large enough for real fleets, small enough for n8n's memory. */
export const MAX_RECORDS_DEFAULT = 100_000;

/** Max Records from the options; the default when not set. */
export function parseMaxRecords(value: unknown, field = 'Max Records'): number {
	if (value === undefined || value === null || value === '') return MAX_RECORDS_DEFAULT;
	const size = typeof value === 'string' ? Number(value) : value;
	if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_LIMIT * 10) {
		throw new FieldError(field, `'${field}' must be a whole number from 1 to ${MAX_LIMIT * 10} (got ${describeValue(value)})`);
	}
	return size;
}

export interface RetrySettings {
	maxAttempts: number;
	maxWaitMs: number;
}

/**
 * Rate-limit settings from the node's options, falling back to the transport's defaults for
 * any option left out. Attempts count every try, the first included.
 */
export function parseRetrySettings(options: IDataObject, defaults: RetrySettings): RetrySettings {
	const attempts = options.retryAttempts ?? defaults.maxAttempts;
	const waitSeconds = options.maxWaitSeconds ?? defaults.maxWaitMs / 1000;
	if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
		throw new FieldError('Retry Attempts', `'Retry Attempts' must be a whole number from 1 to 100 (got ${describeValue(attempts)})`);
	}
	if (typeof waitSeconds !== 'number' || !Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
		throw new FieldError(
			'Max Wait (Seconds)',
			`'Max Wait (Seconds)' must be a number of seconds from 0 to 3600 (got ${describeValue(waitSeconds)})`,
		);
	}
	return { maxAttempts: attempts, maxWaitMs: Math.round(waitSeconds * 1000) };
}

/** Concurrent Requests from the node's options (default DEFAULT_CONCURRENCY), checked. */
export function parseConcurrency(options: IDataObject): number {
	const value = options.concurrency ?? DEFAULT_CONCURRENCY;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
		throw new FieldError(
			'Concurrent Requests',
			`'Concurrent Requests' must be a whole number from 1 to ${MAX_CONCURRENCY} (got ${describeValue(value)})`,
		);
	}
	return value;
}

/** Query parameters the node sets itself; letting users override them would break paging. */
export const RESERVED_QUERY_PARAMETERS: readonly string[] = [PAGING.takeParam, PAGING.nextParam];

const ADDITIONAL_QUERY_FIELD = 'Additional Query Parameters';

/**
 * Turns the "Additional Query Parameters" rows (`{ parameter: [{ name, value }] }`) into a
 * query object. Empty rows are an error rather than silently ignored, and names the node
 * controls (paging, and filters it models such as Active Only) are refused.
 */
export function parseAdditionalQuery(
	collection: unknown,
	reserved: readonly string[] = RESERVED_QUERY_PARAMETERS,
): IDataObject {
	const rows = (collection as { parameter?: unknown } | undefined)?.parameter;
	if (rows === undefined || rows === null) return {};
	if (!Array.isArray(rows)) throw new FieldError(ADDITIONAL_QUERY_FIELD, `'${ADDITIONAL_QUERY_FIELD}' must be a list of name/value rows`);
	const query: IDataObject = {};
	for (const row of rows as IDataObject[]) {
		const name = typeof row?.name === 'string' ? row.name.trim() : '';
		if (name === '') throw new FieldError(ADDITIONAL_QUERY_FIELD, `A row of '${ADDITIONAL_QUERY_FIELD}' has no name`);
		if (reserved.some((r) => r.toLowerCase() === name.toLowerCase())) {
			throw new FieldError(
				ADDITIONAL_QUERY_FIELD,
				`'${name}' in '${ADDITIONAL_QUERY_FIELD}' is set by the node itself; use the node's own field for it`,
			);
		}
		const value = row.value;
		if (value !== null && typeof value === 'object') {
			throw new FieldError(
				ADDITIONAL_QUERY_FIELD,
				`The value of '${name}' in '${ADDITIONAL_QUERY_FIELD}' must be text, a number or a boolean, not ${describeValue(value)}`,
			);
		}
		query[name] = value === undefined || value === null ? '' : (value as string | number | boolean);
	}
	return query;
}
