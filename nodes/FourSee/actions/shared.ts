/**
 * What every operation does around its one API call: read and check its parameters for one
 * input item (bad input becomes a NodeOperationError naming the field, before any request),
 * then turn records into output items (one per record, paired with the input item).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { parseRecord, recordTimeMs, type JsonObject, type RecordKind } from '../api';
import { LOCATOR } from '../descriptions/resourceLocators';
import { flattenRecord } from '../helpers/flatten';
import { simplifyRecord } from '../helpers/simplify';
import { FieldError, resolveTimeWindow, type TimeWindow } from '../helpers/time';
import {
	parseAdditionalQuery,
	parseLimit,
	parseMaxRecords,
	parsePageSize,
	parseRetrySettings,
	RESERVED_QUERY_PARAMETERS,
} from '../helpers/values';
import {
	apiRequest,
	DEFAULT_RETRY,
	paginate,
	pathTarget,
	telemetryPages,
	type PathTarget,
	type RetryPolicy,
	type Subject,
} from '../transport';

export type OperationExecute = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

/** Runs a pure parameter check and reports its FieldError as n8n's error for this item. */
export function check<T>(context: IExecuteFunctions, itemIndex: number, read: () => T): T {
	try {
		return read();
	} catch (error) {
		if (error instanceof FieldError) {
			throw new NodeOperationError(context.getNode(), error.message, {
				itemIndex,
				description: `Fix the '${error.field}' parameter.`,
			});
		}
		throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
	}
}

export interface ReadOptions {
	flatten: boolean;
	/** The kind of record to simplify to, when the user (or tool mode's default) asked for it. */
	simplify?: RecordKind;
	query: IDataObject;
	retry: RetryPolicy;
	pageSize: number;
	/** Return All reads at most this many records. */
	maxRecords: number;
}

/**
 * The Options collection of one item, and its Simplify switch for records of `kind` (none for
 * an operation whose answer is not a record).
 * `reserved`: query names this operation sets itself.
 */
export function readOptions(
	this: IExecuteFunctions,
	itemIndex: number,
	kind: RecordKind | undefined,
	reserved: readonly string[] = [],
): ReadOptions {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const simplify =
		kind !== undefined && this.getNodeParameter('simplify', itemIndex, false) === true ? kind : undefined;
	return check(this, itemIndex, () => {
		const settings = parseRetrySettings(options, DEFAULT_RETRY);
		return {
			flatten: options.flatten === true,
			simplify,
			query: parseAdditionalQuery(options.additionalQuery, [...RESERVED_QUERY_PARAMETERS, ...reserved]),
			retry: { ...DEFAULT_RETRY, ...settings },
			pageSize: parsePageSize(options.pageSize),
			maxRecords: parseMaxRecords(options.maxRecords),
		};
	});
}

/** The resource locator of each kind of record. */
const LOCATOR_OF: Record<Subject['kind'], string> = {
	fleet: LOCATOR.fleet,
	trailer: LOCATOR.trailer,
	device: LOCATOR.device,
	deliverSafe: LOCATOR.deliverSafeUnit,
};

/** The record this item's resource locator names: its checked path segment and its subject. */
export function readLocator(this: IExecuteFunctions, itemIndex: number, kind: Subject['kind']): PathTarget {
	const value = this.getNodeParameter(LOCATOR_OF[kind], itemIndex, undefined, { extractValue: true });
	return pathTarget.call(this, kind, value, itemIndex);
}

/** Return All / Limit of one item; undefined means all. */
export function readLimit(this: IExecuteFunctions, itemIndex: number): number | undefined {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false);
	const limit = returnAll === true ? undefined : this.getNodeParameter('limit', itemIndex, 50);
	return check(this, itemIndex, () => parseLimit(returnAll, limit));
}

/** The telemetry window of one item, checked before any request. */
export function readTimeWindow(this: IExecuteFunctions, itemIndex: number): TimeWindow {
	const mode = this.getNodeParameter('timeRange', itemIndex, 'lastHours') as string;
	const input =
		mode === 'between'
			? {
					mode,
					start: this.getNodeParameter('start', itemIndex, ''),
					end: this.getNodeParameter('end', itemIndex, ''),
					// The date picker stores times without an offset, meant in the workflow's zone.
					timeZone: this.getTimezone(),
				}
			: { mode, lastHours: this.getNodeParameter('lastHours', itemIndex, 24) };
	return check(this, itemIndex, () => resolveTimeWindow(input, Date.now()));
}

/** One output item per record: as the API sent it, or simplified, then flat if asked for. */
export function toItems(
	records: IDataObject[],
	itemIndex: number,
	options: Pick<ReadOptions, 'flatten' | 'simplify'>,
): INodeExecutionData[] {
	return records.map((record) => {
		const json = options.simplify === undefined ? record : (simplifyRecord(options.simplify, record) as IDataObject);
		return { json: options.flatten ? flattenRecord(json) : json, pairedItem: { item: itemIndex } };
	});
}

/** GET of one record. */
export async function getRecord(
	this: IExecuteFunctions,
	itemIndex: number,
	path: string,
	subject: Subject,
	options: ReadOptions,
): Promise<INodeExecutionData[]> {
	const body = await apiRequest.call(this, {
		method: 'GET',
		path,
		qs: options.query,
		retry: options.retry,
		itemIndex,
		subject,
	});
	const record = parseRecord(body);
	if (record === undefined) {
		const message = '4SEE answered in an unexpected format';
		throw new NodeApiError(this.getNode(), { message }, {
			message,
			description: `Expected one record (a JSON object) from ${path}. The API may have changed; please report this to the node's maintainers.`,
			itemIndex,
		});
	}
	return toItems([record as IDataObject], itemIndex, options);
}

/** Where and how one item pages: the parts of a paged read every operation shares. */
function paging(options: ReadOptions, itemIndex: number, subject: Subject | undefined) {
	return {
		pageSize: options.pageSize,
		maxRecords: options.maxRecords,
		retry: options.retry,
		itemIndex,
		subject,
	};
}

async function collect(pages: AsyncIterable<IDataObject[]>): Promise<IDataObject[]> {
	const records: IDataObject[] = [];
	for await (const page of pages) records.push(...page);
	return records;
}

/** Cursor-paged list, fetched only as far as the limit needs. */
export async function getList(
	this: IExecuteFunctions,
	itemIndex: number,
	path: string,
	qs: IDataObject,
	subject: Subject | undefined,
	options: ReadOptions,
	limit: number | undefined,
): Promise<INodeExecutionData[]> {
	const pages = paginate.call(this, { path, qs: { ...options.query, ...qs }, limit, ...paging(options, itemIndex, subject) });
	return toItems(await collect(pages), itemIndex, options);
}

/**
 * Time-paged telemetry over a window, fetched only as far as the limit and the window need.
 * `newest`: only the newest record of the window (the largest timestamp; the first of equals),
 * read page by page without keeping the rest: the API has no "latest" endpoint, and records can
 * arrive late, so the last one served is not necessarily the newest. No item when the window is
 * empty.
 */
export async function getTelemetry(
	this: IExecuteFunctions,
	itemIndex: number,
	path: string,
	subject: Subject,
	window: TimeWindow,
	options: ReadOptions,
	limit: number | undefined | 'newest',
): Promise<INodeExecutionData[]> {
	const pages = telemetryPages.call(this, {
		path,
		qs: options.query,
		start: window.start,
		end: window.end,
		limit: limit === 'newest' ? undefined : limit,
		...paging(options, itemIndex, subject),
	});
	const records = limit === 'newest' ? await newest(pages) : await collect(pages);
	return toItems(records, itemIndex, options);
}

async function newest(pages: AsyncIterable<IDataObject[]>): Promise<IDataObject[]> {
	let latest: IDataObject | undefined;
	let latestMs = -Infinity;
	for await (const page of pages) {
		for (const record of page) {
			const ms = recordTimeMs(record as JsonObject) ?? -Infinity;
			if (latest === undefined || ms > latestMs) {
				latest = record;
				latestMs = ms;
			}
		}
	}
	return latest === undefined ? [] : [latest];
}
