import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { PAGING, paths } from '../../api';
import { activeOnly, optionsCollection, returnAllAndLimit, simplifyProperties } from '../../descriptions/common';
import { fleetLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, readLimit, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	fleetLocator({ description: 'The fleet whose trailers to get, picked from the list or given by its ID' }),
	activeOnly('trailers'),
	...returnAllAndLimit('trailers'),
	...simplifyProperties('trailer'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fleet = readLocator.call(this, itemIndex, 'fleet');
	const onlyActive = this.getNodeParameter('activeOnly', itemIndex, false) === true;
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'trailer', [PAGING.activeOnlyParam]);
	// activeOnly is sent only when asked for: without it the API returns every trailer.
	const qs = onlyActive ? { [PAGING.activeOnlyParam]: true } : {};
	return await getList.call(this, itemIndex, paths.trailersOfFleet(fleet.segment), qs, fleet.subject, options, limit);
}
