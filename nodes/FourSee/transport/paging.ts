import type { IDataObject, INode, JsonObject as N8nJsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	isObject,
	PAGING,
	parsePage,
	RECORD_ID_FIELD,
	recordTimeMs,
	telemetryStartToken,
	type JsonObject,
	type Page,
} from '../api';
import type { Subject } from './errors';
import { apiRequest, type FourSeeContext } from './request';
import type { RetryPolicy } from './retry';

export interface PaginateOptions {
	path: string;
	qs?: IDataObject;
	/** Records wanted in total; undefined = all. */
	limit?: number;
	/** Records per request, 1..500; default 50. */
	pageSize?: number;
	retry?: RetryPolicy;
	itemIndex?: number;
	subject?: Subject;
}

export interface TelemetryPagesOptions extends PaginateOptions {
	/** First record time wanted (inclusive). */
	start: Date;
	/** Records at or after this time are not delivered (exclusive), and paging stops there. */
	end?: Date;
}

/**
 * Pages in a row that may be empty while still carrying `next` before we call it a loop.
 * The contract allows empty pages with `next`; an endless run of them is a server fault.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 100;

/**
 * Cursor paging as an async iterator over non-empty pages. Sends `take` = min(page size, still
 * wanted), so the last request asks only for what is missing and nothing is fetched beyond the
 * limit; follows `next` through short and empty pages; stops with an error if a token repeats.
 */
export async function* paginate(
	this: FourSeeContext,
	options: PaginateOptions,
): AsyncGenerator<IDataObject[]> {
	const node = this.getNode();
	const pageSize = checkPageSize(node, options.pageSize, options.itemIndex);
	const limit = checkLimit(node, options.limit, options.itemIndex);
	if (limit === 0) return;
	const seen = new Set<string>();
	let next: string | undefined;
	let delivered = 0;
	let emptyInARow = 0;
	for (;;) {
		const take = limit === undefined ? pageSize : Math.min(pageSize, limit - delivered);
		const page = await fetchPage(this, node, options, take, next);
		let records = page.records;
		if (limit !== undefined && records.length > limit - delivered) {
			records = records.slice(0, limit - delivered);
		}
		delivered += records.length;
		if (records.length > 0) {
			emptyInARow = 0;
			yield records as IDataObject[];
		} else {
			emptyInARow++;
		}
		if (limit !== undefined && delivered >= limit) return;
		if (page.next === undefined) return;
		if (seen.has(page.next)) throw loopError(node, options, 'returned a page token it had already given');
		if (emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW) {
			throw loopError(node, options, `returned ${emptyInARow} empty pages in a row`);
		}
		seen.add(page.next);
		next = page.next;
	}
}

/**
 * Time-based paging for telemetry. The first `next` is the start time; the server answers with
 * records at or after it, oldest first, and a `next` that re-serves the records of the last
 * timestamp of the page (records can share a timestamp and a page can end between them). Those
 * repeats are dropped by identity: the record's `id`, or its whole content when it has none.
 * Stops client-side at `end` without fetching further.
 */
export async function* telemetryPages(
	this: FourSeeContext,
	options: TelemetryPagesOptions,
): AsyncGenerator<IDataObject[]> {
	const node = this.getNode();
	const pageSize = checkPageSize(node, options.pageSize, options.itemIndex);
	const limit = checkLimit(node, options.limit, options.itemIndex);
	if (!(options.start instanceof Date) || Number.isNaN(options.start.getTime())) {
		throw new NodeOperationError(node, 'The start time is not a valid date', {
			itemIndex: options.itemIndex,
		});
	}
	const endMs = options.end?.getTime();
	if (endMs !== undefined && Number.isNaN(endMs)) {
		throw new NodeOperationError(node, 'The end time is not a valid date', {
			itemIndex: options.itemIndex,
		});
	}
	if (limit === 0 || (endMs !== undefined && endMs <= options.start.getTime())) return;

	let next: string | undefined = telemetryStartToken(options.start);
	const requested = new Set<string>();
	let delivered = 0;
	let emptyInARow = 0;
	let take = pageSize;
	// Set after a page that only repeated itself: ask for a full page, not just what is missing.
	let forceFull = false;
	// Identities of the delivered records that carry the latest timestamp seen so far: the only
	// ones the next page can legitimately repeat.
	let boundaryMs: number | undefined;
	let boundary = new Set<string>();
	for (;;) {
		// The server re-serves the records of the last timestamp, so they take up room in the
		// page: ask for what is still wanted plus those, or the last pages could hold only repeats.
		const wanted =
			limit === undefined || forceFull ? take : Math.min(take, limit - delivered + boundary.size);
		const page = await fetchPage(this, node, options, wanted, next);
		requested.add(next);
		const fresh: JsonObject[] = [];
		let reachedEnd = false;
		for (const record of page.records) {
			const timeMs = recordTimeMs(record);
			if (endMs !== undefined && timeMs !== undefined && timeMs >= endMs) {
				reachedEnd = true;
				break;
			}
			// Oldest first: a record older than the latest one delivered was delivered already and
			// is being re-served (a `next` that points back into the records already read).
			if (timeMs !== undefined && boundaryMs !== undefined && timeMs < boundaryMs) continue;
			const identity = recordIdentity(record);
			if (timeMs !== undefined && boundaryMs !== undefined && timeMs === boundaryMs && boundary.has(identity)) {
				continue;
			}
			if (timeMs !== undefined && (boundaryMs === undefined || timeMs > boundaryMs)) {
				boundaryMs = timeMs;
				boundary = new Set();
			}
			if (timeMs !== undefined && timeMs === boundaryMs) boundary.add(identity);
			fresh.push(record);
			if (limit !== undefined && delivered + fresh.length >= limit) break;
		}
		delivered += fresh.length;
		if (fresh.length > 0) {
			emptyInARow = 0;
			yield fresh as IDataObject[];
		} else {
			emptyInARow++;
		}
		if (reachedEnd) return;
		if (limit !== undefined && delivered >= limit) return;
		if (page.next === undefined) return;
		if (requested.has(page.next)) {
			// More records share one timestamp than a page holds: the server keeps re-serving
			// the same ones. A bigger page gets past them; at the maximum, give up clearly.
			if (page.next === next && page.records.length >= wanted && wanted < PAGING.maxTake) {
				if (wanted === take) take = Math.min(PAGING.maxTake, take * 2);
				forceFull = true;
				continue;
			}
			throw loopError(node, options, 'returned a page token it had already given');
		}
		if (emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW) {
			throw loopError(node, options, `returned ${emptyInARow} empty pages in a row`);
		}
		forceFull = false;
		take = pageSize;
		next = page.next;
	}
}

/** A record's identity for boundary de-duplication: its id, else its content. */
export function recordIdentity(record: JsonObject): string {
	const id = record[RECORD_ID_FIELD];
	if (typeof id === 'string' || typeof id === 'number') return `id:${String(id)}`;
	return `content:${stableStringify(record)}`;
}

/** JSON with object keys sorted, so that equal content gives equal text. */
export function stableStringify(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
	if (isObject(value)) {
		const keys = Object.keys(value).sort();
		return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

async function fetchPage(
	context: FourSeeContext,
	node: INode,
	options: PaginateOptions,
	take: number,
	next: string | undefined,
): Promise<Page> {
	const qs: IDataObject = { ...(options.qs ?? {}), [PAGING.takeParam]: take };
	if (next !== undefined) qs[PAGING.nextParam] = next;
	const body = await apiRequest.call(context, {
		method: 'GET',
		path: options.path,
		qs,
		retry: options.retry,
		itemIndex: options.itemIndex,
		subject: options.subject,
	});
	const page = parsePage(body);
	if (page === undefined) {
		const message = '4SEE answered in an unexpected format';
		throw new NodeApiError(node, { message } as N8nJsonObject, {
			message,
			description: `Expected a list of records (like { "data": [...], "next": "..." }) from ${options.path}. The API may have changed; please report this to the node's maintainers.`,
			itemIndex: options.itemIndex,
		});
	}
	return page;
}

function checkPageSize(node: INode, value: number | undefined, itemIndex?: number): number {
	if (value === undefined) return PAGING.defaultTake;
	if (!Number.isInteger(value) || value < PAGING.minTake || value > PAGING.maxTake) {
		throw new NodeOperationError(
			node,
			`Page Size must be a whole number from ${PAGING.minTake} to ${PAGING.maxTake} (got ${String(value)})`,
			{ itemIndex },
		);
	}
	return value;
}

function checkLimit(node: INode, value: number | undefined, itemIndex?: number): number | undefined {
	if (value === undefined) return undefined;
	if (!Number.isInteger(value) || value < 0) {
		throw new NodeOperationError(node, `Limit must be a whole number of at least 0 (got ${String(value)})`, {
			itemIndex,
		});
	}
	return value;
}

function loopError(node: INode, options: PaginateOptions, what: string): NodeApiError {
	const message = `Stopped paging: 4SEE ${what}`;
	return new NodeApiError(node, { message } as N8nJsonObject, {
		message,
		description: `Paging through ${options.path} would not end, so it was stopped to avoid an endless loop. The records before this point were read. If this repeats, lower the time window or report it to 4SEE.`,
		itemIndex: options.itemIndex,
	});
}
