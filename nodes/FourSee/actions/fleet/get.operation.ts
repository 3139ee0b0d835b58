import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { fleetLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, locatorId, readOptions } from '../shared';

const properties: INodeProperties[] = [
	fleetLocator(),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['fleet'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fleet = locatorId.call(this, itemIndex, LOCATOR.fleet, 'Fleet');
	const options = readOptions.call(this, itemIndex);
	return await getRecord.call(this, itemIndex, paths.fleet(fleet), { kind: 'fleet', id: decodeURIComponent(fleet) }, options);
}
