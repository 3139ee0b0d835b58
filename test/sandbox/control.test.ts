/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { DEMO_API_KEY } from '../../sandbox';
import {
	advanceClock,
	appendTelemetry,
	clock,
	configure,
	injectFault,
	reset,
	resetStats,
	scope,
	setClock,
	stats,
	truth,
} from '../../sandbox/client';
import { authenticate, request, useSandbox } from './helpers';

describe('sandbox control API', () => {
	const ctx = useSandbox({ fleets: 2, trailersPerFleet: 4, devicesPerTrailer: 2, deliverSafeUnits: 2 });

	it('lists its endpoints at GET /__sandbox', async () => {
		const help = await request(ctx.url, '/__sandbox');
		expect(help.status).toBe(200);
		expect(Object.keys(help.body.endpoints)).toEqual(expect.arrayContaining(['POST /__sandbox/clock', 'GET /__sandbox/stats']));
		const unknown = await request(ctx.url, '/__sandbox/nope');
		expect(unknown.status).toBe(404);
	});

	it('moves the simulated clock forward or sets it', async () => {
		expect((await clock(ctx.url)).now).toBe('2026-01-01T00:00:00.000Z');
		expect((await advanceClock(ctx.url, 90)).now).toBe('2026-01-01T00:01:30.000Z');
		expect((await setClock(ctx.url, '2025-12-31T12:00:00Z')).now).toBe('2025-12-31T12:00:00.000Z');
		await expect(advanceClock(ctx.url, -5)).rejects.toThrow(/400/);
		await expect(setClock(ctx.url, 'tomorrow')).rejects.toThrow(/400/);
		await reset(ctx.url);
		expect((await clock(ctx.url)).now).toBe('2026-01-01T00:00:00.000Z');
	});

	it('stats: requests total and by route, authCalls, rateLimited, maxConcurrency, faultsInjected; and their reset', async () => {
		await resetStats(ctx.url);
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		await request(ctx.url, '/api/v1/fleets', { token });
		await request(ctx.url, '/api/v1/fleets', { token });
		await request(ctx.url, '/api/v1/trailers/fleet-001', { token });
		await injectFault(ctx.url, { pathPrefix: '/api/v1/deliversafe', kind: '429' });
		await request(ctx.url, '/api/v1/deliversafe', { token });
		const s = await stats(ctx.url);
		expect(s).toEqual(
			expect.objectContaining({
				requests: {
					total: 5,
					byRoute: {
						'POST /api/v1/customers/authenticate': 1,
						'GET /api/v1/fleets': 2,
						'GET /api/v1/trailers/{fleet}': 1,
						'GET /api/v1/deliversafe': 1,
					},
				},
				authCalls: 1,
				rotateCalls: 0,
				rateLimited: 1,
				maxConcurrency: 1,
				faultsInjected: 1,
			}),
		);
		expect(s.responses).toEqual({ '200': 4, '429': 1 });
		const cleared = await resetStats(ctx.url);
		expect(cleared.requests.total).toBe(0);
		expect(cleared.authCalls).toBe(0);
		expect(cleared.idleGapsMs).toEqual([]);
	});

	it("stats: idleGapsMs, a one-at-a-time client's own time between an answer and its next request", async () => {
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		await request(ctx.url, '/api/v1/fleets', { token });
		await resetStats(ctx.url);
		await request(ctx.url, '/api/v1/fleets', { token });
		await new Promise((resolve) => setTimeout(resolve, 300));
		await request(ctx.url, '/api/v1/fleets', { token });
		// One gap per request that found none in flight (the first one's since the request before).
		const gaps = (await stats(ctx.url)).idleGapsMs;
		expect(gaps).toHaveLength(2);
		expect(gaps[1]).toBeGreaterThanOrEqual(250);
	});

	it('stats: streamsRead, the telemetry streams answered since the reset and when the last was first answered', async () => {
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		const [first, second] = (await scope(ctx.url)).trailers;
		const gps = (trailer: string) => request(ctx.url, `/api/v1/trailers/telemetry/gps/${trailer}?next=2025-12-31T23:00:00Z`, { token });
		await gps(first);
		await resetStats(ctx.url);
		expect((await stats(ctx.url)).streamsRead).toEqual({ streams: 0, lastFirstReadMs: null });
		await gps(first);
		await new Promise((resolve) => setTimeout(resolve, 200));
		await gps(second);
		const afterTwo = (await stats(ctx.url)).streamsRead;
		expect(afterTwo.streams).toBe(2);
		expect(afterTwo.lastFirstReadMs).toBeGreaterThanOrEqual(190);
		// A stream read again is not read for the first time: the time stays.
		await new Promise((resolve) => setTimeout(resolve, 200));
		await gps(first);
		expect((await stats(ctx.url)).streamsRead).toEqual(afterTwo);
	});

	it('changes settings live and refuses invalid ones with field errors', async () => {
		const { config } = await configure(ctx.url, { concurrency: 3, latencyMs: 5, trailersPerFleet: 6 });
		expect(config.concurrency).toBe(3);
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		expect((await request(ctx.url, '/api/v1/trailers/fleet-001?take=500', { token })).body.data).toHaveLength(6);
		const bad = await request(ctx.url, '/__sandbox/config', { method: 'POST' });
		expect(bad.status).toBe(200); // an empty change is fine
		const reply = await fetch(`${ctx.url}/__sandbox/config`, {
			method: 'POST',
			body: JSON.stringify({ burst: 0, colour: 'red', authLimit: { requests: 0 } }),
		});
		expect(reply.status).toBe(400);
		expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
		const body = (await reply.json()) as { errors: Record<string, string[]> };
		expect(Object.keys(body.errors).sort()).toEqual(['authLimit', 'burst', 'colour']);
		await reset(ctx.url);
		expect((await request(ctx.url, '/api/v1/trailers/fleet-001?take=500', { token })).body.data).toHaveLength(4);
	});

	it('reset restores keys, clock, settings, appended telemetry and faults', async () => {
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		await request(ctx.url, '/api/v1/customers/rotate', { method: 'PUT', token });
		expect(ctx.sandbox.apiKey).not.toBe(DEMO_API_KEY);
		await advanceClock(ctx.url, 600);
		await appendTelemetry(ctx.url, { kind: 'gps', id: 'trl-00001', records: [{ timestamp: '2025-12-31T23:59:59.500Z' }] });
		await injectFault(ctx.url, { pathPrefix: '/api/v1', kind: '500', count: 10 });
		await configure(ctx.url, { burst: 1 });
		await reset(ctx.url);
		expect(ctx.sandbox.apiKey).toBe(DEMO_API_KEY);
		expect((await clock(ctx.url)).now).toBe('2026-01-01T00:00:00.000Z');
		const records = (await truth(ctx.url, { kind: 'gps', id: 'trl-00001', from: '2025-12-31T23:59:00Z' })).records;
		expect(records.some((r) => r.timestamp === '2025-12-31T23:59:59.500Z')).toBe(false);
		const fresh = await authenticate(ctx.url, ctx.sandbox.apiKey);
		expect((await request(ctx.url, '/api/v1/fleets', { token: fresh })).status).toBe(200);
		expect((await request(ctx.url, '/api/v1/fleets', { token: fresh })).status).toBe(200);
	});

	it('appending telemetry checks its input', async () => {
		await expect(appendTelemetry(ctx.url, { kind: 'gps', id: 'trl-77777', records: [] })).rejects.toThrow(/404/);
		await expect(
			appendTelemetry(ctx.url, { kind: 'gps', id: 'trl-00001', records: [{ timestamp: 'soon' }] }),
		).rejects.toThrow(/records\[0\]\.timestamp/);
		await expect(
			appendTelemetry(ctx.url, { kind: 'weather' as 'gps', id: 'trl-00001', records: [] }),
		).rejects.toThrow(/400/);
	});

	it('scope lists the ids of the primary and the other customer', async () => {
		const primary = await scope(ctx.url);
		expect(primary.customerId).toBe('cust-0001');
		expect(primary.fleets).toEqual(['fleet-001', 'fleet-002']);
		expect(primary.trailers).toHaveLength(8);
		expect(primary.devices).toHaveLength(16);
		expect(primary.deliverSafeUnits).toEqual(['ds-0001', 'ds-0002']);
		const other = await scope(ctx.url, 'other');
		expect(other.customerId).toBe('cust-0002');
		expect(other.apiKey).toBe(ctx.sandbox.otherCustomerApiKey);
		expect(other.fleets).toEqual(['fleet-901', 'fleet-902']);
		expect(other.trailers[0]).toBe('trl-00009');
		expect(new Set([...primary.devices, ...other.devices]).size).toBe(primary.devices.length + other.devices.length);
	});

	it('truth refuses a range too large to list but can count it', async () => {
		const { count } = await truth(ctx.url, { kind: 'device', id: 'dev-000001', from: '2025-12-31T00:00:00Z', to: '2025-12-31T01:00:00Z' });
		expect(count).toBeGreaterThanOrEqual(12);
		const bad = await request(ctx.url, '/__sandbox/truth?kind=gps&id=trl-00001&from=whenever');
		expect(bad.status).toBe(400);
		expect(bad.body.errors.from).toBeDefined();
	});
});
