import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, simplifyProperties, timeRange } from '../../descriptions/common';
import { deliverSafeLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, readLimit, readLocator, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	deliverSafeLocator({ description: 'The DeliverSafe unit whose events to get, picked from the list or given by its ID' }),
	...timeRange,
	...returnAllAndLimit('events'),
	...simplifyProperties('deliverSafeTelemetry'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['deliverSafe'], operation: ['getTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const unit = readLocator.call(this, itemIndex, 'deliverSafe');
	const window = readTimeWindow.call(this, itemIndex);
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'deliverSafeTelemetry');
	return await getTelemetry.call(this, itemIndex, paths.deliverSafeTelemetry(unit.segment), unit.subject, window, options, limit);
}
