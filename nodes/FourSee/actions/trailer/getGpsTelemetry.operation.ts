import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, simplifyProperties, timeRange } from '../../descriptions/common';
import { trailerPickers } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, readLimit, readLocator, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	...trailerPickers({ description: 'The trailer whose GPS positions to get, given by its ID or picked from the trailers of the fleet chosen above' }),
	...timeRange,
	{
		displayName: 'Latest Position Only',
		name: 'latestOnly',
		type: 'boolean',
		default: false,
		description:
			'Whether to return only the newest position of the time range (one item per trailer, e.g. for a sheet with one row per trailer) instead of every position',
	},
	...returnAllAndLimit('GPS positions').map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, latestOnly: [false] } },
	})),
	...simplifyProperties('gps'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['getGpsTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = readLocator.call(this, itemIndex, 'trailer');
	const window = readTimeWindow.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'gps');
	const limit = this.getNodeParameter('latestOnly', itemIndex, false) === true ? 'newest' : readLimit.call(this, itemIndex);
	return await getTelemetry.call(this, itemIndex, paths.trailerGpsTelemetry(trailer.segment), trailer.subject, window, options, limit);
}
