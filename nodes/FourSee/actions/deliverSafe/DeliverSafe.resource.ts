import type { INodeProperties } from 'n8n-workflow';

import { operationPicker } from '../../descriptions/common';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getTelemetry from './getTelemetry.operation';

export { get, getMany, getTelemetry };

export const description: INodeProperties[] = [
	operationPicker(
		'deliverSafe',
		[
			{
				name: 'Get',
				value: 'get',
				description: 'Get one DeliverSafe cargo/door unit by its ID',
				action: 'Get a deliver safe unit',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Get many DeliverSafe units',
				action: 'Get many deliver safe units',
			},
			{
				name: 'Get Telemetry',
				value: 'getTelemetry',
				description: 'Get the events a DeliverSafe unit reported over a time range (door opened/closed, cargo loaded/empty, tamper, temperature), oldest first',
				action: 'Get telemetry of a deliver safe unit',
			},
		],
		'getMany',
	),
	...get.description,
	...getMany.description,
	...getTelemetry.description,
];
