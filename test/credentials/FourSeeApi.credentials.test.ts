/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The `4SEE API` credential, exercised through n8n-core's real request helpers: its
 * preAuthentication (key -> token), its authenticate function (Bearer) and its test
 * request, as n8n runs them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import nock from 'nock';
import type { IHttpRequestHelper } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { apiRequest } from '../../nodes/FourSee/transport';
import { CredentialStore, fakeJwt, fakeN8n, withStoredSession } from '../helpers/context';
import { sessionBinding } from '../../nodes/FourSee/transport/session';
import { offlineNock } from '../helpers/offlineNock';

const AUTH = 'https://auth.example.com';
const API = 'https://api.example.com';
const TOKEN_PATH = '/api/v1/customers/authenticate';

let counter = 0;
/** A key of its own per test: the credential's token cache is per process and per key. */
function uniqueKey(): string {
	counter++;
	return `key-${counter}-${Math.random().toString(36).slice(2)}`;
}

/** The credential as stored; a stored token is bound to its URLs and key, as after a login. */
function credentials(apiKey: string, extra: Record<string, string> = {}) {
	const stored = { apiKey, authUrl: AUTH, baseUrl: API, sessionToken: '', ...extra };
	return stored.sessionToken === '' || 'sessionFor' in extra ? stored : withStoredSession(stored);
}

/** What preAuthentication returns: the token and what it is for. */
function session(apiKey: string, sessionToken: string, authUrl = AUTH, baseUrl = API) {
	return { sessionToken, sessionFor: sessionBinding(authUrl, baseUrl, apiKey) };
}

/** An auth endpoint that counts its calls and hands out token-1, token-2, ... */
function authServer(apiKey: string, times = 10, delayMs = 0) {
	const state = { calls: 0 };
	nock(AUTH)
		.post(TOKEN_PATH)
		.matchHeader('x-api-key', apiKey)
		.times(times)
		.delay(delayMs)
		.reply(() => {
			state.calls++;
			return [200, { token: `token-${state.calls}`, expiresIn: 1800 }];
		});
	return state;
}

/** A helper object like the one n8n hands to preAuthentication, over n8n-core's httpRequest. */
function requestHelper(): IHttpRequestHelper {
	const context = fakeN8n(credentials('unused')).executeContext();
	return { helpers: { httpRequest: context.helpers.httpRequest } };
}

offlineNock();

describe('definition', () => {
	const credential = new FourSeeApi();

	test('is the 4SEE API credential with key, two URLs and a hidden expirable token', () => {
		expect(credential.name).toBe('fourSeeApi');
		expect(credential.displayName).toBe('4SEE API');
		const byName = Object.fromEntries(credential.properties.map((p) => [p.name, p]));
		expect(byName.apiKey.typeOptions?.password).toBe(true);
		expect(byName.apiKey.required).toBe(true);
		expect(byName.authUrl.default).toBe('https://auth.groteintegrations.com');
		expect(byName.baseUrl.displayName).toBe('Integration API URL');
		expect(byName.baseUrl.required).toBe(true);
		expect(byName.sessionToken.type).toBe('hidden');
		expect(byName.sessionToken.typeOptions?.expirable).toBe(true);
		expect(credential.icon).toEqual({ light: 'file:fourSee.svg', dark: 'file:fourSee.dark.svg' });
		expect(credential.documentationUrl).toMatch(/^https:\/\//);
	});

	test('sets the Bearer header in code from the stored token, keeping the other headers, with no expression to evaluate', async () => {
		// A function, not a generic block: n8n evaluates a generic block's `{{ }}` in the workflow's
		// expression engine on every request, which a long poll can outlive.
		expect(typeof credential.authenticate).toBe('function');
		const authenticate = credential.authenticate as unknown as (
			credentials: Record<string, unknown>,
			options: Record<string, unknown>,
		) => Promise<{ headers: Record<string, unknown>; url: string }>;
		const options = { url: `${API}/api/v1/fleets`, headers: { Accept: 'application/json' } };
		const signed = await authenticate(credentials('the-key', { sessionToken: 'token-9' }), options);
		expect(signed.headers).toEqual({ Accept: 'application/json', Authorization: 'Bearer token-9' });
		expect(signed.url).toBe(options.url);
		// The caller's options are not changed, and the key travels nowhere.
		expect(options.headers).toEqual({ Accept: 'application/json' });
		expect(JSON.stringify(signed)).not.toContain('the-key');
	});
});

describe('token exchange', () => {
	test('a cold request logs in once with X-API-KEY, sends Bearer and stores the token', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const api = nock(API)
			.get('/api/v1/fleets')
			.matchHeader('authorization', 'Bearer token-1')
			.reply(200, { data: [{ id: 'F1' }] });
		const n8n = fakeN8n(credentials(key));
		const body = await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(body).toEqual({ data: [{ id: 'F1' }] });
		expect(auth.calls).toBe(1);
		expect(api.isDone()).toBe(true);
		expect(n8n.store.data.sessionToken).toBe('token-1');
	});

	test('a stored token is used without logging in', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		nock(API).get('/api/v1/fleets').matchHeader('authorization', 'Bearer stored').reply(200, { data: [] });
		const n8n = fakeN8n(credentials(key, { sessionToken: 'stored' }));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(auth.calls).toBe(0);
	});

	test.each([
		['accessToken in JSON', { accessToken: 'tok-A' }, 'application/json'],
		['access_token in JSON', { access_token: 'tok-A', expires_in: 1800 }, 'application/json'],
		['a JWT as plain text', fakeJwt({ exp: Math.floor(Date.now() / 1000) + 1800 }), 'text/plain'],
	])('reads the token from %s', async (_name, body, type) => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(200, body as never, { 'Content-Type': type });
		const expected = typeof body === 'string' ? body : 'tok-A';
		nock(API).get('/api/v1/fleets').matchHeader('authorization', `Bearer ${expected}`).reply(200, []);
		const n8n = fakeN8n(credentials(key));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(n8n.store.data.sessionToken).toBe(expected);
	});

	test('an answer without a token is a clear error', async () => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(200, { message: 'welcome' });
		const n8n = fakeN8n(credentials(key));
		const error = await apiRequest
			.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toBe('The 4SEE auth server answered without a token');
	});

	test('50 concurrent cold requests cost one token request (single flight)', async () => {
		const key = uniqueKey();
		// The login takes a moment, so all 50 executions find the token missing at once.
		const auth = authServer(key, 50, 100);
		const api = nock(API)
			.get('/api/v1/fleets')
			.times(50)
			.matchHeader('authorization', 'Bearer token-1')
			.reply(200, { data: [{ id: 'F1' }] });
		const store = new CredentialStore(credentials(key));
		const executions = Array.from({ length: 50 }, () => fakeN8n(store).executeContext());
		const results = await Promise.all(
			executions.map(async (context) => await apiRequest.call(context, { method: 'GET', path: '/api/v1/fleets' })),
		);
		expect(results).toHaveLength(50);
		expect(auth.calls).toBe(1);
		expect(api.isDone()).toBe(true);
		expect(store.data.sessionToken).toBe('token-1');
	});

	test('a token another execution refreshed moments ago is reused, not fetched again', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const helper = requestHelper();
		const credential = new FourSeeApi();
		// Execution A found its stored token expired and logs in.
		const a = await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'expired' }));
		expect(a).toEqual(session(key, 'token-1'));
		// Execution B read the same expired token before A stored the new one.
		const b = await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'expired' }));
		expect(b).toEqual(session(key, 'token-1'));
		expect(auth.calls).toBe(1);
		// When the token we handed out is itself refused, a new one is fetched.
		const c = await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'token-1' }));
		expect(c).toEqual(session(key, 'token-2'));
		expect(auth.calls).toBe(2);
	});

	test("queue mode: a refused token from another process is not answered with ours, which the same revocation refused too", async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const helper = requestHelper();
		const credential = new FourSeeApi();
		const clock = jest.spyOn(Date, 'now');
		try {
			const t0 = Date.now();
			clock.mockReturnValue(t0);
			// This process (a worker) logged in for its executions: token-1.
			expect(await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'expired' }))).toEqual(session(key, 'token-1'));
			// A minute later every token is revoked. An execution here read the token another worker
			// stored in the credential, and it was refused: ours is as old, so a new one is fetched.
			clock.mockReturnValue(t0 + 60_000);
			expect(await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'other-worker-token' }))).toEqual(session(key, 'token-2'));
			// The executions still holding our old token-1, or the other worker's, take token-2:
			// one login per process for the revocation.
			clock.mockReturnValue(t0 + 61_000);
			expect(await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'token-1' }))).toEqual(session(key, 'token-2'));
			expect(await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'other-worker-token' }))).toEqual(session(key, 'token-2'));
			expect(auth.calls).toBe(2);
			// A token of another process refused moments after our login is of the same wave.
			clock.mockReturnValue(t0 + 62_000);
			expect(await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'third-worker-token' }))).toEqual(session(key, 'token-2'));
			expect(auth.calls).toBe(2);
		} finally {
			clock.mockRestore();
		}
	});

	test('reuse across executions: a second execution with a stale copy takes the fresh token', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		nock(API)
			.get('/api/v1/fleets')
			.times(10)
			.reply(function () {
				return this.req.headers.authorization === 'Bearer token-1' ? [200, { data: [] }] : [401, {}];
			});
		// Two stores: B read the credential before A wrote the new token back (another worker,
		// or a read that raced the write).
		const a = fakeN8n(credentials(key, { sessionToken: 'expired' }));
		const b = fakeN8n(credentials(key, { sessionToken: 'expired' }));
		await apiRequest.call(a.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		await apiRequest.call(b.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(auth.calls).toBe(1);
		expect(b.store.data.sessionToken).toBe('token-1');
	});

	test('a cached token about to expire is not handed on', async () => {
		const key = uniqueKey();
		let calls = 0;
		nock(AUTH)
			.post(TOKEN_PATH)
			.times(2)
			.reply(() => [200, { token: `short-${++calls}`, expiresIn: 30 }]);
		const helper = requestHelper();
		const credential = new FourSeeApi();
		await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'old' }));
		const again = await credential.preAuthentication.call(helper, credentials(key, { sessionToken: 'old' }));
		expect(again).toEqual(session(key, 'short-2'));
		expect(calls).toBe(2);
	});
});

describe('auth failures', () => {
	test('a wrong key: says the key was rejected, does not echo it, and logs in only once', async () => {
		const key = uniqueKey();
		let calls = 0;
		nock(AUTH)
			.post(TOKEN_PATH)
			.times(5)
			.reply(() => {
				calls++;
				return [401, { title: 'Unauthorized', status: 401 }];
			});
		const n8n = fakeN8n(credentials(key));
		const error = (await apiRequest
			.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' })
			.catch((e: unknown) => e)) as NodeApiError;
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('The 4SEE auth server rejected the API key');
		expect(error.description).toMatch(/API Key/);
		expect(error.httpCode).toBe('401');
		expect(calls).toBe(1);
		expectNoSecret(error, key);
	});

	test('an auth server that echoes the key in its problem detail does not get it into the error', async () => {
		const key = uniqueKey();
		nock(AUTH)
			.post(TOKEN_PATH)
			.reply(400, { title: 'Bad Request', status: 400, detail: `Key ${key} is not in the expected format` });
		const error = (await new FourSeeApi().preAuthentication
			.call(requestHelper(), credentials(key))
			.catch((e: unknown) => e)) as Record<string, unknown>;
		expect(error.message).toBe('The 4SEE auth server could not log in (HTTP 400)');
		expect(error.description).toMatch(/The server said: Key \[redacted\] is not in the expected format/);
		expectNoSecret(error, key);
	});

	test('the login error carries neither a response (n8n would log in again) nor a code (n8n\'s test would show it instead of the message)', async () => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(401, {});
		const error = (await new FourSeeApi().preAuthentication
			.call(requestHelper(), credentials(key))
			.catch((e: unknown) => e)) as Record<string, unknown>;
		expect(error.message).toBe('The 4SEE auth server rejected the API key');
		expect(error.response).toBeUndefined();
		expect(error.code).toBeUndefined();
		expect(error.httpCode).toBe('FOURSEE_AUTH_KEY_REJECTED');
	});

	test('a wrong key in a plain httpRequestWithAuthentication (as the HTTP Request node) says the same', async () => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(401, {});
		const context = fakeN8n(credentials(key)).executeContext();
		const error = (await context.helpers
			.httpRequestWithAuthentication.call(context, 'fourSeeApi', { url: `${API}/api/v1/fleets`, json: true })
			.catch((e: unknown) => e)) as Error;
		expect(error.message).toBe('The 4SEE auth server rejected the API key');
		expectNoSecret(error, key);
	});

	test('the auth endpoint\'s 429 is waited out (Retry-After) and the login then succeeds', async () => {
		const key = uniqueKey();
		let calls = 0;
		nock(AUTH)
			.post(TOKEN_PATH)
			.times(2)
			.reply(() => (++calls === 1 ? [429, {}, { 'Retry-After': '1' }] : [200, { token: 'after-wait' }]));
		nock(API).get('/api/v1/fleets').matchHeader('authorization', 'Bearer after-wait').reply(200, { data: [] });
		const n8n = fakeN8n(credentials(key));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(calls).toBe(2);
	});

	test('an auth 429 asking for longer than the login may wait fails at once with what to do', async () => {
		const key = uniqueKey();
		let calls = 0;
		nock(AUTH)
			.post(TOKEN_PATH)
			.times(3)
			.reply(() => {
				calls++;
				return [429, {}, { 'Retry-After': '600' }];
			});
		const n8n = fakeN8n(credentials(key));
		const error = (await apiRequest
			.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' })
			.catch((e: unknown) => e)) as NodeApiError;
		expect(calls).toBe(1);
		expect(error.message).toMatch(/Too many logins/);
		expect(error.description).toMatch(/600 s/);
		expect(error.httpCode).toBe('429');
	});

	test('an unreachable auth host names the Auth URL, at once', async () => {
		const key = uniqueKey();
		const closed = await closedLoopbackUrl();
		nock.enableNetConnect('127.0.0.1');
		const helper = requestHelper();
		const error = (await new FourSeeApi().preAuthentication
			.call(helper, credentials(key, { authUrl: closed }))
			.catch((e: unknown) => e)) as Error & { description?: string };
		expect(error.message).toBe(`Could not reach the 4SEE auth server at ${closed}`);
		expect(error.description).toMatch(/ECONNREFUSED/);
		expectNoSecret(error, key);
	});
});

describe('URL rules', () => {
	test('http:// to a remote host is refused before anything is sent', async () => {
		const key = uniqueKey();
		const helper = requestHelper();
		const credential = new FourSeeApi();
		await expect(
			credential.preAuthentication.call(helper, credentials(key, { authUrl: 'http://auth.example.com' })),
		).rejects.toThrow(/Auth URL .* plain http:\/\//);
		await expect(
			credential.preAuthentication.call(helper, credentials(key, { baseUrl: 'http://api.example.com' })),
		).rejects.toThrow(/Integration API URL .* plain http:\/\//);
		// The transport refuses it too, with a NodeOperationError, even with a stored token.
		const n8n = fakeN8n(credentials(key, { baseUrl: 'http://api.example.com', sessionToken: 'stored' }));
		await expect(
			apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' }),
		).rejects.toThrow(NodeOperationError);
	});

	test('trailing slashes on both URLs are tolerated', async () => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(200, { token: 't' });
		const api = nock(API).get('/api/v1/fleets').reply(200, { data: [] });
		const n8n = fakeN8n(credentials(key, { authUrl: `${AUTH}//`, baseUrl: `${API}/` }));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(api.isDone()).toBe(true);
	});

	test('plain http:// to a loopback host is accepted', async () => {
		const key = uniqueKey();
		nock('http://127.0.0.1:9').post(TOKEN_PATH).reply(200, { token: 'loop' });
		const helper = requestHelper();
		const result = await new FourSeeApi().preAuthentication.call(
			helper,
			credentials(key, { authUrl: 'http://127.0.0.1:9', baseUrl: 'http://localhost:9/' }),
		);
		expect(result).toEqual(session(key, 'loop', 'http://127.0.0.1:9', 'http://localhost:9'));
	});
});

describe('the credential Test button', () => {
	test('proves the key and the Integration API URL', async () => {
		const key = uniqueKey();
		// A token is stored, yet testing logs in again: that is what proves the key.
		const auth = authServer(key);
		const api = nock(API)
			.get('/api/v1/fleets')
			.query({ take: 1 })
			.matchHeader('authorization', 'Bearer token-1')
			.reply(200, { data: [{ id: 'F1' }] });
		const n8n = fakeN8n(credentials(key, { sessionToken: 'stored-earlier' }));
		await expect(n8n.testCredential()).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(auth.calls).toBe(1);
		expect(api.isDone()).toBe(true);
	});

	test('fails with a wrong key, saying so', async () => {
		const key = uniqueKey();
		nock(AUTH).post(TOKEN_PATH).reply(401, {});
		const n8n = fakeN8n(credentials(key));
		const result = await n8n.testCredential();
		expect(result).toEqual({ status: 'Error', message: 'The 4SEE auth server rejected the API key' });
	});

	test('tolerates a trailing slash on the Integration API URL', async () => {
		const key = uniqueKey();
		authServer(key);
		const api = nock(API).get('/api/v1/fleets').query({ take: 1 }).reply(200, { data: [] });
		const result = await fakeN8n(credentials(key, { baseUrl: `${API}/` })).testCredential();
		expect(result.status).toBe('OK');
		expect(api.isDone()).toBe(true);
	});

	test('refuses plain http:// to a remote host with a clear message, sending nothing', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const result = await fakeN8n(credentials(key, { baseUrl: 'http://api.example.com' })).testCredential();
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The Integration API URL in the 4SEE API credential uses plain http:\/\//);
		expect(auth.calls).toBe(0);
	});

	test('fails when the Integration API URL does not serve the 4SEE API', async () => {
		const key = uniqueKey();
		authServer(key);
		nock(API).get('/api/v1/fleets').query(true).reply(404, 'Not Found');
		const result = await fakeN8n(credentials(key)).testCredential();
		expect(result.status).toBe('Error');
	});
});

describe('as a predefined credential in the HTTP Request node', () => {
	test('works through requestWithAuthentication (legacy helper) with no 4SEE node involved', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const api = nock(API)
			.get('/api/v1/deliversafe')
			.matchHeader('authorization', 'Bearer token-1')
			.reply(200, { data: [{ id: 'D1' }] });
		const context = fakeN8n(credentials(key)).executeContext();
		const body = await context.helpers.requestWithAuthentication.call(context, 'fourSeeApi', {
			method: 'GET',
			uri: `${API}/api/v1/deliversafe`,
			json: true,
		});
		expect(body).toEqual({ data: [{ id: 'D1' }] });
		expect(auth.calls).toBe(1);
		expect(api.isDone()).toBe(true);
	});

	test('works through httpRequestWithAuthentication and refreshes after a 401', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		nock(API).get('/api/v1/fleets/F1').matchHeader('authorization', 'Bearer stale').reply(401, {});
		nock(API).get('/api/v1/fleets/F1').matchHeader('authorization', 'Bearer token-1').reply(200, { id: 'F1' });
		const n8n = fakeN8n(credentials(key, { sessionToken: 'stale' }));
		const context = n8n.executeContext();
		const body = await context.helpers.httpRequestWithAuthentication.call(context, 'fourSeeApi', {
			url: `${API}/api/v1/fleets/F1`,
			json: true,
		});
		expect(body).toEqual({ id: 'F1' });
		expect(auth.calls).toBe(1);
		expect(n8n.store.data.sessionToken).toBe('token-1');
	});
});

/** Neither the key nor anything derived from it may appear anywhere in an error. */
function expectNoSecret(error: unknown, secret: string): void {
	const seen = new Set<unknown>();
	const texts: string[] = [];
	const walk = (value: unknown, depth: number) => {
		if (depth > 6 || value === null || value === undefined || seen.has(value)) return;
		if (typeof value === 'string') {
			texts.push(value);
			return;
		}
		if (typeof value !== 'object') return;
		seen.add(value);
		for (const key of Object.getOwnPropertyNames(value)) {
			walk((value as Record<string, unknown>)[key], depth + 1);
		}
	};
	walk(error, 0);
	texts.push(JSON.stringify(error) ?? '');
	for (const text of texts) expect(text).not.toContain(secret);
}

/** A loopback URL where nothing listens (connection refused). */
async function closedLoopbackUrl(): Promise<string> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return `http://127.0.0.1:${port}`;
}
