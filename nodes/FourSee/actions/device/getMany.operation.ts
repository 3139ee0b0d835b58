import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { PAGING, paths } from '../../api';
import { activeOnly, optionsCollection, returnAllAndLimit, simplifyProperties } from '../../descriptions/common';
import { trailerPickers } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getList, readLimit, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	...trailerPickers({ description: 'The trailer whose devices to get, given by its ID or picked from the trailers of the fleet chosen above' }),
	activeOnly('devices'),
	...returnAllAndLimit('devices'),
	...simplifyProperties('device'),
	optionsCollection({ flatten: true, additionalQuery: true, pageSize: true, maxRecords: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['getMany'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = readLocator.call(this, itemIndex, 'trailer');
	const onlyActive = this.getNodeParameter('activeOnly', itemIndex, false) === true;
	const limit = readLimit.call(this, itemIndex);
	const options = readOptions.call(this, itemIndex, 'device', [PAGING.activeOnlyParam]);
	const qs = onlyActive ? { [PAGING.activeOnlyParam]: true } : {};
	return await getList.call(this, itemIndex, paths.devicesOfTrailer(trailer.segment), qs, trailer.subject, options, limit);
}
