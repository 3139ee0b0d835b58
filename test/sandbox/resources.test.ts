import { configure, scope, stats } from '../../sandbox/client';
import { authenticate, collect, expectProblem, request, useSandbox, sandboxFactory } from './helpers';

const startSandbox = sandboxFactory();

describe('sandbox resources and cursor paging', () => {
	const ctx = useSandbox({ fleets: 2, trailersPerFleet: 30, devicesPerTrailer: 5, deliverSafeUnits: 7 });

	it('lists fleets and reads one fleet', async () => {
		const list = await ctx.get('/api/v1/fleets');
		expect(list.status).toBe(200);
		expect(list.headers.get('content-type')).toMatch(/^application\/json/);
		expect(list.body.next).toBeNull();
		expect(list.body.data).toHaveLength(2);
		const fleet = list.body.data[0];
		expect(fleet).toEqual({ id: 'fleet-001', name: expect.any(String), createdAt: expect.any(String) });
		expect(new Date(fleet.createdAt).toISOString()).toBe(fleet.createdAt);
		expect((await ctx.get('/api/v1/fleets/fleet-001')).body).toEqual(fleet);
		// The vendor's own example has a trailing slash.
		expect((await ctx.get('/api/v1/fleets/?take=50')).body.data).toHaveLength(2);
	});

	it('lists trailers of a fleet with cursor paging and activeOnly, and reads one trailer', async () => {
		const all = await collect(ctx.get, '/api/v1/trailers/fleet-002', 7);
		expect(all.pages).toBe(5);
		expect(all.records.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => `trl-${String(31 + i).padStart(5, '0')}`));
		for (const token of all.tokens) expect(token).not.toMatch(/^\d+$/); // opaque, not a bare offset
		const trailer = all.records[0];
		expect(trailer).toEqual({
			id: 'trl-00031',
			fleetId: 'fleet-002',
			unitNumber: expect.any(String),
			vin: expect.stringMatching(/^[A-HJ-NPR-Z0-9]{17}$/),
			make: expect.any(String),
			model: expect.any(String),
			year: expect.any(Number),
			active: true,
		});
		expect((await ctx.get('/api/v1/trailers/trl-00031')).body).toEqual(trailer);

		const active = await collect(ctx.get, '/api/v1/trailers/fleet-002?activeOnly=true', 4);
		const inactive = all.records.filter((t) => !t.active).map((t) => t.id);
		expect(inactive.length).toBeGreaterThan(0);
		expect(active.records.map((t) => t.id)).toEqual(all.records.filter((t) => t.active).map((t) => t.id));
		const s = await scope(ctx.url);
		expect(s.inactiveTrailers).toEqual(expect.arrayContaining(inactive));
		expect((await collect(ctx.get, '/api/v1/trailers/fleet-002?activeOnly=false', 50)).records).toHaveLength(30);
	});

	it('lists devices of a trailer (activeOnly) and reads device details', async () => {
		const s = await scope(ctx.url);
		expect(s.devices).toHaveLength(2 * 30 * 5);
		const trailerWithInactive = s.trailers.find((t) => {
			const n = Number(t.slice(4));
			return s.inactiveDevices.some((d) => Math.ceil(Number(d.slice(4)) / 5) === n) && !s.inactiveTrailers.includes(t);
		});
		expect(trailerWithInactive).toBeDefined();
		const devices = (await ctx.get(`/api/v1/devices/${trailerWithInactive}`)).body;
		expect(devices.data).toHaveLength(5);
		expect(devices.next).toBeNull();
		expect(devices.data.map((d: { type: string }) => d.type)).toEqual([
			'gateway',
			'light_monitor',
			'tire_sensor',
			'abs_monitor',
			'door_sensor',
		]);
		const device = devices.data[0];
		expect(device).toEqual({
			id: expect.stringMatching(/^dev-\d{6}$/),
			trailerId: trailerWithInactive,
			serialNumber: expect.any(String),
			type: 'gateway',
			firmwareVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
			active: expect.any(Boolean),
			installedAt: expect.any(String),
		});
		expect((await ctx.get(`/api/v1/devices/details/${device.id}`)).body).toEqual(device);
		const active = (await ctx.get(`/api/v1/devices/${trailerWithInactive}?activeOnly=true`)).body.data;
		expect(active.length).toBeLessThan(5);
		expect(active.every((d: { active: boolean }) => d.active)).toBe(true);
		const paged = await collect(ctx.get, `/api/v1/devices/${trailerWithInactive}`, 2);
		expect(paged.records).toEqual(devices.data);
	});

	it('lists DeliverSafe units and reads one', async () => {
		const all = await collect(ctx.get, '/api/v1/deliversafe', 3);
		expect(all.records.map((u) => u.id)).toEqual(['ds-0001', 'ds-0002', 'ds-0003', 'ds-0004', 'ds-0005', 'ds-0006', 'ds-0007']);
		expect(all.records[0]).toEqual({ id: 'ds-0001', trailerId: expect.stringMatching(/^trl-/), name: expect.any(String), status: expect.any(String) });
		expect((await ctx.get('/api/v1/deliversafe/ds-0003')).body).toEqual(all.records[2]);
	});

	it('take defaults to 50 and must be 1..500; bad next and activeOnly are 400 with field errors', async () => {
		const big = await startSandbox({ fleets: 1, trailersPerFleet: 120 });
		const token = await authenticate(big.url, big.apiKey);
		const first = await request(big.url, '/api/v1/trailers/fleet-001', { token });
		expect(first.body.data).toHaveLength(50);
		expect(typeof first.body.next).toBe('string');
		expect((await request(big.url, '/api/v1/trailers/fleet-001?take=500', { token })).body.data).toHaveLength(120);
		await big.close();

		for (const take of ['0', '501', 'abc', '-1', '2.5']) {
			const reply = await ctx.get(`/api/v1/fleets?take=${take}`);
			expectProblem(reply, 400);
			expect(reply.body.errors.take[0]).toMatch(/1 to 500/);
		}
		expect((await ctx.get('/api/v1/fleets?take=1')).body.data).toHaveLength(1);

		// A smaller largest page (maxTake, --max-take), set at start or while running.
		const small = await startSandbox({ fleets: 1, trailersPerFleet: 120, maxTake: 100 });
		try {
			const smallToken = await authenticate(small.url, small.apiKey);
			const refused = await request(small.url, '/api/v1/trailers/fleet-001?take=101', { token: smallToken });
			expectProblem(refused, 400);
			expect(refused.body.errors.take[0]).toMatch(/from 1 to 100; got '101'/);
			const gps = await request(small.url, '/api/v1/trailers/telemetry/gps/trl-00001?take=500', { token: smallToken });
			expectProblem(gps, 400);
			expect((await request(small.url, '/api/v1/trailers/fleet-001?take=100', { token: smallToken })).body.data).toHaveLength(100);
			await configure(small.url, { maxTake: 10 });
			expect((await request(small.url, '/api/v1/trailers/fleet-001', { token: smallToken })).body.data).toHaveLength(10);
			expectProblem(await request(small.url, '/api/v1/trailers/fleet-001?take=11', { token: smallToken }), 400);
		} finally {
			await small.close();
		}
		const badNext = await ctx.get('/api/v1/trailers/fleet-001?next=garbage');
		expectProblem(badNext, 400);
		expect(badNext.body.errors.next).toBeDefined();
		const badActive = await ctx.get('/api/v1/trailers/fleet-001?activeOnly=maybe');
		expectProblem(badActive, 400);
		expect(badActive.body.errors.activeOnly).toBeDefined();
		const both = await ctx.get('/api/v1/trailers/fleet-001?activeOnly=maybe&take=0');
		expect(Object.keys(both.body.errors).sort()).toEqual(['activeOnly', 'take']);
	});

	it('counts requests per route', async () => {
		const s = await stats(ctx.url);
		expect(s.requests.total).toBeGreaterThan(10);
		expect(s.requests.byRoute['GET /api/v1/trailers/{fleet}']).toBeGreaterThan(0);
		expect(s.requests.byRoute['GET /api/v1/trailers/{trailer}']).toBeGreaterThan(0);
		expect(s.responses['400']).toBeGreaterThan(0);
	});
});

describe('sandbox data', () => {
	async function snapshot(seed: number) {
		const sandbox = await startSandbox({ seed, fleets: 2, trailersPerFleet: 5 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const get = async (path: string) => (await request(sandbox.url, path, { token })).body;
		const result = {
			fleets: await get('/api/v1/fleets'),
			trailers: await get('/api/v1/trailers/fleet-002'),
			devices: await get('/api/v1/devices/trl-00003'),
			units: await get('/api/v1/deliversafe'),
			gps: await get('/api/v1/trailers/telemetry/gps/trl-00002?take=200'),
			device: await get('/api/v1/devices/telemetry/dev-000006?take=50'),
			events: await get('/api/v1/deliversafe/telemetry/ds-0002?take=50'),
		};
		await sandbox.close();
		return result;
	}

	it('is deterministic from the seed', async () => {
		const a = await snapshot(42);
		const b = await snapshot(42);
		const c = await snapshot(43);
		expect(b).toEqual(a);
		expect(c.trailers).not.toEqual(a.trailers);
		expect(c.gps).not.toEqual(a.gps);
		expect(a.gps.data).toHaveLength(200);
	});

	it('serves a 5,000-trailer fleet page by page', async () => {
		const sandbox = await startSandbox({ fleets: 1, trailersPerFleet: 5000, devicesPerTrailer: 2, deliverSafeUnits: 0 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const get = (path: string) => request(sandbox.url, path, { token });
		const all = await collect(get, '/api/v1/trailers/fleet-001', 500);
		expect(all.pages).toBe(10);
		expect(new Set(all.records.map((t) => t.id)).size).toBe(5000);
		expect(all.records[4999].id).toBe('trl-05000');
		const active = await collect(get, '/api/v1/trailers/fleet-001?activeOnly=true', 500);
		const s = await scope(sandbox.url);
		expect(active.records).toHaveLength(5000 - s.inactiveTrailers.length);
		expect(s.inactiveTrailers.length).toBeGreaterThan(500);
		expect((await get('/api/v1/devices/details/dev-010000')).body.trailerId).toBe('trl-05000');
		expect((await get('/api/v1/deliversafe')).body).toEqual({ data: [], next: null });
		await sandbox.close();
	});
});
