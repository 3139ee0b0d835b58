import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { browseFleetLocator, LOCATOR, trailerLocator } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, locatorId, readOptions } from '../shared';

const properties: INodeProperties[] = [
	browseFleetLocator(),
	trailerLocator(),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = locatorId.call(this, itemIndex, LOCATOR.trailer, 'Trailer');
	const options = readOptions.call(this, itemIndex);
	return await getRecord.call(this, itemIndex, paths.trailer(trailer), { kind: 'trailer', id: decodeURIComponent(trailer) }, options);
}
