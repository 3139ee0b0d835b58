/**
 * The attack suite: the package against a hostile 4SEE (test/secrets/hostile.ts), as an
 * attacker or a broken server would answer. Server 0 plays the Auth URL, server 1 the
 * Integration API URL, server 2 a host the credential does not name: whatever happens, server 2
 * must never receive a request, and no key or token may come back in what users see (the
 * secrets canary scans every item, error and log line of this file as of any other).
 */
import type { IDataObject } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { describeRedirect } from '../../nodes/FourSee/transport/redirect';
import { findSecret, scanner } from '../helpers/canary';
import { fakeJwt, fakeN8n } from '../helpers/context';
import { PollHarness } from '../helpers/pollContext';
import { CredentialStore, itemsInto, loadOptionsContext, runWorkflow, type WorkflowRun } from '../helpers/workflow';
import { Hostile, json, type Received } from './hostile';

const AUTH = 0;
const API = 1;
const ELSEWHERE = 2;
const REDIRECTS = [301, 302, 303, 307, 308];

let hostile: Hostile;
let counter = 0;
/** Each test gets its own key and token: the credential caches tokens per key in the process. */
let KEY = '';
let TOKEN = '';

beforeAll(async () => {
	hostile = await Hostile.start(3);
});
afterAll(async () => {
	await hostile.close();
});
beforeEach(() => {
	counter++;
	KEY = `attack-key-${counter}-${Math.random().toString(36).slice(2, 12)}`;
	TOKEN = fakeJwt({ sub: `customer-${counter}`, exp: Math.floor(Date.now() / 1000) + 1800, n: Math.random() });
	scanner.addKey(KEY);
	scanner.addToken(TOKEN);
});

function origin(index: number): string {
	return hostile.origins[index];
}

function credentials(extra: IDataObject = {}): CredentialStore {
	return new CredentialStore({
		fourSeeApi: { apiKey: KEY, authUrl: origin(AUTH), baseUrl: origin(API), sessionToken: '', ...extra },
	});
}

async function runNode(parameters: IDataObject, store = credentials()): Promise<WorkflowRun> {
	return await runWorkflow(itemsInto({ type: 'fourSee', parameters }), {
		nodeTypes: { fourSee: new FourSee() },
		credentialTypes: [new FourSeeApi()],
		credentials: store,
	});
}

function nodeError(run: WorkflowRun): { message: string; description?: string | null } {
	const error = run.run.data.resultData.runData['4SEE']?.[0]?.error as { message: string; description?: string | null } | undefined;
	if (error === undefined) throw new Error('the node did not fail');
	return error;
}

/** A login answer with this test's token, for server 0. */
function login(request: Received, response: Parameters<Hostile['script']>[1]): boolean {
	if (request.server !== AUTH || !request.url.startsWith('/api/v1/customers/authenticate')) return false;
	json(response, 200, { token: TOKEN, expiresIn: 1800 });
	return true;
}

function redirectTo(response: Parameters<Hostile['script']>[1], status: number, location: string): void {
	response.writeHead(status, { location, 'content-type': 'application/json' }).end('{"moved":true}');
}

/** Server 2 answers like a perfect 4SEE, so following a redirect would "work". */
function elsewhereAnswers(request: Received, response: Parameters<Hostile['script']>[1]): boolean {
	if (request.server !== ELSEWHERE) return false;
	json(response, 200, { token: TOKEN, data: [{ id: 'stolen' }], apiKey: 'new-key' });
	return true;
}

describe('redirects are never followed', () => {
	test.each(REDIRECTS)('the login answered with %i to another host: the key goes nowhere else, the error names that host', async (status) => {
		hostile.reset((request, response) => {
			if (elsewhereAnswers(request, response)) return;
			if (request.server === AUTH) return redirectTo(response, status, `${origin(ELSEWHERE)}/api/v1/customers/authenticate`);
			json(response, 200, { data: [] });
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		expect(hostile.at(API)).toEqual([]);
		expect(hostile.at(AUTH)).toHaveLength(1);
		const error = nodeError(run);
		expect(error.message).toBe(
			`The Auth URL (${origin(AUTH).slice(7)}) answered with a redirect (HTTP ${status}) to ${origin(ELSEWHERE)}, which this node does not follow`,
		);
		expect(error.description).toContain(`enter it as the Auth URL`);
	});

	test.each(REDIRECTS)('an Integration API answer %i to another host: the token goes nowhere else, its body is not data', async (status) => {
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			redirectTo(response, status, `${origin(ELSEWHERE)}/api/v1/fleets`);
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		const error = nodeError(run);
		expect(error.message).toBe(
			`The Integration API URL (${origin(API).slice(7)}) answered with a redirect (HTTP ${status}) to ${origin(ELSEWHERE)}, which this node does not follow`,
		);
		expect(JSON.stringify(run.run.data.resultData.runData)).not.toContain('stolen');
	});

	test('a redirect on the same host is refused too, naming the path it pointed at', async () => {
		hostile.reset((request, response) => {
			if (login(request, response)) return;
			if (request.url.startsWith('/v2')) return json(response, 200, { data: [{ id: 'moved' }] });
			redirectTo(response, 308, '/v2/fleets');
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(hostile.received.filter((r) => r.url.startsWith('/v2'))).toEqual([]);
		expect(nodeError(run).message).toContain(`to ${origin(API)}/v2/fleets,`);
	});

	test('a redirect after the token was refused and renewed (the 401 path) is refused as well', async () => {
		let calls = 0;
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			calls++;
			if (calls === 1) return json(response, 401, { title: 'expired' });
			redirectTo(response, 307, `${origin(ELSEWHERE)}/api/v1/fleets`);
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' }, credentials({ sessionToken: 'expired-token' }));
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		expect(nodeError(run).message).toMatch(/answered with a redirect \(HTTP 307\)/);
	});

	test('key rotation answered with a redirect: neither token nor key leaves, nothing is rotated elsewhere', async () => {
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			redirectTo(response, 307, `${origin(ELSEWHERE)}/api/v1/customers/rotate`);
		});
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		expect(nodeError(run).message).toContain(`to ${origin(ELSEWHERE)}`);
	});

	test("the credential's Test button: a redirecting Integration API URL fails with what to do", async () => {
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			redirectTo(response, 302, `${origin(ELSEWHERE)}/api/v1/fleets?take=1`);
		});
		const n8n = fakeN8n({ apiKey: KEY, authUrl: origin(AUTH), baseUrl: origin(API) });
		const result = await n8n.testCredential();
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		expect(result.status).toBe('Error');
		// The credential's own text where n8n keeps the response on the error (its rules); the
		// in-process n8n-core 1.x drops it and n8n shows its status text instead.
		expect(result.message).toMatch(/^(The Integration API URL answered with a redirect \(HTTP 302\), which is not followed|Request failed with status code 302)/);
	});

	test('a list search (the fleet picker) refuses a redirect', async () => {
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			redirectTo(response, 301, `${origin(ELSEWHERE)}/api/v1/fleets`);
		});
		const context = loadOptionsContext(
			{ type: 'fourSee', parameters: { resource: 'fleet', operation: 'get' } },
			{ nodeTypes: { fourSee: new FourSee() }, credentialTypes: [new FourSeeApi()], credentials: credentials() },
			'fleet',
		);
		await expect(new FourSee().methods.listSearch.searchFleets.call(context)).rejects.toThrow(`to ${origin(ELSEWHERE)}`);
		expect(hostile.at(ELSEWHERE)).toEqual([]);
	});

	test('the trigger refuses a redirect and keeps its state', async () => {
		hostile.reset((request, response) => {
			if (login(request, response) || elsewhereAnswers(request, response)) return;
			redirectTo(response, 302, `${origin(ELSEWHERE)}/api/v1/trailers/telemetry/gps/T1`);
		});
		const harness = new PollHarness({
			url: origin(AUTH),
			apiKey: KEY,
			parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: 'T1', startFrom: 'all' },
		});
		harness.n8n.store.data.baseUrl = origin(API);
		const result = await harness.poll();
		expect(hostile.at(ELSEWHERE)).toEqual([]);
		expect(result.error?.message).toContain(`to ${origin(ELSEWHERE)}`);
	});

	test('a redirect from https to plain http is named as such', () => {
		const refused = describeRedirect(302, 'http://collector.example.net/x', 'https://api.example.com/api/v1/fleets', 'Integration API URL');
		expect(refused.message).toBe(
			'The Integration API URL (api.example.com) answered with a redirect (HTTP 302) to plain http at http://collector.example.net, which this node does not follow',
		);
		expect(refused.description).toContain('Plain http would expose the API key and token');
	});
});

/** Every form of this test's key and token a server could quote back, found anywhere in `value`. */
function leaks(value: unknown): string[] {
	const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
	const found: string[] = [];
	for (const [name, secret] of [
		['key', KEY],
		['token', TOKEN],
	] as const) {
		const form = findSecret(text, secret);
		if (form !== undefined) found.push(`${name} ${form.form}`);
	}
	return found;
}

/** Server errors are not retried here: what matters is what the answer becomes. */
const ONE_ATTEMPT = { retryAttempts: 1 };

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Error answers quoting the request back in every shape: the Authorization header, the token in any encoding. */
const ECHOES: Array<[string, number, (auth: string, token: string) => unknown]> = [
	['detail quotes the Authorization header', 400, (auth) => ({ title: 'Bad Request', status: 400, detail: `Rejected header: Authorization: ${auth}` })],
	['title quotes the token', 403, (_auth, token) => ({ title: `Token ${token} may not read this`, status: 403 })],
	['errors quote it upper-cased and URL-encoded, also as a field name', 409, (_auth, token) => ({
		title: 'Conflict',
		errors: { [token]: [token.toUpperCase()], next: [`?token=${encodeURIComponent(token)}`] },
	})],
	['detail carries the request base64-encoded', 500, (auth) => ({ detail: `request dump: ${b64(`GET /api/v1/fleets\r\nAuthorization: ${auth}\r\n`)}` })],
	['a plain-text body quoting the header', 422, (auth) => `Unprocessable: you sent Authorization=${auth}`],
	['a 1 MB detail ending in the token', 400, (_auth, token) => ({ title: 'Bad Request', detail: `${'x'.repeat(1_000_000)} ${token}` })],
];

function echoing(status: number, body: (auth: string, token: string) => unknown) {
	return (request: Received, response: Parameters<Hostile['script']>[1]) => {
		if (login(request, response)) return;
		const auth = String(request.headers.authorization ?? '');
		const content = body(auth, auth.replace(/^Bearer\s+/i, ''));
		if (typeof content === 'string') response.writeHead(status, { 'content-type': 'text/plain' }).end(content);
		else json(response, status, content);
	};
}

describe('secrets quoted back by the server never reach users', () => {
	test.each(ECHOES)('the action node: %s (HTTP %i): not in the error, bounded', async (_name, status, body) => {
		hostile.reset(echoing(status, body));
		const run = await runNode({ resource: 'fleet', operation: 'getMany', options: ONE_ATTEMPT });
		expect(hostile.at(API).length).toBeGreaterThan(0);
		expect(String(hostile.at(API)[0].headers.authorization)).toBe(`Bearer ${TOKEN}`);
		const error = nodeError(run);
		expect(leaks(error)).toEqual([]);
		expect(leaks(run.run.data.resultData)).toEqual([]);
		expect(error.message.length).toBeLessThanOrEqual(700);
		expect(String(error.description ?? '').length).toBeLessThanOrEqual(1300);
	});

	test.each(ECHOES)('continue-on-fail items: %s (HTTP %i)', async (_name, status, body) => {
		hostile.reset(echoing(status, body));
		const run = await runWorkflow(itemsInto({ type: 'fourSee', parameters: { resource: 'fleet', operation: 'getMany', options: ONE_ATTEMPT } }, [{}], { continueOnFail: true }), {
			nodeTypes: { fourSee: new FourSee() },
			credentialTypes: [new FourSeeApi()],
			credentials: credentials(),
		});
		const items = run.output('4SEE').map((item) => item.json);
		expect(items).toHaveLength(1);
		expect(typeof items[0].error).toBe('string');
		expect(leaks(items)).toEqual([]);
		expect(JSON.stringify(items).length).toBeLessThan(2500);
	});

	test.each(ECHOES)('the trigger: %s (HTTP %i): not in its error, static data or log, all bounded', async (_name, status, body) => {
		hostile.reset((request, response) => {
			if (login(request, response)) return;
			// T1 answers, T2 quotes the secrets back: the poll goes on and stores T2's failure.
			if (request.url.includes('/gps/T1')) return json(response, 200, { data: [] });
			echoing(status, body)(request, response);
		});
		const harness = new PollHarness({
			url: origin(AUTH),
			apiKey: KEY,
			parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: 'T1,T2', startFrom: 'all', options: ONE_ATTEMPT },
		});
		harness.n8n.store.data.baseUrl = origin(API);
		const first = await harness.poll();
		expect(hostile.received.some((r) => r.url.includes('/gps/T2'))).toBe(true);
		expect(harness.stored).toContain('"lastError"');
		expect(leaks(first.error ?? null)).toEqual([]);
		expect(leaks(harness.stored)).toEqual([]);
		expect(leaks(harness.logs)).toEqual([]);
		expect(harness.stored.length).toBeLessThan(5000);
		expect(harness.logs.join('\n').length).toBeLessThan(5000);
	});

	test.each(ECHOES.slice(0, 3))('a list search: %s (HTTP %i)', async (_name, status, body) => {
		hostile.reset(echoing(status, body));
		const context = loadOptionsContext(
			{ type: 'fourSee', parameters: { resource: 'fleet', operation: 'get' } },
			{ nodeTypes: { fourSee: new FourSee() }, credentialTypes: [new FourSeeApi()], credentials: credentials() },
			'fleet',
		);
		const error = await new FourSee().methods.listSearch.searchFleets.call(context).then(
			() => undefined,
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(Error);
		expect(leaks({ message: (error as Error).message, description: (error as { description?: unknown }).description })).toEqual([]);
	});

	test('data records quoting the token: removed from the items and from picker names', async () => {
		hostile.reset((request, response) => {
			if (login(request, response)) return;
			const auth = String(request.headers.authorization ?? '');
			json(response, 200, { data: [{ id: 'F1', name: `Fleet of ${auth}`, note: b64(auth), [TOKEN]: true }] });
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		const items = run.output('4SEE').map((item) => item.json);
		expect(items).toHaveLength(1);
		expect(items[0].id).toBe('F1');
		expect(leaks(items)).toEqual([]);
		const context = loadOptionsContext(
			{ type: 'fourSee', parameters: { resource: 'fleet', operation: 'get' } },
			{ nodeTypes: { fourSee: new FourSee() }, credentialTypes: [new FourSeeApi()], credentials: credentials() },
			'fleet',
		);
		const listed = await new FourSee().methods.listSearch.searchFleets.call(context);
		expect(listed.results.map((r) => r.value)).toEqual(['F1']);
		expect(leaks(listed)).toEqual([]);
	});

	test('data records spelling the token with JSON escapes: removed from the items', async () => {
		hostile.reset((request, response) => {
			if (login(request, response)) return;
			const token = String(request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
			// Every letter as a \u escape: the raw answer never shows the token, its JSON value does.
			const spelled = [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
			response.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":[{"id":"F1","name":"Fleet ${spelled}"}]}`);
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		const items = run.output('4SEE').map((item) => item.json);
		expect(items).toHaveLength(1);
		expect(items[0].name).toBe('Fleet [redacted]');
		expect(leaks(items)).toEqual([]);
	});

	test.each([
		['the X-API-KEY header', (key: string) => ({ title: 'Bad Request', detail: `headers: {"X-API-KEY":"${key}"}` })],
		['the key upper-cased', (key: string) => ({ title: `Unknown key ${key.toUpperCase()}` })],
		['the key URL-encoded', (key: string) => ({ detail: `login?key=${encodeURIComponent(key)}` })],
		['the key base64-encoded', (key: string) => ({ detail: `basic ${b64(`customer:${key}`)}` })],
	])('the login quoting %s back: not in the error', async (_name, body) => {
		hostile.reset((request, response) => {
			if (request.server === AUTH) return json(response, 400, body(String(request.headers['x-api-key'] ?? '')));
			json(response, 200, { data: [] });
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(String(hostile.at(AUTH)[0].headers['x-api-key'])).toBe(KEY);
		expect(hostile.at(API)).toEqual([]);
		const error = nodeError(run);
		expect(error.message).toBe('The 4SEE auth server could not log in (HTTP 400)');
		expect(leaks(run.run.data.resultData)).toEqual([]);
	});
});

describe('implausible login answers', () => {
	test.each([
		['an HTML page', '<!DOCTYPE html><html><body>Sign in to the portal</body></html>', 'text/html', /an HTML or XML page/],
		['a token with spaces', JSON.stringify({ token: 'not a token at all' }), 'application/json', /spaces/],
		['a 100 kB token', JSON.stringify({ token: 'a'.repeat(100_000) }), 'application/json', /100000 characters/],
	])('%s is a clear error about the Auth URL, and nothing goes to the Integration API', async (_name, body, type, why) => {
		hostile.reset((request, response) => {
			if (request.server === AUTH) response.writeHead(200, { 'content-type': type }).end(body);
			else json(response, 200, { data: [] });
		});
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(hostile.at(API)).toEqual([]);
		const error = nodeError(run);
		expect(error.message).toBe('The Auth URL did not answer the login with a session token');
		expect(error.description).toMatch(why);
		expect(error.description).toMatch(/Check the Auth URL in the 4SEE API credential/);
	});
});

describe('plain http only to loopback literals', () => {
	test.each(['http://evil.localhost', 'http://localhost.', 'http://127.0.0.1.nip.io'])('%s is refused before anything is sent', async (url) => {
		hostile.reset((_request, response) => json(response, 200, { token: TOKEN, data: [] }));
		const run = await runNode({ resource: 'fleet', operation: 'getMany' }, credentials({ baseUrl: url }));
		expect(hostile.received).toEqual([]);
		expect(nodeError(run).message).toMatch(/^The Integration API URL in the 4SEE API credential uses plain http:\/\//);
	});
});
