import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, simplifyProperties } from '../../descriptions/common';
import { fleetLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	fleetLocator(),
	...simplifyProperties('fleet'),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['fleet'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fleet = readLocator.call(this, itemIndex, 'fleet');
	const options = readOptions.call(this, itemIndex, 'fleet');
	return await getRecord.call(this, itemIndex, paths.fleet(fleet.segment), fleet.subject, options);
}
