import type { INodeProperties } from 'n8n-workflow';

import { operationPicker } from '../../descriptions/common';
import * as get from './get.operation';
import * as getGpsTelemetry from './getGpsTelemetry.operation';
import * as getMany from './getMany.operation';

export { get, getGpsTelemetry, getMany };

export const description: INodeProperties[] = [
	operationPicker(
		'trailer',
		[
			{
				name: 'Get',
				value: 'get',
				description: 'Get one trailer by its ID (unit number, VIN, make, model, year, active)',
				action: 'Get a trailer',
			},
			{
				name: 'Get GPS Telemetry',
				value: 'getGpsTelemetry',
				description: 'Get the GPS positions (latitude, longitude, speed, heading) a trailer reported over a time range, oldest first',
				action: 'Get GPS telemetry of a trailer',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Get many trailers of a fleet',
				action: 'Get many trailers',
			},
		],
		'getMany',
	),
	...get.description,
	...getMany.description,
	...getGpsTelemetry.description,
];
