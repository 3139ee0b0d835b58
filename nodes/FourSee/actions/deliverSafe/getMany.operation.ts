import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, simplifyProperties } from '../../descriptions/common';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, readLimit, readOptions } from '../shared';

const properties: INodeProperties[] = [
	...returnAllAndLimit('DeliverSafe units'),
	...simplifyProperties('deliverSafeUnit'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['deliverSafe'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'deliverSafeUnit');
	return await getList.call(this, itemIndex, paths.deliverSafeUnits, {}, undefined, options, limit);
}
