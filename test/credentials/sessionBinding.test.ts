/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A session token stays with what it was obtained for (issue 11, item 7): the Auth URL, the
 * Integration API URL and the key the credential held at the login. After a user edits either
 * URL (or the key), the stored token is not sent to the new address: the transport has n8n log
 * in afresh before the first request, n8n's HTTP Request node gets a 401 without the token and
 * n8n logs in afresh, and the per-process token cache never hands a token across URLs.
 */
import nock from 'nock';
import type { ICredentialDataDecryptedObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { apiRequest } from '../../nodes/FourSee/transport';
import { sessionBinding } from '../../nodes/FourSee/transport/session';
import { fakeN8n, withStoredSession } from '../helpers/context';
import { offlineNock } from '../helpers/offlineNock';

const AUTH = 'https://auth.example.com';
const API = 'https://api.example.com';
const API2 = 'https://api-two.example.com';
const TOKEN_PATH = '/api/v1/customers/authenticate';

offlineNock();

let counter = 0;
function uniqueKey(): string {
	counter++;
	return `binding-key-${counter}-${Math.random().toString(36).slice(2)}`;
}

/** The auth endpoint, handing out fresh-1, fresh-2, ... and counting logins. */
function authServer(apiKey: string, times = 5) {
	const state = { calls: 0 };
	nock(AUTH)
		.post(TOKEN_PATH)
		.matchHeader('x-api-key', apiKey)
		.times(times)
		.reply(() => {
			state.calls++;
			return [200, { token: `fresh-${state.calls}`, expiresIn: 1800 }];
		});
	return state;
}

/** A host that records the Authorization header of every request and answers 401 without a valid one. */
function recordingHost(origin: string, accepted: string[]) {
	const seen: Array<string | undefined> = [];
	nock(origin)
		.get(/.*/)
		.times(10)
		.reply(function () {
			const header = this.req.headers.authorization as string | undefined;
			seen.push(header);
			return accepted.some((token) => header === `Bearer ${token}`) ? [200, { data: [{ id: 'F1' }] }] : [401, { title: 'Unauthorized' }];
		});
	return seen;
}

/** A credential as n8n stores it after a login at AUTH/API with `key`, then edited with `edit`. */
function storedThenEdited(key: string, edit: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
	return { ...withStoredSession({ apiKey: key, authUrl: AUTH, baseUrl: API, sessionToken: 'old-token' }), ...edit };
}

describe('the stored token after the credential was edited', () => {
	test('Integration API URL edited: one fresh login, the new host never sees the old token, the new token is stored with its URLs', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API2, ['fresh-1']);
		const n8n = fakeN8n(storedThenEdited(key, { baseUrl: API2 }));
		const body = await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(body).toEqual({ data: [{ id: 'F1' }] });
		expect(seen).toEqual(['Bearer fresh-1']);
		expect(auth.calls).toBe(1);
		expect(n8n.store.data.sessionToken).toBe('fresh-1');
		expect(n8n.store.data.sessionFor).toBe(sessionBinding(AUTH, API2, key));
	});

	test('Auth URL edited: the fresh login goes to the new Auth URL, the old token is not sent', async () => {
		const key = uniqueKey();
		const AUTH2 = 'https://auth-two.example.com';
		const login = nock(AUTH2).post(TOKEN_PATH).matchHeader('x-api-key', key).reply(200, { token: 'from-auth-two' });
		const seen = recordingHost(API, ['from-auth-two']);
		const n8n = fakeN8n(storedThenEdited(key, { authUrl: AUTH2 }));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(login.isDone()).toBe(true);
		expect(seen).toEqual(['Bearer from-auth-two']);
	});

	test('API key edited: the old key\'s token is not used with the new key', async () => {
		const key = uniqueKey();
		const newKey = uniqueKey();
		const auth = authServer(newKey);
		const seen = recordingHost(API, ['fresh-1']);
		const n8n = fakeN8n(storedThenEdited(key, { apiKey: newKey }));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(auth.calls).toBe(1);
		expect(seen).toEqual(['Bearer fresh-1']);
	});

	test('nothing edited: the stored token is used, no login', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API, ['old-token']);
		const n8n = fakeN8n(storedThenEdited(key, {}));
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(auth.calls).toBe(0);
		expect(seen).toEqual(['Bearer old-token']);
	});

	test('a token stored without saying what for (an older version) is not sent: one fresh login', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API, ['fresh-1', 'unbound-token']);
		const n8n = fakeN8n({ apiKey: key, authUrl: AUTH, baseUrl: API, sessionToken: 'unbound-token' });
		await apiRequest.call(n8n.executeContext(), { method: 'GET', path: '/api/v1/fleets' });
		expect(auth.calls).toBe(1);
		expect(seen).toEqual(['Bearer fresh-1']);
	});

	test("a poll's credential read once at its start (issue 18) is bound the same way, and carries the fresh token on", async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API2, ['fresh-1']);
		const n8n = fakeN8n(storedThenEdited(key, { baseUrl: API2 }));
		const cached = { id: 'cred-1', name: '4SEE account', type: 'fourSeeApi', data: { ...n8n.store.data } };
		const ctx = n8n.executeContext();
		await apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', credentials: cached });
		await apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', credentials: cached });
		expect(seen).toEqual(['Bearer fresh-1', 'Bearer fresh-1']);
		expect(auth.calls).toBe(1);
		expect(cached.data.sessionToken).toBe('fresh-1');
	});

	test("n8n's HTTP Request node (httpRequestWithAuthentication): the new host gets no token, then the fresh one", async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API2, ['fresh-1']);
		const n8n = fakeN8n(storedThenEdited(key, { baseUrl: API2 }));
		const ctx = n8n.executeContext();
		const body = await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'fourSeeApi', { url: `${API2}/api/v1/fleets`, json: true });
		expect(body).toEqual({ data: [{ id: 'F1' }] });
		expect(seen).toEqual([undefined, 'Bearer fresh-1']);
		expect(auth.calls).toBe(1);
	});

	test("n8n's HTTP Request node (legacy requestWithAuthentication, uri): the same", async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const seen = recordingHost(API2, ['fresh-1']);
		const ctx = fakeN8n(storedThenEdited(key, { baseUrl: API2 })).executeContext();
		const body = await ctx.helpers.requestWithAuthentication.call(ctx, 'fourSeeApi', { method: 'GET', uri: `${API2}/api/v1/fleets`, json: true });
		expect(body).toEqual({ data: [{ id: 'F1' }] });
		expect(seen).toEqual([undefined, 'Bearer fresh-1']);
		expect(auth.calls).toBe(1);
	});
});

describe('authenticate sends the token only where it was obtained for', () => {
	const authenticate = new FourSeeApi().authenticate as unknown as (
		credentials: ICredentialDataDecryptedObject,
		options: IHttpRequestOptions,
	) => Promise<IHttpRequestOptions>;
	const bound = withStoredSession({ apiKey: 'the-key-123456', authUrl: AUTH, baseUrl: `${API}/v1`, sessionToken: 'the-token' });
	const header = async (url: string, credentials = bound, extra: Partial<IHttpRequestOptions> = {}) =>
		(await authenticate(credentials, { url, ...extra } as IHttpRequestOptions)).headers?.Authorization;

	test.each([
		[`${API}/v1/api/fleets`, 'Bearer the-token'],
		[`${API}/v1`, 'Bearer the-token'],
		[`${AUTH}/api/v1/customers/rotate`, 'Bearer the-token'],
		[`${API}/v10/fleets`, undefined],
		[`${API}/other`, undefined],
		[`${API2}/v1/api/fleets`, undefined],
		['https://api.example.com.evil.test/v1/x', undefined],
		['http://api.example.com/v1/x', undefined],
		['https://api.example.com:8443/v1/x', undefined],
		['not a url', undefined],
	])('%s -> %s', async (url, expected) => {
		expect(await header(url)).toBe(expected);
	});

	test("a relative url under n8n's credential-test baseURL is judged by where it goes", async () => {
		expect(await header('/api/fleets', bound, { baseURL: `${API}/v1` })).toBe('Bearer the-token');
		expect(await header('/api/fleets', bound, { baseURL: API2 })).toBeUndefined();
		expect(await header('/api/fleets')).toBeUndefined();
	});

	test("an Authorization header the caller set is removed, not passed on, when the token may not go", async () => {
		const signed = await authenticate({ ...bound, baseUrl: API2 }, {
			url: `${API2}/x`,
			headers: { authorization: 'Bearer smuggled', Accept: 'application/json' },
		});
		expect(signed.headers).toEqual({ Accept: 'application/json' });
	});

	test('the credential edited since the login: not even to the old address', async () => {
		expect(await header(`${API}/v1/api/fleets`, { ...bound, baseUrl: API2 })).toBeUndefined();
		expect(await header(`${API}/v1/api/fleets`, { ...bound, authUrl: 'https://auth-two.example.com' })).toBeUndefined();
		expect(await header(`${API}/v1/api/fleets`, { ...bound, apiKey: 'another-key-123' })).toBeUndefined();
	});

	test('a token without its binding, or a tampered binding, goes nowhere', async () => {
		expect(await header(`${API}/v1/api/fleets`, { ...bound, sessionFor: '' })).toBeUndefined();
		expect(await header(`${API}/v1/api/fleets`, { ...bound, sessionFor: '{' })).toBeUndefined();
		expect(
			await header(`${API2}/x`, { ...bound, sessionFor: JSON.stringify({ authUrl: AUTH, baseUrl: API2, key: 'x' }) }),
		).toBeUndefined();
	});
});

describe("the process's token cache is per Integration API URL too", () => {
	test('two credentials with the same key and Auth URL but different Integration API URLs do not share a token', async () => {
		const key = uniqueKey();
		const auth = authServer(key);
		const helper: IHttpRequestHelper = { helpers: { httpRequest: fakeN8n({ apiKey: 'x' }).executeContext().helpers.httpRequest } };
		const credential = new FourSeeApi();
		const first = await credential.preAuthentication.call(helper, { apiKey: key, authUrl: AUTH, baseUrl: API, sessionToken: '' });
		// Moments later (the same "wave"), a credential naming another Integration API has its stale
		// token refused: it must not be handed the token obtained while another address was named.
		const second = await credential.preAuthentication.call(
			helper,
			withStoredSession({ apiKey: key, authUrl: AUTH, baseUrl: API2, sessionToken: 'refused' }),
		);
		expect(first).toEqual({ sessionToken: 'fresh-1', sessionFor: sessionBinding(AUTH, API, key) });
		expect(second).toEqual({ sessionToken: 'fresh-2', sessionFor: sessionBinding(AUTH, API2, key) });
		expect(auth.calls).toBe(2);
	});
});
