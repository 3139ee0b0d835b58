import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, simplifyProperties } from '../../descriptions/common';
import { trailerPickers } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	...trailerPickers(),
	...simplifyProperties('trailer'),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['trailer'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const trailer = readLocator.call(this, itemIndex, 'trailer');
	const options = readOptions.call(this, itemIndex, 'trailer');
	return await getRecord.call(this, itemIndex, paths.trailer(trailer.segment), trailer.subject, options);
}
