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

	it('reverse-order serves a page newest first; the next page follows as usual', async () => {
		const gps = '/api/v1/trailers/telemetry/gps/trl-00003';
		const normal = await ctx.get(`${gps}?take=6`);
		await injectFault(ctx.url, { pathPrefix: gps, kind: 'reverse-order' });
		const reversed = await ctx.get(`${gps}?take=6`);
		expect(reversed.body.data).toEqual([...normal.body.data].reverse());
		expect(reversed.body.next).toBe(normal.body.next);
		expect((await ctx.get(`${gps}?take=6`)).body).toEqual(normal.body);
	});

	it('endless-next serves the same page again under a fresh next, for as long as the fault lasts', async () => {
		const list = '/api/v1/trailers/fleet-001';
		const first = await ctx.get(`${list}?take=5`);
		await injectFault(ctx.url, { pathPrefix: list, kind: 'endless-next', count: 3 });
		const tokens = new Set<string>();
		let next: string | undefined;
		for (let i = 0; i < 3; i++) {
			const page = await ctx.get(`${list}?take=5${next ? `&next=${encodeURIComponent(next)}` : ''}`);
			expect(page.body.data).toEqual(first.body.data);
			tokens.add(page.body.next);
			next = page.body.next;
		}
		expect(tokens.size).toBe(3);
		// Once the fault is spent, the token leads on as the first page's own next would.
		expect((await ctx.get(`${list}?take=5&next=${encodeURIComponent(next as string)}`)).body).toEqual(first.body);
	});

	it('future-record plants a 2099 record served at the stream end from then on; truth lists it', async () => {
		const gps = '/api/v1/trailers/telemetry/gps/trl-00004';
		const head = await ctx.get(`${gps}?take=2`);
		await injectFault(ctx.url, { pathPrefix: gps, kind: 'future-record' });
		// A page that is not the last: the planted record is not on it.
		expect((await ctx.get(`${gps}?take=2`)).body).toEqual(head.body);
		const clock = (await request(ctx.url, '/__sandbox/clock')).body.now as string;
		const tail = await ctx.get(`${gps}?take=50&next=${new Date(Date.parse(clock) - 5 * 60_000).toISOString()}`);
		const last = tail.body.data[tail.body.data.length - 1];
		expect(last).toEqual({ trailerId: 'trl-00004', planted: 'future-record', n: expect.any(Number), timestamp: expect.stringMatching(/^2099-01-01T00:00:0\d\.000Z$/) });
		expect(tail.body.next).toBeNull();
		// Asked from 2099 on, it is all there is.
		expect((await ctx.get(`${gps}?take=5&next=2099-01-01T00:00:00.000Z`)).body).toEqual({ data: [last], next: null });
		const truth = await request(ctx.url, `/__sandbox/truth?kind=gps&id=trl-00004&countOnly=true`);
		expect(truth.body.planted).toEqual([last]);
	});

	it('no-timestamp plants a record without a timestamp, served ahead of every page of that stream', async () => {
		const gps = '/api/v1/trailers/telemetry/gps/trl-00005';
		const normal = await ctx.get(`${gps}?take=3`);
		await injectFault(ctx.url, { pathPrefix: gps, kind: 'no-timestamp', count: 2 });
		const first = await ctx.get(`${gps}?take=3`);
		expect(first.body.data.slice(1)).toEqual(normal.body.data);
		const second = await ctx.get(`${gps}?take=3&next=${normal.body.next}`);
		expect(second.body.data.slice(0, 2).map((r: Record<string, unknown>) => [r.planted, r.timestamp])).toEqual([
			['no-timestamp', undefined],
			['no-timestamp', undefined],
		]);
		expect((await ctx.get(`${gps}?take=3`)).body.data).toHaveLength(5);
		// Only telemetry streams get planted records: a fault on a list path is left unused.
		await injectFault(ctx.url, { pathPrefix: '/api/v1/fleets', kind: 'no-timestamp' });
		expect((await ctx.get('/api/v1/fleets')).body.data.every((f: Record<string, unknown>) => f.planted === undefined)).toBe(true);
		await clearFaults(ctx.url);
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
