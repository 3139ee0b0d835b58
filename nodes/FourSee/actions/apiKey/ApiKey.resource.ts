import type { INodeProperties } from 'n8n-workflow';

import { operationPicker } from '../../descriptions/common';
import * as rotate from './rotate.operation';

export { rotate };

export const description: INodeProperties[] = [
	operationPicker(
		'apiKey',
		[
			{
				name: 'Rotate',
				value: 'rotate',
				description:
					'Replace the Customer API key with a new one; the old key stops working at once. Limited to 3 per hour. Needs explicit confirmation.',
				action: 'Rotate the API key',
			},
		],
		'rotate',
	),
	...rotate.description,
];
