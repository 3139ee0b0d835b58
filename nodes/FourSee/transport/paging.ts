import type { IDataObject, INode, JsonObject as N8nJsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { canonicalJson } from '../helpers/canonicalJson';
import { countDisorder, inTimeOrder } from '../helpers/order';
import { parseLimit, parsePageSize } from '../helpers/values';
import {
	PAGING,
	parsePage,
	recordId,
	telemetryStartToken,
	type JsonObject,
	type Page,
} from '../api';
import type { Subject } from './errors';
import { pagedRequest, type FourSeeContext } from './request';
import type { RetryPolicy } from './retry';

export interface PaginateOptions {
	path: string;
	qs?: IDataObject;
	/** Records wanted in total; undefined = all. */
	limit?: number;
	/** Records per request, 1..500; default 50. */
	pageSize?: number;
	/**
	 * Without a limit (Return All), more records than this are an error: paging must end even
	 * against a server whose pages never do, and n8n holds every record in memory.
	 */
	maxRecords?: number;
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
	const progress = new Progress(node, options, limit);
	let next: string | undefined;
	for (;;) {
		const take = limit === undefined ? pageSize : Math.min(pageSize, limit - progress.delivered);
		const page = await fetchPage(this, node, options, take, next);
		let records = page.records;
		if (limit !== undefined && records.length > limit - progress.delivered) {
			records = records.slice(0, limit - progress.delivered);
		}
		if (progress.add(records.length)) yield records as IDataObject[];
		if (progress.limitReached || page.next === undefined) return;
		if (seen.has(page.next)) throw loopError(node, options, 'returned a page token it had already given');
		progress.checkNotEndless((n) => `returned ${n} empty pages in a row`);
		seen.add(page.next);
		next = page.next;
	}
}

/**
 * What both paging loops count: the records delivered so far (held to Max Records, and to the
 * limit), and the pages in a row that brought nothing new, which end paging as a loop.
 */
class Progress {
	delivered = 0;
	private emptyInARow = 0;

	constructor(
		private readonly node: INode,
		private readonly options: PaginateOptions,
		private readonly limit: number | undefined,
	) {}

	/** Counts a page's new records; whether it has any to deliver. */
	add(count: number): boolean {
		checkMaxRecords(this.node, this.options, this.limit, this.delivered + count);
		this.delivered += count;
		this.emptyInARow = count > 0 ? 0 : this.emptyInARow + 1;
		return count > 0;
	}

	get limitReached(): boolean {
		return this.limit !== undefined && this.delivered >= this.limit;
	}

	/** Throws when too many pages in a row brought nothing new (`what` says it in 4SEE's terms). */
	checkNotEndless(what: (pages: number) => string): void {
		if (this.emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW) throw loopError(this.node, this.options, what(this.emptyInARow));
	}
}

/**
 * Time-based paging for telemetry. The first `next` is the start time; the server answers with
 * records at or after it, oldest first, and a `next` that re-serves the records of the last
 * timestamp of the page (records can share a timestamp and a page can end between them). Those
 * repeats are dropped by identity: the record's `id`, or its whole content when it has none.
 * Stops client-side at `end` without fetching further.
 *
 * The order is checked, not assumed: each page is put in time order, and a record older than
 * one delivered before it is still delivered unless its identity was (one warning says how
 * many came out of order). Records without a readable timestamp are delivered once each, by
 * identity, and counted in a warning.
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
	const progress = new Progress(node, options, limit);
	let take = pageSize;
	// Set after a page that only repeated itself: ask for a full page, not just what is missing.
	let forceFull = false;
	// Identities of the delivered records that carry the latest timestamp seen so far: the ones
	// the next page re-serves, which take up room in it.
	let boundaryMs: number | undefined;
	let boundary = new Set<string>();
	// Every record delivered, by identity: with records out of order or a `next` that points back,
	// only identity tells a new record from one already delivered.
	const deliveredIds = new Set<string>();
	let top: number | undefined;
	let disordered = 0;
	let untimed = 0;
	const startMs = options.start.getTime();
	try {
		for (;;) {
			// The server re-serves the records of the last timestamp, so they take up room in the
			// page: ask for what is still wanted plus those, or the last pages could hold only repeats.
			const wanted =
				limit === undefined || forceFull ? take : Math.min(take, limit - progress.delivered + boundary.size);
			const page = await fetchPage(this, node, options, wanted, next);
			requested.add(next);
			const fresh: JsonObject[] = [];
			let reachedEnd = false;
			const order = countDisorder(page.records, top);
			top = order.top;
			disordered += order.disordered;
			for (const { record, t: timeMs } of inTimeOrder(page.records)) {
				if (endMs !== undefined && timeMs !== undefined && timeMs >= endMs) {
					reachedEnd = true;
					break;
				}
				// Before the window: not asked for.
				if (timeMs !== undefined && timeMs < startMs) continue;
				const identity = recordIdentity(record);
				if (deliveredIds.has(identity)) continue;
				deliveredIds.add(identity);
				if (timeMs === undefined) untimed++;
				if (timeMs !== undefined && (boundaryMs === undefined || timeMs > boundaryMs)) {
					boundaryMs = timeMs;
					boundary = new Set();
				}
				if (timeMs !== undefined && timeMs === boundaryMs) boundary.add(identity);
				fresh.push(record);
				if (limit !== undefined && progress.delivered + fresh.length >= limit) break;
			}
			if (progress.add(fresh.length)) yield fresh as IDataObject[];
			if (reachedEnd || progress.limitReached || page.next === undefined) return;
			if (requested.has(page.next)) {
				// More records share one timestamp than a page holds: the server keeps re-serving
				// the same ones. A bigger page gets past them; at the maximum, give up clearly.
				// Not when 4SEE refused the size asked for: it takes no bigger page.
				if (page.next === next && page.records.length >= wanted && page.take === wanted && wanted < PAGING.maxTake) {
					if (wanted === take) take = Math.min(PAGING.maxTake, take * 2);
					forceFull = true;
					continue;
				}
				throw loopError(node, options, 'returned a page token it had already given');
			}
			progress.checkNotEndless((n) => `returned ${n} pages in a row with no new records (empty pages in a row, or records already delivered)`);
			forceFull = false;
			take = pageSize;
			next = page.next;
		}
	} finally {
		warnAboutOrder(this, options.path, disordered, untimed);
	}
}

/** What time paging met that breaks 4SEE's contract, told in n8n's log once per read. */
function warnAboutOrder(context: FourSeeContext, path: string, disordered: number, untimed: number): void {
	if (disordered > 0) {
		context.logger?.warn(
			`4SEE served ${disordered} record(s) of ${path} out of time order; each page was put in order and every record delivered once.`,
		);
	}
	if (untimed > 0) {
		context.logger?.warn(`4SEE served ${untimed} record(s) of ${path} without a readable timestamp; each was delivered once.`);
	}
}

/** A record's identity for boundary de-duplication: its id, else its content. */
export function recordIdentity(record: JsonObject): string {
	const id = recordId(record);
	return id !== undefined ? `id:${id}` : `content:${canonicalJson(record)}`;
}

async function fetchPage(
	context: FourSeeContext,
	node: INode,
	options: PaginateOptions,
	take: number,
	next: string | undefined,
): Promise<Page & { take: number }> {
	const qs: IDataObject = { ...(options.qs ?? {}), [PAGING.takeParam]: take };
	if (next !== undefined) qs[PAGING.nextParam] = next;
	const { body, take: sent } = await pagedRequest.call(context, {
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
	return { ...page, take: sent ?? take };
}

/**
 * What a caller passes is checked by the rules of the parameters it comes from
 * (helpers/values.ts), so a size or limit the editor refuses cannot reach 4SEE another way.
 */
function checkPageSize(node: INode, value: number | undefined, itemIndex?: number): number {
	return asNodeError(node, itemIndex, () => parsePageSize(value));
}

function checkLimit(node: INode, value: number | undefined, itemIndex?: number): number | undefined {
	// 0 is a caller wanting nothing, not a Limit a user typed: no request at all.
	if (value === 0) return 0;
	return asNodeError(node, itemIndex, () => parseLimit(value === undefined, value));
}

function asNodeError<T>(node: INode, itemIndex: number | undefined, read: () => T): T {
	try {
		return read();
	} catch (error) {
		throw new NodeOperationError(node, (error as Error).message, { itemIndex });
	}
}

function checkMaxRecords(node: INode, options: PaginateOptions, limit: number | undefined, total: number): void {
	if (limit !== undefined || options.maxRecords === undefined || total <= options.maxRecords) return;
	const max = options.maxRecords.toLocaleString('en-US');
	throw new NodeOperationError(node, `Return All stopped: 4SEE has more than ${max} records for this request (Max Records)`, {
		itemIndex: options.itemIndex,
		description:
			`n8n holds every record of a run in memory, so Return All reads at most Max Records (Options, now ${max}). ` +
			'Narrow the request: a shorter time range, a Limit instead of Return All, or Additional Query Parameters that filter. ' +
			'Or raise Max Records if this n8n has the memory for it. Paging that never ends (4SEE handing out page after page) stops here too.',
	});
}

function loopError(node: INode, options: PaginateOptions, what: string): NodeApiError {
	const message = `Stopped paging: 4SEE ${what}`;
	return new NodeApiError(node, { message } as N8nJsonObject, {
		message,
		description: `Paging through ${options.path} would not end, so it was stopped to avoid an endless loop. The records before this point were read. If this repeats, lower the time window or report it to 4SEE.`,
		itemIndex: options.itemIndex,
	});
}
