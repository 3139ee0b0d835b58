import nock from 'nock';
import { ROTATED_ALREADY_MESSAGE } from '../../../../../nodes/FourSee/actions/apiKey/rotate.operation';
import { withStoredSession } from '../../../../helpers/context';
import { CredentialStore } from '../../../../helpers/workflow';
import { API, API_KEY, AUTH, TOKEN, nodeError, outputJson, runNode, unexpectedRequests, useNock } from '../setup';

useNock();

/** Rotation always starts with a login of its own; the stored token is never used for it. */
const FRESH = 'fresh-rotation-token';
function freshLogin(key = API_KEY): nock.Scope {
	return nock(AUTH, { reqheaders: { 'x-api-key': key } })
		.post('/api/v1/customers/authenticate')
		.once()
		.reply(200, { token: FRESH, expiresIn: 1800 });
}

describe('API Key > Rotate', () => {
	test('without Confirm Rotation nothing is sent and the error says how to confirm', async () => {
		const run = await runNode({ resource: 'apiKey', operation: 'rotate' });
		expect(nodeError(run)?.name).toBe('NodeOperationError');
		expect(run.error?.message).toMatch(/Confirm Rotation/);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('confirmed: PUT to the Auth URL; the output carries the new key and says to update the credential', async () => {
		const login = freshLogin();
		const scope = nock(AUTH, { reqheaders: { authorization: `Bearer ${FRESH}` } })
			.put('/api/v1/customers/rotate')
			.reply(200, { apiKey: 'brand-new-key' });

		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });

		expect(run.error).toBeUndefined();
		const [item] = outputJson(run);
		expect(item.newApiKey).toBe('brand-new-key');
		expect(item.rotated).toBe(true);
		expect(item.note).toMatch(/old key no longer works/);
		expect(item.note).toMatch(/credential/);
		expect(run.output('4SEE')[0].pairedItem).toEqual({ item: 0 });
		expect(login.isDone()).toBe(true);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('a new key under another accepted field name is found too', async () => {
		freshLogin();
		nock(AUTH).put('/api/v1/customers/rotate').reply(200, { customerApiKey: 'k2' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(outputJson(run)[0].newApiKey).toBe('k2');
	});

	test('with several input items it refuses before sending anything: each rotation would void the last key', async () => {
		const run = await runNode(
			{ resource: 'apiKey', operation: 'rotate', confirmRotation: true },
			{ items: [{ a: 1 }, { a: 2 }] },
		);
		expect(nodeError(run)?.name).toBe('NodeOperationError');
		expect(run.error?.message).toMatch(/must run only once/);
		expect(unexpectedRequests()).toEqual([]);
	});

	test("with n8n's Execute Once setting, several input items rotate exactly once", async () => {
		freshLogin();
		const scope = nock(AUTH).put('/api/v1/customers/rotate').once().reply(200, { apiKey: 'only-one' });
		const run = await runNode(
			{ resource: 'apiKey', operation: 'rotate', confirmRotation: true },
			{ items: [{ a: 1 }, { a: 2 }, { a: 3 }], settings: { executeOnce: true } },
		);
		expect(outputJson(run)).toHaveLength(1);
		expect(outputJson(run)[0].newApiKey).toBe('only-one');
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('a 429 from the rotate limit is not waited out for an hour: it fails with a clear message', async () => {
		freshLogin();
		nock(AUTH)
			.put('/api/v1/customers/rotate')
			.reply(429, { title: 'Too Many Requests', status: 429, detail: 'Rotate limit: 3 per hour' }, { 'Retry-After': '3000' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(run.error).toBeDefined();
		expect(`${run.error?.message} ${run.error?.description ?? ''}`).toMatch(/rate limit|429|too many/i);
		expect(JSON.stringify(run.run.data.resultData)).not.toContain(TOKEN);
	});

	test('a key that was rotated already: the fresh login is refused, it says to put the new key in, and nothing is rotated', async () => {
		// The stored session token would still be accepted: only a fresh login tells the key is dead.
		nock(AUTH).post('/api/v1/customers/authenticate').once().reply(401, { title: 'Unauthorized' });
		const rotate = nock(AUTH).put('/api/v1/customers/rotate').reply(200, { apiKey: 'voids-the-real-new-key' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(run.error?.message).toBe(ROTATED_ALREADY_MESSAGE);
		expect(run.error?.description).toMatch(/^Nothing was rotated/);
		expect(rotate.isDone()).toBe(false);
		expect(unexpectedRequests()).toEqual([]);
		expect(JSON.stringify(run.run.data.resultData)).not.toContain(API_KEY);
		expect(JSON.stringify(run.run.data.resultData)).not.toContain(TOKEN);
	});

	test('a login refused for another reason says so, and nothing is rotated', async () => {
		nock(AUTH).post('/api/v1/customers/authenticate').once().reply(429, {}, { 'Retry-After': '3000' });
		const rotate = nock(AUTH).put('/api/v1/customers/rotate').reply(200, { apiKey: 'x' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(run.error?.message).toMatch(/Too many logins/);
		expect(run.error?.description).toMatch(/^Nothing was rotated/);
		expect(rotate.isDone()).toBe(false);
	});

	test('after a rotation, no token of the old key is sent again: neither the cached nor the stored one', async () => {
		const key = 'key-cached-then-rotated';
		// n8n's database: one credential, shared by the runs below.
		const store = new CredentialStore({ fourSeeApi: { apiKey: key, authUrl: AUTH, baseUrl: API, sessionToken: '' } });
		// A run logs in with the key: its token is stored and cached for the process.
		nock(AUTH).post('/api/v1/customers/authenticate').once().reply(200, { token: 'cached-for-old-key', expiresIn: 1800 });
		nock(API).get('/api/v1/fleets').query(true).reply(200, { data: [] });
		expect((await runNode({ resource: 'fleet', operation: 'getMany' }, { credentials: store })).error).toBeUndefined();
		expect(store.data.fourSeeApi.sessionToken).toBe('cached-for-old-key');
		// The key is rotated; the credential still holds the old key and its token.
		freshLogin(key);
		nock(AUTH).put('/api/v1/customers/rotate').reply(200, { apiKey: 'the-new-key' });
		const rotated = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true }, { credentials: store });
		expect(outputJson(rotated)[0].newApiKey).toBe('the-new-key');
		expect(store.data.fourSeeApi.sessionToken).toBe('cached-for-old-key');
		// The next run must log in (and be refused), not send the old key's token.
		const login = nock(AUTH).post('/api/v1/customers/authenticate').once().reply(401, {});
		const api = nock(API).get('/api/v1/fleets').query(true).reply(200, { data: [] });
		const run = await runNode({ resource: 'fleet', operation: 'getMany' }, { credentials: store });
		expect(login.isDone()).toBe(true);
		expect(api.isDone()).toBe(false);
		expect(unexpectedRequests()).toEqual([]);
		expect(run.error?.message).toBe('The 4SEE auth server rejected the API key');
		// Another credential with the old key and no stored token does not get the cached one either.
		nock(AUTH).post('/api/v1/customers/authenticate').once().reply(401, {});
		const other = new CredentialStore({ fourSeeApi: { apiKey: key, authUrl: AUTH, baseUrl: API, sessionToken: '' } });
		expect((await runNode({ resource: 'fleet', operation: 'getMany' }, { credentials: other })).error?.message).toBe(
			'The 4SEE auth server rejected the API key',
		);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('with the new key put into the credential, the next run logs in with it', async () => {
		const store = new CredentialStore({
			fourSeeApi: withStoredSession({ apiKey: 'key-before', authUrl: AUTH, baseUrl: API, sessionToken: 'token-before' }),
		});
		freshLogin('key-before');
		nock(AUTH).put('/api/v1/customers/rotate').reply(200, { apiKey: 'key-after' });
		const rotated = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true }, { credentials: store });
		store.data.fourSeeApi = { ...store.data.fourSeeApi, apiKey: outputJson(rotated)[0].newApiKey as string };
		const login = nock(AUTH, { reqheaders: { 'x-api-key': 'key-after' } })
			.post('/api/v1/customers/authenticate')
			.reply(200, { token: 'token-after', expiresIn: 1800 });
		const api = nock(API, { reqheaders: { authorization: 'Bearer token-after' } }).get('/api/v1/fleets').query(true).reply(200, { data: [] });
		expect((await runNode({ resource: 'fleet', operation: 'getMany' }, { credentials: store })).error).toBeUndefined();
		expect(login.isDone()).toBe(true);
		expect(api.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
});
