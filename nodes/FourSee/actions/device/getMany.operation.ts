import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { PAGING, paths } from '../../api';
import { activeOnly, optionsCollection, returnAllAndLimit } from '../../descriptions/common';
import { browseFleetLocator, LOCATOR, trailerLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, locatorId, readLimit, readOptions } from '../shared';

const properties: INodeProperties[] = [
	browseFleetLocator(),
	trailerLocator({ description: 'The trailer whose devices to get, given by its ID or picked from the trailers of the fleet chosen above' }),
	activeOnly('devices'),
	...returnAllAndLimit('devices'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = locatorId.call(this, itemIndex, LOCATOR.trailer, 'Trailer');
	const onlyActive = this.getNodeParameter('activeOnly', itemIndex, false) === true;
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, [PAGING.activeOnlyParam]);
	const qs = onlyActive ? { [PAGING.activeOnlyParam]: true } : {};
	return await getList.call(this, itemIndex, paths.devicesOfTrailer(trailer), qs, { kind: 'trailer', id: decodeURIComponent(trailer) }, options, limit);
}
