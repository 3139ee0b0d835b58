/**
 * The trigger reads its streams concurrently within a poll (Concurrent Requests): the same items
 * in the same order as one request at a time, each trailer's records exactly once against the
 * sandbox's truth, state committed only for what was read, and never more requests in flight
 * than the option allows.
 */
import { startSandbox, type Sandbox } from '../../../sandbox';
import { clock, injectFault, reset, resetStats, scope, stats, truth } from '../../../sandbox/client';
import { PollHarness } from '../../helpers/pollContext';
import { compareRecords, withoutMeta } from '../../helpers/truth';

type Json = Record<string, unknown>;

const rl = (value: string) => ({ __rl: true, mode: 'id', value });
const minus = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();

/** A trigger on the GPS of every trailer of a fleet, from `start`, with these options. */
const fleetTrigger = (sandbox: Sandbox, fleet: string, start: string, options: Json, typeVersion?: number) =>
	new PollHarness({
		url: sandbox.url,
		apiKey: sandbox.apiKey,
		typeVersion,
		parameters: { event: 'gpsPosition', gpsScope: 'fleet', fleet: rl(fleet), startFrom: 'date', startDate: start, options },
	});

describe('4SEE Trigger: concurrent reads within a poll', () => {
	let sandbox: Sandbox;
	afterEach(async () => {
		await sandbox?.close();
	});

	it('emits the same items in the same order as one at a time, each exactly once, with at most Concurrent Requests in flight', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 30, allActive: true, latencyMs: 20, concurrency: 16 });
		const { fleets, trailers } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 3600);
		// Small pages, a budget that ends polls mid-round and an item cap that cuts a page.
		const harness = (concurrency: number) =>
			fleetTrigger(sandbox, fleets[0], start, { concurrency, pageSize: 25, requestBudget: 17, maxItems: 700 });
		const serial = harness(1);
		const parallel = harness(4);
		const runs: Record<string, { items: Json[]; inFlight: number }> = {};
		for (const [name, h] of [['serial', serial], ['parallel', parallel]] as const) {
			await resetStats(sandbox.url);
			const items: Json[] = [];
			for (let poll = 0; poll < 40; poll++) {
				if (poll % 3 === 2) h.restart();
				const result = await h.poll();
				expect(result.error).toBeUndefined();
				items.push(...result.items);
				if (result.items.length === 0 && poll > 5) break;
			}
			runs[name] = { items, inFlight: (await stats(sandbox.url)).maxConcurrencyByCustomer['cust-0001'] ?? 0 };
		}
		expect(runs.serial.inFlight).toBe(1);
		expect(runs.parallel.inFlight).toBeGreaterThan(1);
		expect(runs.parallel.inFlight).toBeLessThanOrEqual(4);
		// Deterministic: the very same items in the very same order.
		expect(runs.parallel.items.map((item) => (item.fourSee as Json).dedupeKey)).toEqual(
			runs.serial.items.map((item) => (item.fourSee as Json).dedupeKey),
		);
		// Exactly once against the truth, trailer by trailer.
		for (const trailer of trailers.slice(0, 30)) {
			const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: now });
			const mine = runs.parallel.items.filter((item) => (item.fourSee as Json).trailerId === trailer).map(withoutMeta);
			expect(compareRecords(mine, expected.records)).toMatchObject({ duplicated: 0, lost: 0, unexpected: 0 });
		}
		expect(runs.parallel.items.length).toBeGreaterThan(1000);
	}, 240_000);

	it('a trailer that fails is isolated while the others are read at once, and a fatal 429 keeps only what was read: as one at a time', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 12, allActive: true, latencyMs: 10 });
		const { fleets, trailers } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 1800);
		const run = async (concurrency: number) => {
			await reset(sandbox.url);
			const h = fleetTrigger(sandbox, fleets[0], start, { concurrency, retryAttempts: 1, maxWaitSeconds: 0 });
			for (let i = 0; i < 3; i++) {
				await injectFault(sandbox.url, { pathPrefix: `/api/v1/trailers/telemetry/gps/${trailers[3]}`, kind: '500' });
			}
			await injectFault(sandbox.url, { pathPrefix: `/api/v1/trailers/telemetry/gps/${trailers[8]}`, kind: '429' });
			const items: Json[] = [];
			const failed = new Set<string>();
			let errors = 0;
			for (let poll = 0; poll < 6; poll++) {
				const result = await h.poll();
				// The 429 before any success fails its poll, with the state kept as it was.
				if (result.error !== undefined) {
					expect(String((result.error as Error).message)).toMatch(/rate limit/);
					expect(result.after).toBe(result.before);
					errors++;
				}
				items.push(...result.items);
				for (const item of result.items) {
					for (const f of ((item.fourSee as Json).failedStreams as Json[] | undefined) ?? []) failed.add(String(f.stream));
				}
			}
			return { keys: items.map((item) => (item.fourSee as Json).dedupeKey), failed, errors };
		};
		const serial = await run(1);
		const parallel = await run(6);
		expect(parallel.failed.has(trailers[3])).toBe(true);
		expect(parallel.failed).toEqual(serial.failed);
		expect(new Set(parallel.keys).size).toBe(parallel.keys.length);
		expect([...parallel.keys].sort()).toEqual([...serial.keys].sort());
		expect(parallel.keys.length).toBeGreaterThan(300);
	}, 240_000);

	it('Requests per Poll Auto (unset in version 1.1, or 0): one poll covers the whole fleet; version 1 unset keeps 50', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 120, allActive: true, concurrency: 16 });
		const { fleets } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const covered = async (typeVersion: number, options: Json) => {
			const h = fleetTrigger(sandbox, fleets[0], minus(now, 300), options, typeVersion);
			const result = await h.poll();
			expect(result.error).toBeUndefined();
			return new Set(result.items.map((item) => (item.fourSee as Json).trailerId)).size;
		};
		expect(await covered(1.1, { maxItems: 100_000 })).toBe(120);
		expect(await covered(1, { maxItems: 100_000, requestBudget: 0 })).toBe(120);
		expect(await covered(1, { maxItems: 100_000 })).toBe(50);
		expect(await covered(1.1, { maxItems: 100_000, requestBudget: 30 })).toBe(30);
	}, 240_000);
});
