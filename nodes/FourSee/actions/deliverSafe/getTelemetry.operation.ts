import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, timeRange } from '../../descriptions/common';
import { deliverSafeLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getTelemetry, locatorId, readLimit, readOptions, readTimeWindow } from '../shared';

const properties: INodeProperties[] = [
	deliverSafeLocator({ description: 'The DeliverSafe unit whose events to get, picked from the list or given by its ID' }),
	...timeRange,
	...returnAllAndLimit('events'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['deliverSafe'], operation: ['getTelemetry'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const unit = locatorId.call(this, itemIndex, LOCATOR.deliverSafeUnit, 'DeliverSafe Unit');
	const window = readTimeWindow.call(this, itemIndex);
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex);
	return await getTelemetry.call(this, itemIndex, paths.deliverSafeTelemetry(unit), { kind: 'deliverSafe', id: decodeURIComponent(unit) }, window, options, limit);
}
