import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, simplifyProperties, timeRange } from '../../descriptions/common';
import { devicePickers } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, readLimit, readLocator, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	...devicePickers({ description: 'The device whose readings to get, given by its ID or picked from the devices of the trailer chosen above' }),
	...timeRange,
	...returnAllAndLimit('readings'),
	...simplifyProperties('deviceTelemetry'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['getTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const device = readLocator.call(this, itemIndex, 'device');
	const window = readTimeWindow.call(this, itemIndex);
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'deviceTelemetry');
	return await getTelemetry.call(this, itemIndex, paths.deviceTelemetry(device.segment), device.subject, window, options, limit);
}
