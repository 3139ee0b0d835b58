/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { createHmac } from 'node:crypto';
import { DEMO_API_KEY, OTHER_CUSTOMER_API_KEY } from '../../sandbox';
import { advanceClock, configure, expireTokens, reset, stats } from '../../sandbox/client';
import { authenticate, expectProblem, request, useSandbox, sandboxFactory } from './helpers';

const AUTH = '/api/v1/customers/authenticate';
const ROTATE = '/api/v1/customers/rotate';

function decode(part: string) {
	return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

describe('sandbox auth', () => {
	const startSandbox = sandboxFactory();

	const ctx = useSandbox();
	afterEach(() => reset(ctx.url));

	it('uses the demo key by default and exposes the other customer key', () => {
		expect(ctx.sandbox.apiKey).toBe(DEMO_API_KEY);
		expect(ctx.sandbox.otherCustomerApiKey).toBe(OTHER_CUSTOMER_API_KEY);
	});

	it('issues an HS256 JWT with sub and exp, and expiresIn', async () => {
		const reply = await request(ctx.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': DEMO_API_KEY } });
		expect(reply.status).toBe(200);
		expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
		expect(reply.body.expiresIn).toBe(1800);
		const [header, claims] = (reply.body.token as string).split('.').map((p, i) => (i < 2 ? decode(p) : p));
		expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
		expect(claims.sub).toBe('cust-0001');
		expect(claims.exp - claims.iat).toBe(1800);
		expect(Math.abs(claims.exp * 1000 - (Date.now() + 1800_000))).toBeLessThan(5000);
	});

	it('refuses a missing or wrong API key with 401', async () => {
		expectProblem(await request(ctx.url, AUTH, { method: 'POST' }), 401);
		const wrong = await request(ctx.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': 'nope' } });
		expectProblem(wrong, 401);
		expect(wrong.body.detail).toMatch(/API key/);
	});

	it('refuses missing, malformed, foreign-signed and expired tokens with 401', async () => {
		const missing = await request(ctx.url, '/api/v1/fleets');
		expectProblem(missing, 401);
		expect(missing.body.detail).toMatch(/Bearer/);
		expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);

		expectProblem(await ctx.get('/api/v1/fleets', 'not-a-jwt'), 401);
		expectProblem(await request(ctx.url, '/api/v1/fleets', { headers: { Authorization: 'Basic abc' } }), 401);

		const [h, p] = ctx.token.split('.');
		const foreign = `${h}.${p}.${createHmac('sha256', 'another-secret').update(`${h}.${p}`).digest('base64url')}`;
		const forged = await ctx.get('/api/v1/fleets', foreign);
		expectProblem(forged, 401);
		expect(forged.body.detail).toMatch(/signature/);

		const token = await authenticate(ctx.url, DEMO_API_KEY);
		expect((await ctx.get('/api/v1/fleets', token)).status).toBe(200);
		await advanceClock(ctx.url, 1799);
		expect((await ctx.get('/api/v1/fleets', token)).status).toBe(200);
		await advanceClock(ctx.url, 1);
		const expired = await ctx.get('/api/v1/fleets', token);
		expectProblem(expired, 401);
		expect(expired.body.detail).toMatch(/expired/);
	});

	it('token lifetime is configurable', async () => {
		await configure(ctx.url, { tokenTtlSeconds: 60 });
		const reply = await request(ctx.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': DEMO_API_KEY } });
		expect(reply.body.expiresIn).toBe(60);
		await advanceClock(ctx.url, 60);
		expect((await ctx.get('/api/v1/fleets', reply.body.token)).status).toBe(401);
		const sandbox = await startSandbox({ tokenTtlSeconds: 5 });
		const short = await request(sandbox.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': sandbox.apiKey } });
		expect(short.body.expiresIn).toBe(5);
		await sandbox.close();
	});

	it('POST /__sandbox/tokens/expire makes every issued token 401 at once', async () => {
		const a = await authenticate(ctx.url, DEMO_API_KEY);
		const b = await authenticate(ctx.url, OTHER_CUSTOMER_API_KEY);
		await expireTokens(ctx.url);
		expectProblem(await ctx.get('/api/v1/fleets', a), 401);
		expectProblem(await ctx.get('/api/v1/fleets', b), 401);
		const fresh = await authenticate(ctx.url, DEMO_API_KEY);
		expect((await ctx.get('/api/v1/fleets', fresh)).status).toBe(200);
	});

	it('rotate returns a new apiKey; the old key stops working at once', async () => {
		const token = await authenticate(ctx.url, DEMO_API_KEY);
		expectProblem(await request(ctx.url, ROTATE, { method: 'PUT' }), 401);
		const rotated = await request(ctx.url, ROTATE, { method: 'PUT', token });
		expect(rotated.status).toBe(200);
		const newKey = rotated.body.apiKey as string;
		expect(newKey).toMatch(/^4see-/);
		expect(newKey).not.toBe(DEMO_API_KEY);
		expect(ctx.sandbox.apiKey).toBe(newKey);
		expectProblem(await request(ctx.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': DEMO_API_KEY } }), 401);
		const fresh = await authenticate(ctx.url, newKey);
		expect((await ctx.get('/api/v1/fleets', fresh)).status).toBe(200);
		// Rotating one customer leaves the other alone.
		await authenticate(ctx.url, OTHER_CUSTOMER_API_KEY);
		await reset(ctx.url);
		expect(ctx.sandbox.apiKey).toBe(DEMO_API_KEY);
	});

	it('rotate and authenticate accept only their methods', async () => {
		const reply = await request(ctx.url, ROTATE, { method: 'POST', token: ctx.token });
		expectProblem(reply, 405);
		expect(reply.headers.get('allow')).toBe('PUT');
		expectProblem(await request(ctx.url, AUTH, { method: 'GET' }), 405);
	});

	it("another customer's data is 403, an unknown id 404", async () => {
		const forbidden = [
			'/api/v1/fleets/fleet-901',
			'/api/v1/trailers/fleet-901',
		];
		const mine = await authenticate(ctx.url, DEMO_API_KEY);
		const other = await authenticate(ctx.url, OTHER_CUSTOMER_API_KEY);
		const otherFleets = await ctx.get('/api/v1/fleets', other);
		expect(otherFleets.body.data.map((f: { id: string }) => f.id)).toEqual(['fleet-901', 'fleet-902']);
		const otherTrailer = (await ctx.get('/api/v1/trailers/fleet-901', other)).body.data[0].id as string;
		const otherDevice = (await ctx.get(`/api/v1/devices/${otherTrailer}`, other)).body.data[0].id as string;
		const otherUnit = (await ctx.get('/api/v1/deliversafe', other)).body.data[0].id as string;
		forbidden.push(
			`/api/v1/trailers/${otherTrailer}`,
			`/api/v1/trailers/telemetry/gps/${otherTrailer}`,
			`/api/v1/devices/${otherTrailer}`,
			`/api/v1/devices/details/${otherDevice}`,
			`/api/v1/devices/telemetry/${otherDevice}`,
			`/api/v1/deliversafe/${otherUnit}`,
			`/api/v1/deliversafe/telemetry/${otherUnit}`,
		);
		for (const path of forbidden) {
			const reply = await ctx.get(path, mine);
			expectProblem(reply, 403);
			expect(reply.body.detail).toMatch(/another customer/);
			// ...and the owner can read it.
			expect((await ctx.get(path, other)).status).toBe(200);
		}
		for (const path of [
			'/api/v1/fleets/fleet-777',
			'/api/v1/trailers/fleet-777',
			'/api/v1/trailers/trl-99999',
			'/api/v1/trailers/whatever',
			'/api/v1/trailers/telemetry/gps/trl-99999',
			'/api/v1/devices/trl-99999',
			'/api/v1/devices/details/dev-999999',
			'/api/v1/devices/telemetry/dev-999999',
			'/api/v1/deliversafe/ds-9999',
			'/api/v1/deliversafe/telemetry/ds-9999',
			'/api/v1/unknown',
		]) {
			expectProblem(await ctx.get(path, mine), 404);
		}
	});

	it('counts authenticate and rotate calls in stats', async () => {
		await authenticate(ctx.url, DEMO_API_KEY);
		await request(ctx.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': 'bad' } });
		const token = await authenticate(ctx.url, DEMO_API_KEY);
		await request(ctx.url, ROTATE, { method: 'PUT', token });
		const s = await stats(ctx.url);
		expect(s.authCalls).toBe(3);
		expect(s.rotateCalls).toBe(1);
		expect(s.requests.byRoute['POST /api/v1/customers/authenticate']).toBe(3);
		expect(s.requests.byRoute['PUT /api/v1/customers/rotate']).toBe(1);
	});
});
