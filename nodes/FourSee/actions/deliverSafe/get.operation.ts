import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, simplifyProperties } from '../../descriptions/common';
import { deliverSafeLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	deliverSafeLocator(),
	...simplifyProperties('deliverSafeUnit'),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['deliverSafe'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const unit = readLocator.call(this, itemIndex, 'deliverSafe');
	const options = readOptions.call(this, itemIndex, 'deliverSafeUnit');
	return await getRecord.call(this, itemIndex, paths.deliverSafeUnit(unit.segment), unit.subject, options);
}
