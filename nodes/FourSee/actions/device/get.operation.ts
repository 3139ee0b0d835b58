import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { paths } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { browseFleetLocator, browseTrailerLocator, deviceLocator, LOCATOR } from '../../descriptions/resourceLocators';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { getRecord, locatorId, readOptions } from '../shared';

const properties: INodeProperties[] = [
	browseFleetLocator(),
	browseTrailerLocator(),
	deviceLocator(),
	optionsCollection({ flatten: true, additionalQuery: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const device = locatorId.call(this, itemIndex, LOCATOR.device, 'Device');
	const options = readOptions.call(this, itemIndex);
	return await getRecord.call(this, itemIndex, paths.device(device), { kind: 'device', id: decodeURIComponent(device) }, options);
}
