/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The workflow harness itself: it must run nodes through n8n-core's engine with per-item
 * expressions, and drive a credential's preAuthentication the way n8n does (once while the
 * stored token is valid, again after a 401), or the end-to-end tests prove nothing.
 */
import nock from 'nock';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IExecuteFunctions,
	IHttpRequestHelper, INodeExecutionData, INodeType } from 'n8n-workflow';

import { CredentialStore, itemsInto, runWorkflow } from '../../helpers/workflow';

class TokenCredential implements ICredentialType {
	name = 'fourSeeApi';
	displayName = 'Test';
	properties = [
		{ displayName: 'Key', name: 'apiKey', type: 'string' as const, default: '' },
		{ displayName: 'Token', name: 'token', type: 'hidden' as const, typeOptions: { expirable: true }, default: '' },
	];
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const body = (await this.helpers.httpRequest({
			method: 'POST',
			url: 'http://auth.test/token',
			headers: { 'x-api-key': credentials.apiKey as string },
		})) as { token: string };
		return { token: body.token };
	}
	authenticate = {
		type: 'generic' as const,
		properties: { headers: { Authorization: '=Bearer {{$credentials.token}}' } },
	};
}

class EchoNode implements INodeType {
	description = {
		displayName: 'Echo',
		name: 'echo',
		group: ['transform'],
		version: 1,
		description: 'x',
		defaults: { name: 'Echo' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'fourSeeApi', required: true }],
		properties: [{ displayName: 'Id', name: 'id', type: 'string', default: '' }],
	} as unknown as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < this.getInputData().length; i++) {
			const id = this.getNodeParameter('id', i) as string;
			const body = await this.helpers.httpRequestWithAuthentication.call(this, 'fourSeeApi', {
				url: `http://api.test/things/${id}`,
				json: true,
			});
			out.push({ json: body, pairedItem: { item: i } });
		}
		return [out];
	}
}

afterEach(() => nock.cleanAll());
// nock patches Node's http for the whole jest worker; later files must not inherit it.
afterAll(() => nock.restore());

test('runs a node per item with expressions and refreshes the token after a 401', async () => {
	const store = new CredentialStore({ fourSeeApi: { apiKey: 'k1', token: '' } });
	const auth = nock('http://auth.test')
		.post('/token')
		.matchHeader('x-api-key', 'k1')
		.reply(200, { token: 't1' })
		.post('/token')
		.reply(200, { token: 't2' });
	const api = nock('http://api.test')
		.get('/things/a')
		.matchHeader('authorization', 'Bearer t1')
		.reply(200, { id: 'a' })
		.get('/things/b')
		.matchHeader('authorization', 'Bearer t1')
		.reply(401, {})
		.get('/things/b')
		.matchHeader('authorization', 'Bearer t2')
		.reply(200, { id: 'b' });

	const result = await runWorkflow(
		itemsInto({ type: 'echo', parameters: { id: '={{ $json.x }}' } }, [{ x: 'a' }, { x: 'b' }]),
		{ nodeTypes: { echo: new EchoNode() }, credentialTypes: [new TokenCredential() as unknown as ICredentialType], credentials: store },
	);

	expect(result.error).toBeUndefined();
	expect(result.output('4SEE').map((i) => i.json)).toEqual([{ id: 'a' }, { id: 'b' }]);
	expect(auth.isDone()).toBe(true);
	expect(api.isDone()).toBe(true);
	expect(store.data.fourSeeApi.token).toBe('t2');
});
