import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, returnAllAndLimit, simplifyProperties } from '../../descriptions/common';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, readLimit, readOptions } from '../shared';

const properties: INodeProperties[] = [
	...returnAllAndLimit('fleets'),
	...simplifyProperties('fleet'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['fleet'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'fleet');
	return await getList.call(this, itemIndex, paths.fleets, {}, undefined, options, limit);
}
