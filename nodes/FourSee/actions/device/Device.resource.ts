import type { INodeProperties } from 'n8n-workflow';

import { operationPicker } from '../../descriptions/common';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getTelemetry from './getTelemetry.operation';

export { get, getMany, getTelemetry };

export const description: INodeProperties[] = [
	operationPicker(
		'device',
		[
			{
				name: 'Get',
				value: 'get',
				description: 'Get the details of one device (serial number, type, firmware, installed at)',
				action: 'Get a device',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Get many devices of a trailer',
				action: 'Get many devices',
			},
			{
				name: 'Get Telemetry',
				value: 'getTelemetry',
				description: 'Get the readings a device reported over a time range (light circuits, ABS, tire pressure and temperature, voltages), oldest first',
				action: 'Get telemetry of a device',
			},
		],
		'getMany',
	),
	...get.description,
	...getMany.description,
	...getTelemetry.description,
];
