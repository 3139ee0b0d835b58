/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { DELIVERSAFE_EVENTS } from '../../nodes/FourSee/api';
import { advanceClock, appendTelemetry, clock, reset, scope, truth, truthCount } from '../../sandbox/client';
import { Reply, authenticate, expectProblem, request, useSandbox, sandboxFactory } from './helpers';

type Rec = Record<string, unknown> & { timestamp: string };

/**
 * Reads a whole stream by time-based paging as a client must: when `next` is a plain time, the
 * next page starts again at that time, so the records of that time already held are skipped.
 */
async function readStream(
	get: (path: string) => Promise<Reply>,
	base: string,
	take: number,
	start?: string,
	maxPages = Infinity,
) {
	const out: Rec[] = [];
	let next: string | null = start ?? null;
	let pages = 0;
	let reServed = 0;
	let skipTokens = 0;
	for (;;) {
		const reply = await get(`${base}?take=${take}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
		expect(reply.status).toBe(200);
		pages++;
		let data = reply.body.data as Rec[];
		if (next && !next.includes('~') && pages > 1) {
			let held = 0;
			while (held < out.length && out[out.length - 1 - held].timestamp === next) held++;
			const again = data.slice(0, held);
			expect(again).toEqual(out.slice(out.length - held));
			reServed += held;
			data = data.slice(held);
		}
		out.push(...data);
		if (reply.body.next && String(reply.body.next).includes('~')) skipTokens++;
		if (!reply.body.next || pages >= maxPages) break;
		expect(reply.body.next).not.toBe(next);
		next = reply.body.next;
	}
	return { records: out, pages, reServed, skipTokens };
}

const GPS = (id: string) => `/api/v1/trailers/telemetry/gps/${id}`;
const DEVICE = (id: string) => `/api/v1/devices/telemetry/${id}`;
const DS = (id: string) => `/api/v1/deliversafe/telemetry/${id}`;

describe('sandbox telemetry', () => {
	const ctx = useSandbox({
		fleets: 2,
		trailersPerFleet: 5,
		devicesPerTrailer: 5,
		deliverSafeUnits: 3,
		burst: 100_000,
		refillPerSecond: 100_000,
		tokenTtlSeconds: 365 * 86_400, // the clock is advanced below
	});
	afterEach(() => reset(ctx.url));

	it('serves GPS records oldest first, on plausible routes, only up to the simulated now', async () => {
		const { now, historyStart } = await clock(ctx.url);
		expect(now).toBe('2026-01-01T00:00:00.000Z');
		const all = await truth(ctx.url, { kind: 'gps', id: 'trl-00002' });
		expect(all.count).toBe(all.records.length);
		expect(all.count).toBeGreaterThan(10_000); // 7 days, one a minute, some doubled
		const records = all.records as Rec[];
		expect(Object.keys(records[0]).sort()).toEqual(['heading', 'latitude', 'longitude', 'speedKph', 'timestamp', 'trailerId']);
		expect(records[0].timestamp >= historyStart).toBe(true);
		expect(records[records.length - 1].timestamp <= now).toBe(true);
		let stopped = 0;
		let moving = 0;
		const problems: string[] = [];
		for (let i = 0; i < records.length; i++) {
			const r = records[i] as Rec & { latitude: number; longitude: number; speedKph: number; heading: number };
			if (!(r.latitude > 24 && r.latitude < 50 && r.longitude > -125 && r.longitude < -66)) problems.push(`outside the US: ${i}`);
			if (!(r.heading >= 0 && r.heading < 360)) problems.push(`heading ${r.heading}`);
			if (r.speedKph === 0) stopped++;
			else moving++;
			if (i > 0) {
				const p = records[i - 1] as typeof r;
				if (r.timestamp < p.timestamp) problems.push(`out of order at ${i}`);
				const km = Math.hypot((r.latitude - p.latitude) * 111, (r.longitude - p.longitude) * 85);
				if (km > 3) problems.push(`jumped ${km} km in a minute at ${i}`); // at most a minute of highway driving
			}
		}
		expect(problems).toEqual([]);
		expect(stopped).toBeGreaterThan(100);
		expect(moving).toBeGreaterThan(100);
	});

	it('time paging returns exactly the stream, re-serving a timestamp split by a page boundary', async () => {
		const expected = (await truth(ctx.url, { kind: 'device', id: 'dev-000003' })).records;
		const walked = await readStream(ctx.get, DEVICE('dev-000003'), 50);
		expect(walked.records).toEqual(expected);
		expect(walked.reServed).toBeGreaterThan(0);
	});

	it('a boundary between two records of one timestamp: next is that time and the next page starts with both', async () => {
		const records = (await truth(ctx.url, { kind: 'gps', id: 'trl-00003', to: '2025-12-25T06:00:00Z' })).records as Rec[];
		const i = records.findIndex((r, k) => k > 3 && records[k + 1]?.timestamp === r.timestamp);
		expect(records[i].timestamp).toBe(records[i + 1].timestamp);
		expect(records[i + 1]).not.toEqual(records[i]);
		// Start three records before the pair and end the page after its first record.
		const page = await ctx.get(`${GPS('trl-00003')}?take=4&next=${records[i - 3].timestamp}`);
		expect(page.body.data).toEqual(records.slice(i - 3, i + 1));
		expect(page.body.next).toBe(records[i].timestamp);
		const following = await ctx.get(`${GPS('trl-00003')}?take=4&next=${page.body.next}`);
		expect(following.body.data).toEqual(records.slice(i, i + 4));
	});

	it('next may be any ISO time: records at or after it; a time past now gives an empty last page', async () => {
		const records = (await truth(ctx.url, { kind: 'deliverSafe', id: 'ds-0002' })).records as Rec[];
		const between = new Date(Date.parse(records[10].timestamp) - 1).toISOString();
		const page = await ctx.get(`${DS('ds-0002')}?take=3&next=${encodeURIComponent(between)}`);
		expect(page.body.data).toEqual(records.slice(10, 13));
		const exact = await ctx.get(`${DS('ds-0002')}?take=1&next=${records[10].timestamp}`);
		expect(exact.body.data).toEqual([records[10]]);
		const offset = await ctx.get(`${DS('ds-0002')}?take=1&next=${encodeURIComponent('2025-12-31T19:00:00-05:00')}`);
		expect(offset.status).toBe(200);
		const future = await ctx.get(`${DS('ds-0002')}?next=2026-06-01T00:00:00.000Z`);
		expect(future.body).toEqual({ data: [], next: null });
		const last = await ctx.get(`${DS('ds-0002')}?take=500&next=${records[records.length - 2].timestamp}`);
		expect(last.body.next).toBeNull();
		for (const bad of ['yesterday', '2026-13-45T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00.000Z~x']) {
			const reply = await ctx.get(`${DS('ds-0002')}?next=${encodeURIComponent(bad)}`);
			expectProblem(reply, 400);
			expect(reply.body.errors.next).toBeDefined();
		}
		expectProblem(await ctx.get(`${DS('ds-0002')}?take=501`), 400);
	});

	it('advancing the simulated clock makes newer records appear', async () => {
		const before = await truth(ctx.url, { kind: 'gps', id: 'trl-00001', from: '2025-12-31T20:00:00Z' });
		const lastTime = (before.records[before.records.length - 1] as Rec).timestamp;
		expect((await ctx.get(`${GPS('trl-00001')}?next=${lastTime}`)).body.next).toBeNull();
		await advanceClock(ctx.url, 3600);
		const after = await ctx.get(`${GPS('trl-00001')}?take=500&next=${lastTime}`);
		expect(after.body.data.length).toBeGreaterThanOrEqual(60);
		expect(after.body.data[after.body.data.length - 1].timestamp <= '2026-01-01T01:00:00.000Z').toBe(true);
	});

	it('late and same-timestamp records appended through the control API appear in time order', async () => {
		const records = (await truth(ctx.url, { kind: 'device', id: 'dev-000002' })).records as Rec[];
		const lastTime = records[records.length - 1].timestamp;
		const late = { timestamp: new Date(Date.parse(records[100].timestamp) + 1000).toISOString(), lights: { stop: 'out' } };
		const same = { timestamp: records[200].timestamp, lights: { tail: 'short' } };
		const future = { timestamp: '2026-01-01T00:30:00.000Z', lights: { marker: 'out' } };
		await appendTelemetry(ctx.url, { kind: 'device', id: 'dev-000002', records: [late, same, future] });
		const after = (await truth(ctx.url, { kind: 'device', id: 'dev-000002' })).records as Rec[];
		// Each goes after every record of its time or earlier (generated ones first on a tie).
		const expected = [...records];
		for (const r of [late, same]) {
			let at = expected.length;
			while (at > 0 && expected[at - 1].timestamp > r.timestamp) at--;
			expected.splice(at, 0, { ...r, deviceId: 'dev-000002' });
		}
		expect(after).toEqual(expected);
		// A client that had read up to the end sees nothing new after its watermark...
		const atLast = records.filter((r) => r.timestamp === lastTime);
		expect((await ctx.get(`${DEVICE('dev-000002')}?next=${lastTime}`)).body.data).toEqual(atLast);
		// ...while a read of the window finds the late record.
		const window = await ctx.get(`${DEVICE('dev-000002')}?take=5&next=${records[100].timestamp}`);
		expect(window.body.data).toContainEqual({ ...late, deviceId: 'dev-000002' });
		await advanceClock(ctx.url, 1800);
		const walked = await readStream(ctx.get, DEVICE('dev-000002'), 50);
		expect(walked.records).toContainEqual({ ...future, deviceId: 'dev-000002' });
		expect(walked.records).toEqual((await truth(ctx.url, { kind: 'device', id: 'dev-000002' })).records);
		// DeliverSafe events get an id when the appended one has none.
		await appendTelemetry(ctx.url, {
			kind: 'deliverSafe',
			id: 'ds-0001',
			records: [{ timestamp: records[5].timestamp, event: 'tamper', doorOpen: false, temperatureC: 4 }],
		});
		const events = (await truth(ctx.url, { kind: 'deliverSafe', id: 'ds-0001', to: records[5].timestamp })).records;
		expect(events[events.length - 1]).toEqual(expect.objectContaining({ id: expect.any(String), event: 'tamper' }));
	});

	it('a page that is all one timestamp continues with an <iso>~<skip> token', async () => {
		const records = (await truth(ctx.url, { kind: 'gps', id: 'trl-00004', to: '2025-12-25T06:00:00Z' })).records as Rec[];
		const t = new Date(Date.parse(records[50].timestamp) + 1000).toISOString();
		const burst = Array.from({ length: 12 }, (_, k) => ({ timestamp: t, latitude: 40 + k / 1000, longitude: -80, speedKph: 0, heading: 0 }));
		await appendTelemetry(ctx.url, { kind: 'gps', id: 'trl-00004', records: burst });
		const first = await ctx.get(`${GPS('trl-00004')}?take=5&next=${t}`);
		expect(first.body.next).toBe(`${t}~5`);
		const second = await ctx.get(`${GPS('trl-00004')}?take=5&next=${encodeURIComponent(first.body.next)}`);
		expect(second.body.next).toBe(`${t}~10`);
		const third = await ctx.get(`${GPS('trl-00004')}?take=5&next=${encodeURIComponent(second.body.next)}`);
		expect(third.body.data.slice(0, 2).map((r: Rec) => r.latitude)).toEqual([40.01, 40.011]);
		expect(third.body.data[2]).toEqual(records[51]);
		expect(third.body.next).toBe(records[54].timestamp);
		const walked = await readStream(ctx.get, GPS('trl-00004'), 5, records[45].timestamp, 12);
		expect(walked.skipTokens).toBeGreaterThan(0);
		const expected = (await truth(ctx.url, { kind: 'gps', id: 'trl-00004', from: records[45].timestamp, to: '2025-12-25T06:00:00Z' })).records;
		expect(walked.records.length).toBeGreaterThan(40);
		expect(walked.records).toEqual(expected.slice(0, walked.records.length));
	});

	it('device readings depend on the device type and change now and then', async () => {
		const s = await scope(ctx.url);
		const seen = { out: 0, absFault: 0, lowTire: 0, doorOpen: 0, blueLine: 0 };
		const token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		for (const id of s.devices.slice(0, 10)) {
			const type = (await request(ctx.url, `/api/v1/devices/details/${id}`, { token })).body.type as string;
			const records = (await truth(ctx.url, { kind: 'device', id })).records as Record<string, unknown>[];
			const keys = Object.keys(records[0]).sort();
			const expectedKeys: Record<string, string[]> = {
				gateway: ['batteryVoltage', 'blueLineVoltage'],
				light_monitor: ['blueLineVoltage', 'lights'],
				tire_sensor: ['batteryVoltage', 'tires'],
				abs_monitor: ['absStatus', 'blueLineVoltage', 'faultCodes'],
				door_sensor: ['batteryVoltage', 'doorOpen'],
			};
			expect(keys).toEqual(['deviceId', 'timestamp', ...expectedKeys[type]].sort());
			let faultsWithoutCodes = 0;
			for (const r of records) {
				const lights = r.lights as Record<string, string> | undefined;
				if (lights && Object.values(lights).some((v) => v !== 'ok')) seen.out++;
				if (r.absStatus === 'fault') {
					seen.absFault++;
					if ((r.faultCodes as string[]).length === 0) faultsWithoutCodes++;
				}
				const tires = r.tires as { pressurePsi: number }[] | undefined;
				if (tires && tires.some((tire) => tire.pressurePsi < 85)) seen.lowTire++;
				if (r.doorOpen === true) seen.doorOpen++;
				if (typeof r.blueLineVoltage === 'number' && r.blueLineVoltage > 12) seen.blueLine++;
			}
			expect(faultsWithoutCodes).toBe(0);
		}
		for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
	});

	it('DeliverSafe events carry an id, a contract event, door state and temperature', async () => {
		const records = (await truth(ctx.url, { kind: 'deliverSafe', id: 'ds-0003' })).records as Record<string, unknown>[];
		expect(records.length).toBeGreaterThan(300);
		const ids = new Set(records.map((r) => r.id));
		expect(ids.size).toBe(records.length);
		const events = new Set(records.map((r) => r.event));
		for (const event of events) expect(DELIVERSAFE_EVENTS).toContain(event);
		expect(events.size).toBeGreaterThanOrEqual(4);
		const shapes = new Set(records.map((r) => Object.keys(r).sort().join(',')));
		expect([...shapes]).toEqual(['deliverSafeId,doorOpen,event,id,temperatureC,timestamp']);
		expect(records.filter((r) => r.event === 'door_opened' && r.doorOpen !== true)).toEqual([]);
		expect(records.filter((r) => r.event === 'door_closed' && r.doorOpen !== false)).toEqual([]);
	});
});

describe('sandbox telemetry at scale', () => {
	const startSandbox = sandboxFactory();

	it('reaches deep into a stream of more than a million records with bounded memory', async () => {
		const sandbox = await startSandbox({ fleets: 1, trailersPerFleet: 1, gpsIntervalSeconds: 1, historySeconds: 1_000_000, burst: 100_000 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const get = (path: string) => request(sandbox.url, path, { token });
		const count = await truthCount(sandbox.url, { kind: 'gps', id: 'trl-00001' });
		expect(count).toBeGreaterThanOrEqual(1_000_000);
		const heapBefore = process.memoryUsage().heapUsed;

		const deep = '2025-12-31T23:00:00.000Z'; // ~996,400 seconds into the stream
		const expected = (await truth(sandbox.url, { kind: 'gps', id: 'trl-00001', from: deep })).records as Rec[];
		expect(expected.length).toBeGreaterThan(3600);
		const walked = await readStream(get, GPS('trl-00001'), 500, deep);
		expect(walked.records).toEqual(expected);
		const head = await get(`${GPS('trl-00001')}?take=500`);
		expect(head.body.data).toHaveLength(500);
		expect(head.body.data[0].timestamp).toBe('2025-12-20T10:13:20.000Z');

		const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
		expect(heapGrowthMb).toBeLessThan(100);
		await sandbox.close();
	});
});
