import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { deliverSafeLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, locatorId, readOptions } from '../shared';

const properties: INodeProperties[] = [
	deliverSafeLocator(),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['deliverSafe'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const unit = locatorId.call(this, itemIndex, LOCATOR.deliverSafeUnit, 'DeliverSafe Unit');
	const options = readOptions.call(this, itemIndex);
	return await getRecord.call(this, itemIndex, paths.deliverSafeUnit(unit), { kind: 'deliverSafe', id: decodeURIComponent(unit) }, options);
}
