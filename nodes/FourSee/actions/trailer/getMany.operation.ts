import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { PAGING, paths } from '../../api';
import { activeOnly, optionsCollection, returnAllAndLimit } from '../../descriptions/common';
import { fleetLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, locatorId, readLimit, readOptions } from '../shared';

const properties: INodeProperties[] = [
	fleetLocator({ description: 'The fleet whose trailers to get, picked from the list or given by its ID' }),
	activeOnly('trailers'),
	...returnAllAndLimit('trailers'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fleet = locatorId.call(this, itemIndex, LOCATOR.fleet, 'Fleet');
	const onlyActive = this.getNodeParameter('activeOnly', itemIndex, false) === true;
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, [PAGING.activeOnlyParam]);
	// activeOnly is sent only when asked for: without it the API returns every trailer.
	const qs = onlyActive ? { [PAGING.activeOnlyParam]: true } : {};
	return await getList.call(this, itemIndex, paths.trailersOfFleet(fleet), qs, { kind: 'fleet', id: decodeURIComponent(fleet) }, options, limit);
}
