import type { INodeProperties } from 'n8n-workflow';

import * as rotate from './rotate.operation';

export { rotate };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['apiKey'] } },
		options: [
			{
				name: 'Rotate',
				value: 'rotate',
				description:
					'Replace the Customer API key with a new one; the old key stops working at once. Limited to 3 per hour. Needs explicit confirmation.',
				action: 'Rotate the API key',
			},
		],
		default: 'rotate',
	},
	...rotate.description,
];
