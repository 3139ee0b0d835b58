import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { FourSeeAuthError, forgetRotatedKey, loginAfresh } from '../../transport/login';
import { parseRotatedKey, paths, ROTATE_RATE_LIMIT } from '../../api';
import { optionsCollection } from '../../descriptions/common';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { apiRequest, CREDENTIAL_TYPE, redactBody } from '../../transport';
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
	optionsCollection({ oneAtATime: true }),
];

export const description = updateDisplayOptions({ show: { resource: ['apiKey'], operation: ['rotate'] } }, properties);

export const ROTATED_ALREADY_MESSAGE =
	'4SEE rejected the API key: if you rotated it, put the new key into the credential';

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
	const options = readOptions.call(this, itemIndex, undefined);
	const credentials = await this.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE, itemIndex);
	// Always a login of its own with the key the credential holds now: a session token stored or
	// cached earlier would still rotate a key that was rotated already (the credential not yet
	// updated), voiding the new key the first rotation returned.
	const token = await freshLogin(this, credentials, itemIndex);
	let body: unknown;
	try {
		body = await apiRequest.call(this, {
			method: 'PUT',
			path: paths.rotate,
			service: 'auth',
			token,
			// The new key must reach the user even if it looks like a token; the rest is redacted below.
			rawBody: true,
			retry: options.retry,
			itemIndex,
		});
	} finally {
		// Once the request is out, the old key may be dead even if no answer came back: no token
		// of it is sent again by this process (at worst the next run logs in once more).
		forgetRotatedKey(credentials, [token, credentials.sessionToken]);
	}
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
					response: redactBody(body) as IDataObject,
				},
				pairedItem: { item: itemIndex },
			},
		];
	}
	return [{ json: { rotated: true, newApiKey, rotatedAt, note: UPDATE_CREDENTIAL_NOTE }, pairedItem: { item: itemIndex } }];
}

async function freshLogin(
	context: IExecuteFunctions,
	credentials: ICredentialDataDecryptedObject,
	itemIndex: number,
): Promise<string> {
	try {
		return await loginAfresh(context, credentials);
	} catch (error) {
		if (!(error instanceof FourSeeAuthError)) {
			throw new NodeOperationError(context.getNode(), error as Error, { itemIndex, description: 'Nothing was rotated.' });
		}
		if (error.httpCode === 'FOURSEE_AUTH_BAD_SETTINGS') {
			throw new NodeOperationError(context.getNode(), error.message, {
				itemIndex,
				description: 'Nothing was rotated. Open the 4SEE API credential and correct it.',
			});
		}
		const rejected = error.httpCode === 'FOURSEE_AUTH_KEY_REJECTED';
		const message = rejected ? ROTATED_ALREADY_MESSAGE : error.message;
		const description = rejected
			? 'Nothing was rotated. A key stops working the moment it is rotated; the new one is in the output of the run that rotated it. If this key was never rotated, check it in the 4SEE API credential.'
			: `Nothing was rotated. ${error.description ?? ''}`.trim();
		const httpCode = rejected ? '401' : error.httpCode === 'FOURSEE_AUTH_RATE_LIMITED' ? '429' : undefined;
		const apiError = new NodeApiError(context.getNode(), { message, description } as JsonObject, {
			message,
			description,
			httpCode,
			itemIndex,
		});
		// NodeApiError replaces a message it knows a status for with its own wording.
		apiError.message = message;
		apiError.description = description;
		throw apiError;
	}
}
