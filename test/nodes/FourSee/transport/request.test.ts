/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * apiRequest through n8n-core's real helpers: waiting out rate limits, retrying what is safe to
 * retry, and errors a user can act on that never carry the key or the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import nock from 'nock';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	apiRequest,
	backoffDelayMs,
	classifyThrown,
	DEFAULT_RETRY,
	nextWait,
	parseRetryAfter,
	retryAfterDelayMs,
	type RetryPolicy,
} from '../../../../nodes/FourSee/transport';
import { fakeN8n, withStoredSession } from '../../../helpers/context';
import { offlineNock } from '../../../helpers/offlineNock';

const AUTH = 'https://auth.example.com';
const API = 'https://api.example.com';
const TOKEN = 'stored-token-123';
const KEY = 'secret-key-456';
const FAST: RetryPolicy = { maxAttempts: 5, maxWaitMs: 5_000, baseDelayMs: 1 };

function context(baseUrl = API, apiKey = KEY) {
	return fakeN8n(withStoredSession({ apiKey, authUrl: AUTH, baseUrl, sessionToken: TOKEN })).executeContext();
}

/** Replies in order, counting requests. */
function api(path: string, replies: Array<[number, unknown?, Record<string, string>?]>, method = 'get') {
	const state = { calls: 0 };
	const scope = nock(API) as unknown as Record<string, (p: string) => nock.Interceptor>;
	scope[method](path)
		.times(replies.length + 5)
		.reply(() => {
			const reply = replies[Math.min(state.calls, replies.length - 1)];
			state.calls++;
			return [reply[0], reply[1] ?? {}, reply[2] ?? {}] as [number, nock.Body, Record<string, string>];
		});
	return state;
}

async function failure(promise: Promise<unknown>): Promise<NodeApiError> {
	const error = await promise.then(
		() => {
			throw new Error('expected a failure');
		},
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(NodeApiError);
	const text = JSON.stringify(error) + String((error as Error).message) + String((error as NodeApiError).description);
	expect(text).not.toContain(TOKEN);
	expect(text).not.toContain(KEY);
	return error as NodeApiError;
}

offlineNock();
afterEach(() => jest.restoreAllMocks());

describe('429 Too Many Requests', () => {
	test('honours Retry-After in seconds, then succeeds', async () => {
		const state = api('/api/v1/fleets', [[429, {}, { 'Retry-After': '0' }], [200, { data: [] }]]);
		await expect(apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: FAST })).resolves.toEqual({ data: [] });
		expect(state.calls).toBe(2);
	});

	test('honours Retry-After as an HTTP date', async () => {
		const past = new Date(Date.now() - 60_000).toUTCString();
		const state = api('/api/v1/fleets', [[429, {}, { 'Retry-After': past }], [200, { data: [1] }]]);
		await apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: FAST });
		expect(state.calls).toBe(2);
	});

	test('a Retry-After beyond the wait budget fails at once instead of retrying too early', async () => {
		const later = new Date(Date.now() + 3_600_000).toUTCString();
		const state = api('/api/v1/fleets', [[429, {}, { 'Retry-After': later }]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: { maxAttempts: 5, maxWaitMs: 5_000 } }),
		);
		expect(state.calls).toBe(1);
		expect(error.httpCode).toBe('429');
		expect(error.description).toMatch(/asked to wait 3\d{3} s, longer than the remaining wait allowed \(5 s\)/);
	});

	test('without Retry-After: backs off and retries, then succeeds', async () => {
		const state = api('/api/v1/fleets', [[429], [429], [200, { data: [] }]]);
		await apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: FAST });
		expect(state.calls).toBe(3);
	});

	test('attempts are bounded; then the error says the plan limit was hit and what to change', async () => {
		const state = api('/api/v1/fleets', [[429, {}, { 'Retry-After': '0' }]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: { maxAttempts: 3, maxWaitMs: 1_000 } }),
		);
		expect(state.calls).toBe(3);
		expect(error.message).toBe("4SEE rate limit reached: your plan's request limit was hit (tried 3 times over 0 ms)");
		expect(error.description).toMatch(/raise the retry settings/);
		expect(error.description).toMatch(/lower the page size/);
		expect(error.description).toMatch(/fewer workflows/);
	});

	test('the total wait is bounded: backoff steps are cut to what is left of the budget', async () => {
		// The highest possible draw: every backoff step would be its full ceiling (1 s, 2 s, ...).
		jest.spyOn(Math, 'random').mockReturnValue(0.999);
		const state = api('/api/v1/fleets', [[429]]);
		const error = await failure(
			apiRequest.call(context(), {
				method: 'GET',
				path: '/api/v1/fleets',
				retry: { maxAttempts: 10, maxWaitMs: 30, baseDelayMs: 1000 },
			}),
		);
		// One wait of the remaining 30 ms, one more attempt, then the budget is spent.
		expect(state.calls).toBe(2);
		expect(error.message).toMatch(/tried 2 times over 30 ms/);
	});

	test('a stopped execution does not wait out a long Retry-After', async () => {
		const state = api('/api/v1/fleets', [[429, {}, { 'Retry-After': '20' }], [200, { data: [] }]]);
		const controller = new AbortController();
		const ctx = fakeN8n(withStoredSession({ apiKey: KEY, authUrl: AUTH, baseUrl: API, sessionToken: TOKEN })).executeContext({
			signal: controller.signal,
		});
		const pending = apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', retry: { maxAttempts: 3, maxWaitMs: 60_000 } });
		// Stopped once the 429 is in and the wait has begun (not at a fixed time: on a loaded machine
		// the first request itself can take longer, and stopping it is another case).
		const stopper = setInterval(() => {
			if (state.calls < 1) return;
			clearInterval(stopper);
			setTimeout(() => controller.abort(), 100);
		}, 10);
		const error = await pending.catch((e: unknown) => e);
		clearInterval(stopper);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).constructor.name).toMatch(/Cancel/);
		expect(state.calls).toBe(1);
	});

	test('429 is retried for writes too: the server did not process the request', async () => {
		const state = api('/api/v1/customers/rotate', [[429, {}, { 'Retry-After': '0' }], [200, { apiKey: 'n' }]], 'put');
		await apiRequest.call(context(), { method: 'PUT', path: '/api/v1/customers/rotate', retry: FAST });
		expect(state.calls).toBe(2);
	});
});

describe('5xx, timeouts and dropped connections', () => {
	test('5xx is retried for GET', async () => {
		const state = api('/api/v1/trailers/T1', [[503], [500, { title: 'boom' }], [200, { id: 'T1' }]]);
		await expect(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/trailers/T1', retry: FAST }),
		).resolves.toEqual({ id: 'T1' });
		expect(state.calls).toBe(3);
	});

	test.each(['POST', 'PUT'] as const)('5xx is not retried for %s', async (method) => {
		const state = api('/api/v1/customers/rotate', [[500, { detail: 'database down' }]], method.toLowerCase());
		const error = await failure(
			apiRequest.call(context(), { method, path: '/api/v1/customers/rotate', retry: FAST }),
		);
		expect(state.calls).toBe(1);
		expect(error.message).toBe('4SEE had a problem answering (HTTP 500) (not retried: a write might have been applied)');
		expect(error.description).toMatch(/database down/);
	});

	test('a 200 whose JSON is cut off is retried for GET like a dropped connection', async () => {
		const state = api('/api/v1/trailers/T1', [[200, '{"id": "T1", "vi'], [200, { id: 'T1' }]]);
		await expect(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/trailers/T1', retry: FAST }),
		).resolves.toEqual({ id: 'T1' });
		expect(state.calls).toBe(2);
	});

	test('an answer that stays cut off ends in an error that says so, after the bounded retries', async () => {
		const state = api('/api/v1/fleets', [[200, '{"data": [{"id": "fl']]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: { ...FAST, maxAttempts: 3 } }),
		);
		expect(state.calls).toBe(3);
		expect(error.message).toMatch(/^4SEE sent an incomplete or unreadable answer \(tried 3 times/);
	});

	test('a cut-off answer to a PUT is not retried: the write may have been applied', async () => {
		const state = api('/api/v1/customers/rotate', [[200, '{"apiKey": "ne']], 'put');
		const error = await failure(
			apiRequest.call(context(), { method: 'PUT', path: '/api/v1/customers/rotate', retry: FAST }),
		);
		expect(state.calls).toBe(1);
		expect(error.message).toMatch(/incomplete or unreadable answer \(not retried/);
	});

	test('5xx retries are bounded and the error says so', async () => {
		const state = api('/api/v1/fleets', [[502]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: { ...FAST, maxAttempts: 4 } }),
		);
		expect(state.calls).toBe(4);
		expect(error.message).toMatch(/^4SEE had a problem answering \(HTTP 502\) \(tried 4 times/);
	});

	describe('against a real loopback server', () => {
		let server: Server;
		let baseUrl: string;
		let handler: (req: IncomingMessage, res: ServerResponse, n: number) => void;
		let calls = 0;
		beforeEach(async () => {
			calls = 0;
			nock.enableNetConnect('127.0.0.1');
			server = createServer((req, res) => handler(req, res, ++calls));
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		});
		afterEach(async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		});

		const ok = (res: ServerResponse) => {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ data: [{ id: 'F1' }] }));
		};

		test('a timeout is retried for GET', async () => {
			handler = (_req, res, n) => (n === 1 ? setTimeout(() => ok(res), 1_000) : ok(res));
			const body = await apiRequest.call(context(baseUrl), { method: 'GET', path: '/api/v1/fleets', retry: FAST, timeoutMs: 150 });
			expect(body).toEqual({ data: [{ id: 'F1' }] });
			expect(calls).toBe(2);
		});

		test('a timeout of a POST is not retried, and the error says how long it waited', async () => {
			handler = (_req, res) => setTimeout(() => ok(res), 1_000);
			const error = await failure(
				apiRequest.call(context(baseUrl), { method: 'POST', path: '/api/v1/x', retry: FAST, timeoutMs: 150 }),
			);
			expect(calls).toBe(1);
			expect(error.message).toBe('4SEE did not answer within 150 ms (not retried: a write might have been applied)');
		});

		test('a dropped connection is retried for GET', async () => {
			handler = (req, res, n) => (n === 1 ? req.socket.destroy() : ok(res));
			const body = await apiRequest.call(context(baseUrl), { method: 'GET', path: '/api/v1/fleets', retry: FAST });
			expect(body).toEqual({ data: [{ id: 'F1' }] });
			expect(calls).toBe(2);
		});

		test('a dropped connection of a PUT is not retried', async () => {
			handler = (req) => req.socket.destroy();
			const error = await failure(
				apiRequest.call(context(baseUrl), { method: 'PUT', path: '/api/v1/x', retry: FAST }),
			);
			expect(calls).toBe(1);
			expect(error.message).toMatch(/^Could not reach the 4SEE Integration API at 127\.0\.0\.1:\d+ \(not retried/);
		});
	});
});

describe('errors a user can act on', () => {
	test('problem+json 400: the detail in the message, the field errors in the description', async () => {
		nock(API)
			.get('/api/v1/fleets')
			.query(true)
			.reply(
				400,
				{
					type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
					title: 'One or more validation errors occurred.',
					status: 400,
					detail: 'The page size is out of range.',
					errors: { take: ['must be between 1 and 500'], next: ['is not a token we issued'] },
				},
				{ 'Content-Type': 'application/problem+json' },
			);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', qs: { take: 1 }, retry: FAST, itemIndex: 3 }),
		);
		expect(error.message).toBe('4SEE rejected the request as invalid: The page size is out of range.');
		expect(error.description).toBe(
			'Fields with problems: take: must be between 1 and 500; next: is not a token we issued',
		);
		expect(error.httpCode).toBe('400');
		expect(error.context.itemIndex).toBe(3);
	});

	test('401 that survives n8n\'s refresh: one new login, then a message about the URL', async () => {
		let logins = 0;
		nock(AUTH)
			.post('/api/v1/customers/authenticate')
			.times(3)
			.reply(() => [200, { token: `fresh-${++logins}` }]);
		const state = api('/api/v1/fleets', [[401, { title: 'Unauthorized' }]]);
		const error = await failure(apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets', retry: FAST }));
		expect(error.message).toBe('4SEE did not accept the session token, even after logging in again');
		expect(error.description).toMatch(/Integration API URL/);
		expect(logins).toBe(1);
		expect(state.calls).toBe(3);
		expect(JSON.stringify(error)).not.toContain('fresh-1');
	});

	test('an expired token costs one login and the request still succeeds', async () => {
		let logins = 0;
		nock(AUTH)
			.post('/api/v1/customers/authenticate')
			.times(3)
			.reply(() => [200, { token: `fresh-${++logins}` }]);
		nock(API)
			.get('/api/v1/fleets')
			.times(5)
			.reply(function () {
				return this.req.headers.authorization === 'Bearer fresh-1' ? [200, { data: ['ok'] }] : [401, {}];
			});
		// A key of its own: a token cached for KEY by another test would (rightly) be reused.
		const fresh = context(API, 'another-key-789');
		await expect(apiRequest.call(fresh, { method: 'GET', path: '/api/v1/fleets' })).resolves.toEqual({ data: ['ok'] });
		expect(logins).toBe(1);
	});

	test('403 names what is not visible', async () => {
		api('/api/v1/fleets/F9', [[403, { detail: 'Fleet F9 belongs to another customer' }]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/fleets/F9', subject: { kind: 'fleet', id: 'F9' } }),
		);
		expect(error.message).toBe('This fleet (F9) is not visible to your API key');
		expect(error.description).toMatch(/Fleet F9 belongs to another customer/);
		expect(error.httpCode).toBe('403');
	});

	test('404 names what was not found', async () => {
		api('/api/v1/trailers/T9', [[404, { title: 'Not Found', status: 404 }]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/trailers/T9', subject: { kind: 'trailer', id: 'T9' } }),
		);
		expect(error.message).toBe('Trailer T9 not found');
		expect(error.httpCode).toBe('404');
		api('/api/v1/deliversafe/D9', [[404]]);
		const unnamed = await failure(apiRequest.call(context(), { method: 'GET', path: '/api/v1/deliversafe/D9' }));
		expect(unnamed.message).toBe('Not found: /api/v1/deliversafe/D9');
	});

	test('an id that looks like a system error code is not replaced by n8n\'s generic texts', async () => {
		api('/api/v1/trailers/EPERM-1', [[404]]);
		const error = await failure(
			apiRequest.call(context(), { method: 'GET', path: '/api/v1/trailers/EPERM-1', subject: { kind: 'trailer', id: 'EPERM-1' } }),
		);
		expect(error.message).toBe('Trailer EPERM-1 not found');
	});

	test('a broken Integration API URL is a NodeOperationError before any request', async () => {
		const error = await apiRequest
			.call(context('not a url'), { method: 'GET', path: '/api/v1/fleets' })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe(
			'The Integration API URL in the 4SEE API credential is not a valid URL (expected something like https://host.example.com)',
		);
	});
});

describe('retry arithmetic', () => {
	test('the default policy is bounded', () => {
		expect(DEFAULT_RETRY.maxAttempts).toBeGreaterThan(1);
		expect(DEFAULT_RETRY.maxWaitMs).toBeGreaterThan(0);
		expect(DEFAULT_RETRY.maxWaitMs).toBeLessThanOrEqual(300_000);
	});

	test('full jitter: a uniform draw below an exponentially growing, capped ceiling', () => {
		expect(backoffDelayMs(1, 1000, () => 0)).toBe(0);
		expect(backoffDelayMs(1, 1000, () => 0.5)).toBe(500);
		expect(backoffDelayMs(3, 1000, () => 0.5)).toBe(2000);
		expect(backoffDelayMs(20, 1000, () => 0.999)).toBeLessThan(30_000);
	});

	test('Retry-After is waited in full, plus a spread so that executions refused together do not return together', () => {
		expect(retryAfterDelayMs(1000, () => 0)).toBe(1000);
		expect(retryAfterDelayMs(1000, () => 0.5)).toBe(1500);
		expect(retryAfterDelayMs(0, () => 0.9)).toBe(0);
		// A long wait gets at most a second more.
		expect(retryAfterDelayMs(30_000, () => 0.999)).toBe(30_999);
		const draws = new Set(Array.from({ length: 20 }, () => retryAfterDelayMs(1000)));
		expect(draws.size).toBeGreaterThan(1);
	});

	test('the next wait: a backoff step or the server\'s own wait, within the attempts and the wait budget', () => {
		const policy = { maxAttempts: 3, maxWaitMs: 10_000, baseDelayMs: 1000 };
		expect(nextWait(policy, 1, 0, undefined, () => 0.5)).toEqual({ waitMs: 500 });
		expect(nextWait(policy, 1, 0, 4000, () => 0)).toEqual({ waitMs: 4000 });
		expect(nextWait(policy, 1, 0, 4000, () => 0.5)).toEqual({ waitMs: 4500 });
		expect(nextWait(policy, 3, 0, 1000)).toEqual({ stop: 'attempts' });
		// Retrying before the server's Retry-After only earns another 429: waited in full or not at all.
		expect(nextWait(policy, 2, 8000, 4000)).toEqual({ stop: 'asked' });
		// The spread is what gives way when the budget is short, never the server's own wait.
		expect(nextWait(policy, 2, 6000, 4000, () => 0.5)).toEqual({ waitMs: 4000 });
		// A backoff step is cut to what is left of the budget, and none is left at the end of it.
		expect(nextWait(policy, 2, 9500, undefined, () => 0.999)).toEqual({ waitMs: 500 });
		expect(nextWait(policy, 2, 10_000, undefined, () => 0.999)).toEqual({ stop: 'budget' });
	});

	test('Retry-After: seconds, HTTP dates, past dates, junk', () => {
		const now = Date.parse('2026-11-30T12:00:00Z');
		expect(parseRetryAfter('7', now)).toBe(7000);
		expect(parseRetryAfter(['2'], now)).toBe(2000);
		expect(parseRetryAfter('Mon, 30 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
	});
});

describe('reading what n8n left of a failure', () => {
	const node = { id: '1', name: '4SEE', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as never;

	test('an HTTP status kept by n8n as httpCode, with the JSON body', () => {
		const wrapped = new NodeApiError(node, { message: 'x', httpCode: '503' } as never, { httpCode: '503' });
		wrapped.context.data = { detail: 'maintenance' };
		expect(classifyThrown(wrapped)).toEqual({ kind: 'http', status: 503, headers: undefined, body: { detail: 'maintenance' } });
	});

	test('a raw axios-like error with a response', () => {
		expect(classifyThrown({ response: { status: 429, headers: { 'retry-after': '2' }, data: {} } })).toEqual({
			kind: 'http',
			status: 429,
			headers: { 'retry-after': '2' },
			body: {},
		});
	});

	test('network codes: transient ones are retryable, a wrong host is not', () => {
		expect(classifyThrown({ code: 'ECONNRESET', message: 'socket hang up' })).toMatchObject({ kind: 'network', transient: true });
		expect(classifyThrown({ code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' })).toMatchObject({ kind: 'network', timedOut: true });
		expect(classifyThrown({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' })).toMatchObject({ kind: 'network', transient: false });
	});

	test("the credential's login errors and cancellations are recognised", () => {
		expect(classifyThrown({ httpCode: 'FOURSEE_AUTH_KEY_REJECTED', message: 'rejected' })).toMatchObject({ kind: 'auth' });
		expect(classifyThrown({ httpCode: 'ERR_CANCELED', message: 'canceled' })).toEqual({ kind: 'aborted' });
	});

	test("n8n's own refusals pass through unchanged", () => {
		const refusal = new NodeOperationError(node, 'Node does not have any credentials set');
		expect(classifyThrown(refusal)).toMatchObject({ kind: 'unknown', original: refusal });
	});
});
