import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, timeRange } from '../../descriptions/common';
import { browseFleetLocator, browseTrailerLocator, deviceLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, locatorId, readLimit, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	browseFleetLocator(),
	browseTrailerLocator(),
	deviceLocator({ description: 'The device whose readings to get, given by its ID or picked from the devices of the trailer chosen above' }),
	...timeRange,
	...returnAllAndLimit('readings'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['getTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const device = locatorId.call(this, itemIndex, LOCATOR.device, 'Device');
	const window = readTimeWindow.call(this, itemIndex);
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex);
	return await getTelemetry.call(this, itemIndex, paths.deviceTelemetry(device), { kind: 'device', id: decodeURIComponent(device) }, window, options, limit);
}
