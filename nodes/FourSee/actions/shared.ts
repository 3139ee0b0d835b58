/**
 * What every operation does around its one API call: read and check its parameters for one
 * input item (bad input becomes a NodeOperationError naming the field, before any request),
 * then turn records into output items (one per record, paired with the input item).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { parseRecord, type JsonObject } from '../api';
import { flattenRecord } from '../helpers/flatten';
import { FieldError, resolveTimeWindow, type TimeWindow } from '../helpers/time';
import {
	parseAdditionalQuery,
	parseLimit,
	parsePageSize,
	parseRetrySettings,
	RESERVED_QUERY_PARAMETERS,
} from '../helpers/values';
import {
	apiRequest,
	DEFAULT_RETRY,
	paginate,
	pathSegment,
	telemetryPages,
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
	query: IDataObject;
	retry: RetryPolicy;
	pageSize: number;
}

/** The Options collection of one item. `reserved`: query names this operation sets itself. */
export function readOptions(
	this: IExecuteFunctions,
	itemIndex: number,
	reserved: readonly string[] = [],
): ReadOptions {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return check(this, itemIndex, () => {
		const settings = parseRetrySettings(options, DEFAULT_RETRY);
		return {
			flatten: options.flatten === true,
			query: parseAdditionalQuery(options.additionalQuery, [...RESERVED_QUERY_PARAMETERS, ...reserved]),
			retry: { ...DEFAULT_RETRY, ...settings },
			pageSize: parsePageSize(options.pageSize),
		};
	});
}

/** The id in a resource locator, validated and encoded for the path. */
export function locatorId(this: IExecuteFunctions, itemIndex: number, name: string, label: string): string {
	const value = this.getNodeParameter(name, itemIndex, undefined, { extractValue: true });
	return pathSegment.call(this, label, value, itemIndex);
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

/** One output item per record, unchanged unless the user asked for flat columns. */
export function toItems(records: IDataObject[], itemIndex: number, flatten: boolean): INodeExecutionData[] {
	return records.map((record) => ({
		json: flatten ? flattenRecord(record) : record,
		pairedItem: { item: itemIndex },
	}));
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
	return toItems([record as IDataObject], itemIndex, options.flatten);
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
	const records: IDataObject[] = [];
	for await (const page of paginate.call(this, {
		path,
		qs: { ...options.query, ...qs },
		limit,
		pageSize: options.pageSize,
		retry: options.retry,
		itemIndex,
		subject,
	})) {
		records.push(...page);
	}
	return toItems(records, itemIndex, options.flatten);
}

/** Time-paged telemetry over a window, fetched only as far as the limit and the window need. */
export async function getTelemetry(
	this: IExecuteFunctions,
	itemIndex: number,
	path: string,
	subject: Subject,
	window: TimeWindow,
	options: ReadOptions,
	limit: number | undefined,
): Promise<INodeExecutionData[]> {
	const records: IDataObject[] = [];
	for await (const page of telemetryPages.call(this, {
		path,
		qs: options.query,
		start: window.start,
		end: window.end,
		limit,
		pageSize: options.pageSize,
		retry: options.retry,
		itemIndex,
		subject,
	})) {
		records.push(...page);
	}
	return toItems(records, itemIndex, options.flatten);
}

export type { JsonObject };
