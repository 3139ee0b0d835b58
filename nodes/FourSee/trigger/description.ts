/**
 * The trigger's parameters. Pickers are the action node's resource locators (same list
 * searches), and the Options collection extends the action node's (retry settings, flatten).
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { DELIVERSAFE_EVENTS } from '../api';
import { optionsCollection, simplifyProperty } from '../descriptions/common';
import {
	browseFleetLocator,
	browseTrailerLocator,
	deliverSafeLocator,
	deviceLocator,
	fleetLocator,
	trailerLocator,
} from '../descriptions/resourceLocators';
import { updateDisplayOptions } from '../helpers/displayOptions';

/** The defaults below, for code; the lint wants literal defaults in the properties. */
export const DEFAULTS = {
	latenessMinutes: 15,
	/** Requests per Poll when the option is not added, in node version 1 (1.1 and later: Auto). */
	requestBudget: 50,
	maxItems: 500,
	startHours: 24,
} as const;

/** One choice of a Watch picker: its value, its name and, where the name needs it, a description. */
type WatchChoice = [value: string, name: string, description?: string];

/** The Watch picker of an event: what it watches, the first choice by default. */
function watchPicker(name: string, choices: WatchChoice[]): INodeProperties {
	const options = choices.map(([value, label, description]): INodePropertyOptions =>
		description === undefined ? { name: label, value } : { name: label, value, description },
	);
	const first = choices[0][0];
	return { displayName: 'Watch', name, type: 'options', noDataExpression: true, default: first, options };
}

const gps = { show: { event: ['gpsPosition'] } };
const device = { show: { event: ['deviceTelemetry'] } };
const deliverSafe = { show: { event: ['deliverSafeTelemetry'] } };

const event: INodeProperties = {
	displayName: 'Trigger On',
	name: 'event',
	type: 'options',
	noDataExpression: true,
	required: true,
	default: 'gpsPosition',
	options: [
		{
			name: 'New DeliverSafe Telemetry',
			value: 'deliverSafeTelemetry',
			description: 'A DeliverSafe unit reported a door, cargo or tamper event or a temperature',
		},
		{
			name: 'New Device Telemetry',
			value: 'deviceTelemetry',
			description: 'A device (light monitor, tire sensor, ABS monitor, door sensor, gateway) sent a reading',
		},
		{
			name: 'New GPS Position',
			value: 'gpsPosition',
			description: 'A trailer reported a new GPS position',
		},
	],
};

const gpsProperties: INodeProperties[] = updateDisplayOptions(gps, [
	watchPicker('gpsScope', [
		['trailer', 'One Trailer'],
		['trailers', 'A List of Trailers'],
		['fleet', 'Every Active Trailer of a Fleet', 'Trailers joining the fleet are picked up, ones that leave are dropped'],
	]),
	...updateDisplayOptions({ show: { gpsScope: ['trailer'] } }, [browseFleetLocator(), trailerLocator()]),
	{
		displayName: 'Trailer IDs',
		name: 'trailerIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. trl-00001, trl-00002',
		description: 'IDs of the trailers to watch, separated by commas',
		displayOptions: { show: { gpsScope: ['trailers'] } },
	},
	...updateDisplayOptions({ show: { gpsScope: ['fleet'] } }, [fleetLocator()]),
	{
		displayName: 'Only When',
		name: 'gpsFilter',
		type: 'options',
		noDataExpression: true,
		default: 'none',
		options: [
			{ name: 'Always (Every New Position)', value: 'none' },
			{
				name: 'Entering or Leaving an Area',
				value: 'geofence',
				description: 'Once per crossing of a circle around a point, not on every position inside it',
			},
			{ name: 'Speed Above', value: 'speedAbove', description: 'Every position with a speed above a threshold' },
		],
	},
	...updateDisplayOptions({ show: { gpsFilter: ['geofence'] } }, [
		{
			displayName: 'Area Centre Latitude',
			name: 'geofenceLatitude',
			type: 'number',
			typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 6 },
			default: 0,
			description: 'Latitude of the centre of the area, in decimal degrees',
		},
		{
			displayName: 'Area Centre Longitude',
			name: 'geofenceLongitude',
			type: 'number',
			typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 6 },
			default: 0,
			description: 'Longitude of the centre of the area, in decimal degrees',
		},
		{
			displayName: 'Radius (Meters)',
			name: 'geofenceRadius',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 500,
			description: 'Radius of the area around its centre',
		},
		{
			displayName: 'Fire On',
			name: 'geofenceOn',
			type: 'options',
			default: 'enter',
			options: [
				{ name: 'Entering', value: 'enter' },
				{ name: 'Leaving', value: 'leave' },
				{ name: 'Entering or Leaving', value: 'both' },
			],
			description:
				'Which crossing fires. The first position seen of a trailer only sets whether it is inside; the next crossing fires.',
		},
	]),
	{
		displayName: 'Speed Unit',
		name: 'speedUnit',
		type: 'options',
		default: 'kph',
		options: [
			{ name: 'Km/h', value: 'kph' },
			{ name: 'Mph', value: 'mph' },
		],
		description: 'Unit of the speed threshold below; 4SEE reports km/h, a threshold in mph is converted',
		displayOptions: { show: { gpsFilter: ['speedAbove'] } },
	},
	{
		displayName: 'Speed Above (Km/h)',
		name: 'speedKph',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 100,
		description: 'Fire for every position whose speed is above this',
		displayOptions: { show: { gpsFilter: ['speedAbove'], speedUnit: ['kph'] } },
	},
	{
		displayName: 'Speed Above (Mph)',
		name: 'speedMph',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 60,
		description: 'Fire for every position whose speed is above this',
		displayOptions: { show: { gpsFilter: ['speedAbove'], speedUnit: ['mph'] } },
	},
]);

const deviceProperties: INodeProperties[] = updateDisplayOptions(device, [
	watchPicker('deviceScope', [
		['device', 'One Device'],
		['trailer', 'Every Device of a Trailer'],
		['fleet', 'Every Device of a Fleet', 'Every active device of every active trailer of the fleet'],
	]),
	...updateDisplayOptions({ show: { deviceScope: ['device'] } }, [
		browseFleetLocator(),
		browseTrailerLocator(),
		deviceLocator(),
	]),
	...updateDisplayOptions({ show: { deviceScope: ['trailer'] } }, [browseFleetLocator(), trailerLocator()]),
	...updateDisplayOptions({ show: { deviceScope: ['fleet'] } }, [fleetLocator()]),
	{
		displayName: 'Only When',
		name: 'deviceFilter',
		type: 'options',
		noDataExpression: true,
		default: 'none',
		options: [
			{ name: 'Always (Every New Reading)', value: 'none' },
			{
				name: 'A Field Changes',
				value: 'fieldChange',
				description: 'Once when a field takes a new value, e.g. a light going from ok to out',
			},
			{
				name: 'A Field Crosses a Threshold',
				value: 'threshold',
				description: 'Once when a number passes a threshold, e.g. tire pressure dropping below 90 psi',
			},
		],
	},
	{
		displayName: 'Field',
		name: 'field',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. lights.stop',
		description: 'Name of the reading to watch; use dots for nested fields',
		displayOptions: { show: { deviceFilter: ['fieldChange', 'threshold'] } },
	},
	...updateDisplayOptions({ show: { deviceFilter: ['threshold'] } }, [
		{
			displayName: 'Threshold',
			name: 'threshold',
			type: 'number',
			typeOptions: { numberPrecision: 2 },
			default: 0,
			description: 'The value the field must cross',
		},
		{
			displayName: 'Direction',
			name: 'direction',
			type: 'options',
			default: 'below',
			options: [
				{ name: 'Rises Above', value: 'above' },
				{ name: 'Drops Below', value: 'below' },
				{ name: 'Either Way', value: 'either' },
			],
			description: 'Which crossing fires',
		},
	]),
]);

const eventName = (value: string) =>
	value.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

const deliverSafeProperties: INodeProperties[] = updateDisplayOptions(deliverSafe, [
	watchPicker('deliverSafeScope', [
		['unit', 'One Unit'],
		['all', 'Every Unit', 'New units are picked up, removed ones dropped'],
	]),
	...updateDisplayOptions({ show: { deliverSafeScope: ['unit'] } }, [deliverSafeLocator()]),
	{
		displayName: 'Event Types',
		name: 'deliverSafeEvents',
		type: 'multiOptions',
		default: [],
		options: [...DELIVERSAFE_EVENTS]
			.map((value) => ({ name: eventName(value), value }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		description: 'Only these events; leave empty for all',
	},
]);

const startProperties: INodeProperties[] = [
	{
		displayName: 'Start From',
		name: 'startFrom',
		type: 'options',
		noDataExpression: true,
		default: 'now',
		options: [
			{ name: 'Now', value: 'now', description: 'Only records from the moment the workflow is activated' },
			{ name: 'Last Hours', value: 'lastHours', description: 'Also the records of the last N hours before activation' },
			{ name: 'A Date', value: 'date', description: 'Records from a date and time on' },
			{
				name: 'The Whole History',
				value: 'all',
				description: 'Every record 4SEE still has; can be a great many executions',
			},
		],
		description: 'Where the trigger starts when first activated; later it continues from where it stopped',
	},
	{
		displayName: 'Hours Back',
		name: 'startHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description: 'How many hours before activation to start from',
		displayOptions: { show: { startFrom: ['lastHours'] } },
	},
	{
		displayName: 'Start Date',
		name: 'startDate',
		type: 'dateTime',
		default: '',
		required: true,
		description: "The earliest record time to emit; a time without a zone is in the workflow's time zone",
		displayOptions: { show: { startFrom: ['date'] } },
	},
];

const triggerOptions: INodeProperties[] = [
	{
		displayName: 'Late Records Window (Minutes)',
		name: 'latenessMinutes',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 15,
		description:
			'Records uploaded late (a trailer out of coverage) are still emitted, once, if they are at most this much older than the newest record seen',
	},
	{
		displayName: 'Max Items per Poll',
		name: 'maxItems',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 500,
		description: 'Records beyond this wait for the next poll; none are dropped',
	},
	{
		displayName: 'Time Limit per Poll (Seconds)',
		name: 'timeLimitSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			"After this long a poll starts no new request and the rest follows next poll, so polls never overlap and n8n's scheduler never abandons one. 0: automatic (half the poll interval, at most 30 s; the poll n8n runs on activation at most 15 s).",
	},
	{
		displayName: 'Requests per Poll',
		name: 'requestBudget',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			"Most telemetry pages one poll may ask 4SEE for. 0 (Auto, also when this option is not added): as many as it takes to cover every trailer, device or unit, until the poll's time limit or until 4SEE refuses (HTTP 429) after the retries; the rest follows next poll. Set a number when other systems share your 4SEE plan. The fleet's own trailer list, retries and logins come on top. Triggers added before node version 1.1 read 50 when this option is not added.",
	},
];

function withTriggerOptions(): INodeProperties {
	const collection = optionsCollection({ flatten: true, pageSize: true });
	const entries = [...(collection.options as INodeProperties[]), ...triggerOptions];
	entries.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { ...collection, options: entries };
}

/** Simplify, per event: the fields listed are the ones of that event's records. */
const simplifyProperties: INodeProperties[] = [
	{ ...simplifyProperty('gps'), displayOptions: gps },
	{ ...simplifyProperty('deviceTelemetry'), displayOptions: device },
	{ ...simplifyProperty('deliverSafeTelemetry'), displayOptions: deliverSafe },
];

export const triggerProperties: INodeProperties[] = [
	event,
	...gpsProperties,
	...deviceProperties,
	...deliverSafeProperties,
	...simplifyProperties,
	...startProperties,
	withTriggerOptions(),
];
