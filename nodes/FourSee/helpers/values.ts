/**
 * Pure checks of the list and option parameters shared by the action node and the trigger.
 * Each throws a `FieldError` naming the parameter as the user sees it.
 */
import type { IDataObject } from 'n8n-workflow';

import { PAGING } from '../api';
import { describe, FieldError } from './time';

/** Largest Limit accepted; beyond this, Return All says what the user means. */
export const MAX_LIMIT = 1_000_000;

/** `undefined` means "all records". */
export function parseLimit(returnAll: unknown, limit: unknown, field = 'Limit'): number | undefined {
	if (returnAll === true) return undefined;
	const value = typeof limit === 'string' && limit.trim() !== '' ? Number(limit) : limit;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
		throw new FieldError(field, `'${field}' must be a whole number of at least 1 (got ${describe(limit)})`);
	}
	if (value > MAX_LIMIT) {
		throw new FieldError(
			field,
			`'${field}' is too large (${value}); turn on 'Return All' to fetch every record`,
		);
	}
	return value;
}

/** Page size from the options; the API's largest page when not set (fewest requests). */
export function parsePageSize(value: unknown, field = 'Page Size'): number {
	if (value === undefined || value === null || value === '') return PAGING.maxTake;
	const size = typeof value === 'string' ? Number(value) : value;
	if (typeof size !== 'number' || !Number.isInteger(size) || size < PAGING.minTake || size > PAGING.maxTake) {
		throw new FieldError(
			field,
			`'${field}' must be a whole number from ${PAGING.minTake} to ${PAGING.maxTake} (got ${describe(value)})`,
		);
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
		throw new FieldError('Retry Attempts', `'Retry Attempts' must be a whole number from 1 to 100 (got ${describe(attempts)})`);
	}
	if (typeof waitSeconds !== 'number' || !Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
		throw new FieldError(
			'Max Wait (Seconds)',
			`'Max Wait (Seconds)' must be a number of seconds from 0 to 3600 (got ${describe(waitSeconds)})`,
		);
	}
	return { maxAttempts: attempts, maxWaitMs: Math.round(waitSeconds * 1000) };
}

/** Query parameters the node sets itself; letting users override them would break paging. */
export const RESERVED_QUERY_PARAMETERS: readonly string[] = [PAGING.takeParam, PAGING.nextParam];

export const ADDITIONAL_QUERY_FIELD = 'Additional Query Parameters';

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
				`The value of '${name}' in '${ADDITIONAL_QUERY_FIELD}' must be text, a number or a boolean, not ${describe(value)}`,
			);
		}
		query[name] = value === undefined || value === null ? '' : (value as string | number | boolean);
	}
	return query;
}
