/**
 * Property builders shared by the operations: Return All / Limit, the telemetry time range,
 * Simplify, and the Options collection (flatten, additional query parameters, rate-limit
 * settings).
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { PAGING, SIMPLIFIED_FIELDS, type RecordKind } from '../api';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../transport/scheduler';

export function returnAllAndLimit(what: string): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			hint: `At most this many ${what}, fetched in as few requests as possible`,
			displayOptions: { show: { returnAll: [false] } },
		},
	];
}

export function activeOnly(what: string): INodeProperties {
	return {
		displayName: 'Active Only',
		name: 'activeOnly',
		type: 'boolean',
		default: false,
		description: `Whether to return only active ${what} (leave off to include inactive ones)`,
	};
}

export const timeRange: INodeProperties[] = [
	{
		displayName: 'Time Range',
		name: 'timeRange',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Between Start and End',
				value: 'between',
				description: 'Records from a start time up to an end time (or up to now)',
			},
			{
				name: 'Last Hours',
				value: 'lastHours',
				description: 'Records of the last N hours up to now',
			},
		],
		default: 'lastHours',
		description: 'Which records to fetch, by their timestamp',
	},
	{
		displayName: 'Last Hours',
		name: 'lastHours',
		type: 'number',
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		default: 24,
		description: 'How many hours back from now to fetch records for, e.g. 24 for the last day',
		displayOptions: { show: { timeRange: ['lastHours'] } },
	},
	{
		displayName: 'Start',
		name: 'start',
		type: 'dateTime',
		default: '',
		required: true,
		description:
			'Earliest record time to fetch (inclusive), as a date and time or an ISO-8601 expression such as {{ $now.minus(2, "days") }}',
		displayOptions: { show: { timeRange: ['between'] } },
	},
	{
		displayName: 'End',
		name: 'end',
		type: 'dateTime',
		default: '',
		description: 'Records up to this time are fetched (a record exactly at it is not); leave empty for up to now',
		displayOptions: { show: { timeRange: ['between'] } },
	},
];

const flattenOption: INodeProperties = {
	displayName: 'Flatten Output',
	name: 'flatten',
	type: 'boolean',
	default: false,
	description:
		'Whether to turn nested fields into dot-separated columns (e.g. "location.latitude"), one column per value, for spreadsheets',
};

const additionalQueryOption: INodeProperties = {
	displayName: 'Additional Query Parameters',
	name: 'additionalQuery',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Parameter',
	description: 'Query parameters for API filters this node does not offer as fields; sent with every request',
	options: [
		{
			displayName: 'Parameter',
			name: 'parameter',
			values: [
				{
					displayName: 'Name',
					name: 'name',
					type: 'string',
					default: '',
					description: 'Name of the query parameter',
				},
				{
					displayName: 'Value',
					name: 'value',
					type: 'string',
					default: '',
					description: 'Value of the query parameter',
				},
			],
		},
	],
};

// Defaults are literals because n8n's lint reads them; a test holds them equal to
// PAGING.defaultTake and the transport's DEFAULT_RETRY.
const pageSizeOption: INodeProperties = {
	displayName: 'Page Size',
	name: 'pageSize',
	type: 'number',
	typeOptions: { minValue: PAGING.minTake, maxValue: PAGING.maxTake },
	default: 50,
	description: `Records asked for per request (${PAGING.minTake} to ${PAGING.maxTake}); larger pages mean fewer requests against the rate limit. If 4SEE refuses a size, the node lowers it by itself and logs a warning.`,
};

// A literal for n8n's lint; a test holds it equal to MAX_RECORDS_DEFAULT.
const maxRecordsOption: INodeProperties = {
	displayName: 'Max Records',
	name: 'maxRecords',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 100000,
	description:
		"With Return All, the most records one run reads. n8n holds them all in memory, so beyond this the node stops with an error saying what to narrow, instead of reading on; a server whose pages never end stops here too.",
};

const retryOptions: INodeProperties[] = [
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 3600 },
		default: 60,
		description:
			'Longest total time to wait out rate limits (HTTP 429) and temporary server errors before the node fails',
	},
	{
		displayName: 'Retry Attempts',
		name: 'retryAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 5,
		description:
			'How many times to try a request that hits the rate limit (HTTP 429) or a temporary server error, the first try included',
	},
];

/** Most requests (input items, or the trigger's streams) a node runs at once; see transport/scheduler.ts. */
export const concurrencyOption: INodeProperties = {
	displayName: 'Concurrent Requests',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY },
	default: DEFAULT_CONCURRENCY,
	description:
		"Most requests to 4SEE this node runs at once: input items (read operations; output order is kept) or the trigger's trailers, devices and units. All executions against the same Integration API share one queue that takes turns between them and slows down when 4SEE answers 429. Keep it at or below what your 4SEE plan allows at once.",
};

function byDisplayName(a: INodeProperties, b: INodeProperties): number {
	return a.displayName.localeCompare(b.displayName);
}

export interface OptionsCollectionSpec {
	flatten?: boolean;
	additionalQuery?: boolean;
	pageSize?: boolean;
	/** Return All's bound (list and telemetry operations of the action node). */
	maxRecords?: boolean;
	/** Runs one request at a time whatever the options (key rotation): no Concurrent Requests option. */
	oneAtATime?: boolean;
}

/** The operation's Options collection; its entries sorted by name as n8n's lint wants. */
export function optionsCollection(spec: OptionsCollectionSpec): INodeProperties {
	const entries: INodeProperties[] = [...retryOptions];
	if (spec.flatten) entries.push(flattenOption);
	if (spec.additionalQuery) entries.push(additionalQueryOption);
	if (spec.pageSize) entries.push(pageSizeOption);
	if (spec.maxRecords) entries.push(maxRecordsOption);
	if (spec.oneAtATime !== true) entries.push(concurrencyOption);
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: entries.sort(byDisplayName),
	};
}

/** The fields Simplify keeps of a kind, as the parameter's help text lists them. */
function simplifiedFieldList(kind: RecordKind): string {
	const fields: string[] = [...SIMPLIFIED_FIELDS[kind]];
	if (kind === 'gps') fields.splice(fields.indexOf('speedKph') + 1, 0, 'speedMph');
	return fields.join(', ');
}

/** The Simplify switch, off by default (the trigger's; the action node adds a tool-mode twin). */
export function simplifyProperty(kind: RecordKind): INodeProperties {
	return {
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: false,
		description: `Whether to return only a few fields of each record (${simplifiedFieldList(kind)}) instead of the full record`,
	};
}

/**
 * "Simplify": the kind's handful of fields instead of the whole record. Two entries under one
 * name, as n8n's own nodes do for tool mode: off by default on the canvas (an existing workflow
 * keeps its output), on by default when the node is an AI agent's tool (`@tool`: n8n gives the
 * tool variant a type ending in "Tool"), so an agent is not flooded with raw records.
 */
export function simplifyProperties(kind: RecordKind): INodeProperties[] {
	const simplify = simplifyProperty(kind);
	return [
		{ ...simplify, displayOptions: { hide: { '@tool': [true] } } },
		{ ...simplify, default: true, displayOptions: { show: { '@tool': [true] } } },
	];
}

/** The Operation picker of one resource, shown only for it; `options` sorted by name, each with an action. */
export function operationPicker(resource: string, options: INodePropertyOptions[], defaultOperation: string): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource] } },
		options,
		default: defaultOperation,
	};
}
