import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as apiKey from './actions/apiKey/ApiKey.resource';
import * as deliverSafe from './actions/deliverSafe/DeliverSafe.resource';
import * as device from './actions/device/Device.resource';
import * as fleet from './actions/fleet/Fleet.resource';
import * as trailer from './actions/trailer/Trailer.resource';
import { router, type FourSeeType } from './actions/router';
import { listSearch } from './methods';

/**
 * The 4SEE action node. Thin on purpose: the operations live in actions/<resource>/, one file
 * each with its description and execute; the router runs them per input item.
 */
export class FourSee implements INodeType {
	description: INodeTypeDescription = {
		displayName: '4SEE',
		name: 'fourSee',
		icon: { light: 'file:fourSee.svg', dark: 'file:fourSee.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description:
			'Read Grote 4SEE trailer telematics: fleets, trailers, devices, DeliverSafe units, GPS positions and device readings',
		defaults: { name: '4SEE' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'fourSeeApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'API Key', value: 'apiKey', description: 'The Customer API key itself (rotation)' },
					{
						name: 'DeliverSafe',
						value: 'deliverSafe',
						description: 'DeliverSafe cargo and door units and their events',
					},
					{
						name: 'Device',
						value: 'device',
						description: 'Devices on a trailer (gateway, light monitor, tire sensor, ABS monitor, door sensor) and their readings',
					},
					{ name: 'Fleet', value: 'fleet', description: 'Fleets visible to the API key' },
					{ name: 'Trailer', value: 'trailer', description: 'Trailers of a fleet and their GPS positions' },
				] satisfies Array<INodePropertyOptions & { value: FourSeeType['resource'] }>,
				default: 'trailer',
			},
			...apiKey.description,
			...deliverSafe.description,
			...device.description,
			...fleet.description,
			...trailer.description,
		],
	};

	methods = { listSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
