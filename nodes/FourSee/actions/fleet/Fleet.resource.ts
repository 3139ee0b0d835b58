import type { INodeProperties } from 'n8n-workflow';

import { operationPicker } from '../../descriptions/common';
import * as get from './get.operation';
import * as getMany from './getMany.operation';

export { get, getMany };

export const description: INodeProperties[] = [
	operationPicker(
		'fleet',
		[
			{
				name: 'Get',
				value: 'get',
				description: 'Get one fleet by its ID',
				action: 'Get a fleet',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Get many fleets',
				action: 'Get many fleets',
			},
		],
		'getMany',
	),
	...get.description,
	...getMany.description,
];
