/**
 * Resource locators (searchable list + ID) for every 4SEE entity, defined once and reused by
 * the action node and the trigger. The list modes call the list searches in `methods/`; the
 * ID mode checks the id's shape in the editor, and the transport checks it again at run time
 * (expressions bypass the editor's check).
 */
import type { INodeProperties } from 'n8n-workflow';

import { ID_PATTERN } from '../api';

/** Parameter names; list searches read the parent pickers by these names. */
export const LOCATOR = {
	fleet: 'fleet',
	trailer: 'trailer',
	device: 'device',
	deliverSafeUnit: 'deliverSafeUnit',
} as const;

/** The list search method of each locator, as registered on the node's `methods.listSearch`. */
export const SEARCH_METHOD = {
	fleet: 'searchFleets',
	trailer: 'searchTrailers',
	device: 'searchDevices',
	deliverSafeUnit: 'searchDeliverSafeUnits',
} as const;

export interface LocatorOptions {
	/** Defaults to true: the operation cannot run without it. */
	required?: boolean;
	/** Replaces the default description. */
	description?: string;
	displayName?: string;
}

function locator(
	name: string,
	displayName: string,
	searchMethod: string,
	example: string,
	what: string,
	description: string,
	options: LocatorOptions,
): INodeProperties {
	return {
		displayName: options.displayName ?? displayName,
		name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: options.required ?? true,
		description: options.description ?? description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: searchMethod, searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: `e.g. ${example}`,
				validation: [
					{
						type: 'regex',
						properties: {
							regex: ID_PATTERN.source,
							errorMessage: `Not a valid ${what} ID: letters, digits and . _ : ~ - only, no slashes or spaces`,
						},
					},
				],
			},
		],
	};
}

export function fleetLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(
		LOCATOR.fleet,
		'Fleet',
		SEARCH_METHOD.fleet,
		'fleet-001',
		'fleet',
		'The fleet, picked from the list of fleets your API key can see or given by its ID',
		options,
	);
}

export function trailerLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(
		LOCATOR.trailer,
		'Trailer',
		SEARCH_METHOD.trailer,
		'trl-00001',
		'trailer',
		'The trailer, given by its ID, or picked from the trailers of the fleet chosen above',
		options,
	);
}

export function deviceLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(
		LOCATOR.device,
		'Device',
		SEARCH_METHOD.device,
		'dev-000001',
		'device',
		'The device (gateway, light monitor, tire sensor, ABS monitor, door sensor), given by its ID, or picked from the devices of the trailer chosen above',
		options,
	);
}

export function deliverSafeLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(
		LOCATOR.deliverSafeUnit,
		'DeliverSafe Unit',
		SEARCH_METHOD.deliverSafeUnit,
		'ds-0001',
		'DeliverSafe unit',
		'The DeliverSafe cargo/door unit, picked from the list or given by its ID',
		options,
	);
}

/**
 * A parent picker that only narrows a child picker's list (e.g. the fleet whose trailers the
 * Trailer list shows). Not required: a user who types the child's ID never needs it.
 */
export function browseFleetLocator(): INodeProperties {
	return fleetLocator({
		required: false,
		displayName: 'Browse Fleet',
		description:
			'Only used to list trailers in the Trailer picker below; not needed when the trailer is given by ID',
	});
}

export function browseTrailerLocator(): INodeProperties {
	return trailerLocator({
		required: false,
		displayName: 'Browse Trailer',
		description:
			'Only used to list devices in the Device picker below; not needed when the device is given by ID',
	});
}
