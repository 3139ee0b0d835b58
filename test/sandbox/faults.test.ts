import { clearFaults, injectFault, stats } from '../../sandbox/client';
import { authenticate, expectProblem, request, useSandbox } from './helpers';

describe('sandbox fault injection', () => {
	const ctx = useSandbox({ fleets: 1, trailersPerFleet: 12 });
	afterEach(() => clearFaults(ctx.url));

	it('500: the next N matching requests fail, others are untouched', async () => {
		await injectFault(ctx.url, { pathPrefix: '/api/v1/fleets', count: 2, kind: '500' });
		expect((await ctx.get('/api/v1/trailers/fleet-001')).status).toBe(200);
		expectProblem(await ctx.get('/api/v1/fleets'), 500);
		expectProblem(await ctx.get('/api/v1/fleets/fleet-001'), 500);
		expect((await ctx.get('/api/v1/fleets')).status).toBe(200);
	});

	it('429 with and without Retry-After', async () => {
		await injectFault(ctx.url, { pathPrefix: '/api/v1/trailers', kind: '429' });
		await injectFault(ctx.url, { pathPrefix: '/api/v1/trailers', kind: '429-no-retry-after' });
		const first = await ctx.get('/api/v1/trailers/fleet-001');
		expectProblem(first, 429);
		expect(first.headers.get('retry-after')).toBe('1');
		const second = await ctx.get('/api/v1/trailers/fleet-001');
		expectProblem(second, 429);
		expect(second.headers.get('retry-after')).toBeNull();
		expect((await ctx.get('/api/v1/trailers/fleet-001')).status).toBe(200);
	});

	it('delay, dropped connection and malformed JSON', async () => {
		await injectFault(ctx.url, { pathPrefix: '/api/v1/deliversafe', kind: 'delay', delayMs: 250 });
		const started = Date.now();
		expect((await ctx.get('/api/v1/deliversafe')).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(240);

		await injectFault(ctx.url, { pathPrefix: '/api/v1/deliversafe', kind: 'drop' });
		await expect(ctx.get('/api/v1/deliversafe')).rejects.toThrow();

		await injectFault(ctx.url, { pathPrefix: '/api/v1/deliversafe', kind: 'malformed' });
		const malformed = await fetch(`${ctx.url}/api/v1/deliversafe`, { headers: { Authorization: `Bearer ${ctx.token}` } });
		expect(malformed.status).toBe(200);
		expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
		await expect(malformed.json()).rejects.toThrow();
		expect((await ctx.get('/api/v1/deliversafe')).status).toBe(200);
	});

	it('repeat-next returns the request’s own next token (a paging loop)', async () => {
		const first = await ctx.get('/api/v1/trailers/fleet-001?take=5');
		await injectFault(ctx.url, { pathPrefix: '/api/v1/trailers/fleet-001', kind: 'repeat-next' });
		const looped = await ctx.get(`/api/v1/trailers/fleet-001?take=5&next=${first.body.next}`);
		expect(looped.body.next).toBe(first.body.next);
		expect(looped.body.data).toHaveLength(5);
		// On a first page it points back at the start.
		await injectFault(ctx.url, { pathPrefix: '/api/v1/trailers/fleet-001', kind: 'repeat-next' });
		const again = await ctx.get('/api/v1/trailers/fleet-001?take=5');
		const restart = await ctx.get(`/api/v1/trailers/fleet-001?take=5&next=${again.body.next}`);
		expect(restart.body.data).toEqual(first.body.data);
		// Telemetry too.
		const gps = '/api/v1/trailers/telemetry/gps/trl-00001';
		const page = await ctx.get(`${gps}?take=3`);
		await injectFault(ctx.url, { pathPrefix: gps, kind: 'repeat-next' });
		expect((await ctx.get(`${gps}?take=3&next=${page.body.next}`)).body.next).toBe(page.body.next);
	});

	it('empty-pages returns no records but a next that loses nothing', async () => {
		const normal = await ctx.get('/api/v1/trailers/fleet-001?take=5');
		await injectFault(ctx.url, { pathPrefix: '/api/v1/trailers', kind: 'empty-pages', count: 2 });
		const empty = await ctx.get('/api/v1/trailers/fleet-001?take=5');
		expect(empty.body.data).toEqual([]);
		expect(typeof empty.body.next).toBe('string');
		expect(empty.body.next).not.toBe(normal.body.next);
		const emptyAgain = await ctx.get(`/api/v1/trailers/fleet-001?take=5&next=${encodeURIComponent(empty.body.next)}`);
		expect(emptyAgain.body.data).toEqual([]);
		const resumed = await ctx.get(`/api/v1/trailers/fleet-001?take=5&next=${encodeURIComponent(emptyAgain.body.next)}`);
		expect(resumed.body).toEqual(normal.body);

		const gps = '/api/v1/trailers/telemetry/gps/trl-00002';
		const page = await ctx.get(`${gps}?take=4`);
		await injectFault(ctx.url, { pathPrefix: gps, kind: 'empty-pages' });
		const emptyGps = await ctx.get(`${gps}?take=4&next=${page.body.next}`);
		expect(emptyGps.body.data).toEqual([]);
		// A fresh token (not a repeat the client would refuse as a loop) for the same position.
		expect(emptyGps.body.next).not.toBe(page.body.next);
		const afterEmpty = await ctx.get(`${gps}?take=4&next=${encodeURIComponent(emptyGps.body.next)}`);
		const direct = await ctx.get(`${gps}?take=4&next=${page.body.next}`);
		expect(afterEmpty.body).toEqual(direct.body);
	});

	it('faults apply to the auth paths too, and are counted', async () => {
		const before = (await stats(ctx.url)).faultsInjected;
		await injectFault(ctx.url, { pathPrefix: '/api/v1/customers/authenticate', kind: '500' });
		const failed = await request(ctx.url, '/api/v1/customers/authenticate', {
			method: 'POST',
			headers: { 'X-API-KEY': ctx.sandbox.apiKey },
		});
		expectProblem(failed, 500);
		expect(await authenticate(ctx.url, ctx.sandbox.apiKey)).toMatch(/\./);
		expect((await stats(ctx.url)).faultsInjected).toBe(before + 1);
	});

	it('refuses an invalid fault with field errors', async () => {
		const reply = await fetch(`${ctx.url}/__sandbox/faults`, {
			method: 'POST',
			body: JSON.stringify({ pathPrefix: 'api', kind: 'explode', count: 0 }),
		});
		expect(reply.status).toBe(400);
		const body = (await reply.json()) as { errors: Record<string, string[]> };
		expect(Object.keys(body.errors).sort()).toEqual(['count', 'kind', 'pathPrefix']);
	});
});
