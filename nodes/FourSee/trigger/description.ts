/**
 * The trigger's parameters. Pickers are the action node's resource locators (same list
 * searches), and the Options collection extends the action node's (retry settings, flatten).
 */
import type { INodeProperties } from 'n8n-workflow';

import { DELIVERSAFE_EVENTS, PAGING } from '../api';
import { optionsCollection } from '../descriptions/common';
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
	requestBudget: 50,
	maxItems: 500,
	startHours: 24,
} as const;

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
	{
		displayName: 'Watch',
		name: 'gpsScope',
		type: 'options',
		noDataExpression: true,
		default: 'trailer',
		options: [
			{ name: 'One Trailer', value: 'trailer' },
			{ name: 'A List of Trailers', value: 'trailers' },
			{
				name: 'Every Active Trailer of a Fleet',
				value: 'fleet',
				description: 'Trailers joining the fleet are picked up, ones that leave are dropped',
			},
		],
	},
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
		displayName: 'Speed Above (Km/h)',
		name: 'speedKph',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 100,
		description: 'Fire for every position whose speed is above this',
		displayOptions: { show: { gpsFilter: ['speedAbove'] } },
	},
]);

const deviceProperties: INodeProperties[] = updateDisplayOptions(device, [
	{
		displayName: 'Watch',
		name: 'deviceScope',
		type: 'options',
		noDataExpression: true,
		default: 'device',
		options: [
			{ name: 'One Device', value: 'device' },
			{ name: 'Every Device of a Trailer', value: 'trailer' },
			{
				name: 'Every Device of a Fleet',
				value: 'fleet',
				description: 'Every active device of every active trailer of the fleet',
			},
		],
	},
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
	{
		displayName: 'Watch',
		name: 'deliverSafeScope',
		type: 'options',
		noDataExpression: true,
		default: 'unit',
		options: [
			{ name: 'One Unit', value: 'unit' },
			{ name: 'Every Unit', value: 'all', description: 'New units are picked up, removed ones dropped' },
		],
	},
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
		displayName: 'Requests per Poll',
		name: 'requestBudget',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description:
			"Most telemetry pages one poll may ask 4SEE for. The fleet's own trailer list (one page per 500 trailers, once per round), retries and logins come on top. Large fleets are read in turns: once caught up, every trailer within (trailers / this many) polls, rounded up.",
	},
];

function withTriggerOptions(): INodeProperties {
	const collection = optionsCollection({ flatten: true, pageSize: true });
	const entries = [...(collection.options as INodeProperties[]), ...triggerOptions];
	entries.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { ...collection, options: entries };
}

export const triggerProperties: INodeProperties[] = [
	event,
	...gpsProperties,
	...deviceProperties,
	...deliverSafeProperties,
	...startProperties,
	withTriggerOptions(),
];

export const PAGE_SIZE_DEFAULT = PAGING.maxTake;
