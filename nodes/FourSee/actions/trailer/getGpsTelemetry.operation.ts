import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, timeRange } from '../../descriptions/common';
import { browseFleetLocator, LOCATOR, trailerLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, locatorId, readLimit, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	browseFleetLocator(),
	trailerLocator({ description: 'The trailer whose GPS positions to get, given by its ID or picked from the trailers of the fleet chosen above' }),
	...timeRange,
	...returnAllAndLimit('GPS positions'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['getGpsTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = locatorId.call(this, itemIndex, LOCATOR.trailer, 'Trailer');
	const window = readTimeWindow.call(this, itemIndex);
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex);
	return await getTelemetry.call(this, itemIndex, paths.trailerGpsTelemetry(trailer), { kind: 'trailer', id: decodeURIComponent(trailer) }, window, options, limit);
}
