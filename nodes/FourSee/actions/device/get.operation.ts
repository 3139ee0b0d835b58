import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection, simplifyProperties } from '../../descriptions/common';
import { devicePickers } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, readLocator, readOptions } from '../shared';

const properties: INodeProperties[] = [
	...devicePickers(),
	...simplifyProperties('device'),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const device = readLocator.call(this, itemIndex, 'device');
	const options = readOptions.call(this, itemIndex, 'device');
	return await getRecord.call(this, itemIndex, paths.device(device.segment), device.subject, options);
}
