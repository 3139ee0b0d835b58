import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parseRotatedKey, paths, ROTATE_RATE_LIMIT } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { apiRequest } from '../../transport';
import { readOptions } from '../shared';

const properties: INodeProperties[] = [
	{
		displayName:
			'Rotating replaces the API key at once: the old key stops working immediately, and 4SEE allows only 3 rotations per hour. The new key appears in this node\'s output; put it into the 4SEE API credential right away.',
		name: 'rotateNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Confirm Rotation',
		name: 'confirmRotation',
		type: 'boolean',
		default: false,
		description:
			'Whether to really replace the API key. Nothing is sent unless this is on. The old key stops working immediately; limited to 3 rotations per hour.',
	},
	optionsCollection({}),
];

export const description = updateDisplayOptions({ show: { resource: ['apiKey'], operation: ['rotate'] } }, properties);

export const UPDATE_CREDENTIAL_NOTE =
	'The API key was rotated and the old key no longer works. Copy newApiKey into the API Key field of your 4SEE API credential now: until you do, every 4SEE node and trigger using that credential will fail.';

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const inputCount = this.getInputData().length;
	if (inputCount > 1) {
		// Each rotation invalidates the key the previous one returned: rotating per item would
		// burn the hourly allowance and lose every key but the last.
		throw new NodeOperationError(this.getNode(), `Rotate got ${inputCount} input items but must run only once`, {
			itemIndex,
			description: "Feed it a single item, or turn on 'Execute Once' in the node's settings.",
		});
	}
	if (this.getNodeParameter('confirmRotation', itemIndex, false) !== true) {
		throw new NodeOperationError(this.getNode(), "Key rotation was not confirmed: turn on 'Confirm Rotation' to rotate", {
			itemIndex,
			description: `Nothing was sent. Rotation replaces the API key at once and is limited to ${ROTATE_RATE_LIMIT.requests} per hour.`,
		});
	}
	const options = readOptions.call(this, itemIndex);
	const body = await apiRequest.call(this, {
		method: 'PUT',
		path: paths.rotate,
		service: 'auth',
		retry: options.retry,
		itemIndex,
	});
	const rotatedAt = new Date().toISOString();
	const newApiKey = parseRotatedKey(body);
	if (newApiKey === undefined) {
		// The old key may already be dead: the raw answer is the user's only copy of the new one.
		return [
			{
				json: {
					rotated: true,
					newApiKey: null,
					rotatedAt,
					note: 'The API key was probably rotated, but the answer did not hold the new key where this node expects it. Look for it in "response" and put it into your 4SEE API credential.',
					response: body as IDataObject,
				},
				pairedItem: { item: itemIndex },
			},
		];
	}
	return [{ json: { rotated: true, newApiKey, rotatedAt, note: UPDATE_CREDENTIAL_NOTE }, pairedItem: { item: itemIndex } }];
}
