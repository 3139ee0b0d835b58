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

export interface LocatorOptions {
	/** Defaults to true: the operation cannot run without it. */
	required?: boolean;
	/** Replaces the default description. */
	description?: string;
	displayName?: string;
}

/** What tells one entity's resource locator from another's. */
interface LocatorSpec {
	/** The parameter's name (one of LOCATOR). */
	name: string;
	displayName: string;
	/** The list search behind From List, as registered on the node's `methods.listSearch`. */
	searchListMethod: string;
	/** An id of the shape the API uses, shown as the ID mode's placeholder. */
	exampleId: string;
	/** The entity in words, for the ID mode's error message. */
	noun: string;
	description: string;
}

const SPECS = {
	fleet: {
		name: LOCATOR.fleet,
		displayName: 'Fleet',
		searchListMethod: 'searchFleets',
		exampleId: 'fleet-001',
		noun: 'fleet',
		description: 'The fleet, picked from the list of fleets your API key can see or given by its ID',
	},
	trailer: {
		name: LOCATOR.trailer,
		displayName: 'Trailer',
		searchListMethod: 'searchTrailers',
		exampleId: 'trl-00001',
		noun: 'trailer',
		description: 'The trailer, given by its ID, or picked from the trailers of the fleet chosen above',
	},
	device: {
		name: LOCATOR.device,
		displayName: 'Device',
		searchListMethod: 'searchDevices',
		exampleId: 'dev-000001',
		noun: 'device',
		description:
			'The device (gateway, light monitor, tire sensor, ABS monitor, door sensor), given by its ID, or picked from the devices of the trailer chosen above',
	},
	deliverSafeUnit: {
		name: LOCATOR.deliverSafeUnit,
		displayName: 'DeliverSafe Unit',
		searchListMethod: 'searchDeliverSafeUnits',
		exampleId: 'ds-0001',
		noun: 'DeliverSafe unit',
		description: 'The DeliverSafe cargo/door unit, picked from the list or given by its ID',
	},
} as const satisfies Record<keyof typeof LOCATOR, LocatorSpec>;

/** One resource locator (From List, ID) from its spec; `options` adapt it to where it is used. */
function locator(spec: LocatorSpec, options: LocatorOptions): INodeProperties {
	return {
		displayName: options.displayName ?? spec.displayName,
		name: spec.name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: options.required ?? true,
		description: options.description ?? spec.description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: spec.searchListMethod, searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: `e.g. ${spec.exampleId}`,
				validation: [
					{
						type: 'regex',
						properties: {
							regex: ID_PATTERN.source,
							errorMessage: `Not a valid ${spec.noun} ID: letters, digits and . _ : ~ - only, no slashes or spaces`,
						},
					},
				],
			},
		],
	};
}

export function fleetLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(SPECS.fleet, options);
}

export function trailerLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(SPECS.trailer, options);
}

export function deviceLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(SPECS.device, options);
}

export function deliverSafeLocator(options: LocatorOptions = {}): INodeProperties {
	return locator(SPECS.deliverSafeUnit, options);
}

/**
 * A parent picker that only narrows a child picker's list (e.g. the fleet whose trailers the
 * Trailer list shows). Not required: a user who types the child's ID never needs it.
 */
export function browseFleetLocator(): INodeProperties {
	return notInTool(fleetLocator({
		required: false,
		displayName: 'Browse Fleet',
		description:
			'Only used to list trailers in the Trailer picker below; not needed when the trailer is given by ID',
	}));
}

export function browseTrailerLocator(): INodeProperties {
	return notInTool(trailerLocator({
		required: false,
		displayName: 'Browse Trailer',
		description:
			'Only used to list devices in the Device picker below; not needed when the device is given by ID',
	}));
}

/**
 * Tool mode (the node as an AI agent's tool, `@tool`): the agent supplies ids, and no one is
 * there to browse. The Browse pickers are hidden, so a picker whose list depends on them (trailer,
 * device) is offered by ID only there, instead of as a list that could only stay empty.
 */
const TOOL = '@tool';

function notInTool(property: INodeProperties): INodeProperties {
	return {
		...property,
		displayOptions: { ...property.displayOptions, hide: { ...property.displayOptions?.hide, [TOOL]: [true] } },
	};
}

function idOnlyInTool(property: INodeProperties): INodeProperties {
	return {
		...property,
		default: { mode: 'id', value: '' },
		modes: (property.modes ?? []).filter((mode) => mode.name === 'id'),
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, [TOOL]: [true] } },
	};
}

/** Browse Fleet, then the Trailer picker; by ID only in tool mode. */
export function trailerPickers(options: LocatorOptions = {}): INodeProperties[] {
	const trailer = trailerLocator(options);
	return [browseFleetLocator(), notInTool(trailer), idOnlyInTool(trailer)];
}

/** Browse Fleet, Browse Trailer, then the Device picker; by ID only in tool mode. */
export function devicePickers(options: LocatorOptions = {}): INodeProperties[] {
	const device = deviceLocator(options);
	return [browseFleetLocator(), browseTrailerLocator(), notInTool(device), idOnlyInTool(device)];
}
