/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Long polls (issue 18) through the trigger node, on n8n-core's real poll context, against a
 * sandbox that answers slowly: one poll per trigger at a time, the time bound, and an activation
 * that reads no telemetry when the trigger starts from now.
 */
import { startSandbox, type Sandbox } from '../../../sandbox';
import { clock, configure, resetStats, scope, stats, truth } from '../../../sandbox/client';
import { gpsOfTrailers, PollHarness } from '../../helpers/pollContext';
import { compareRecords, withoutMeta } from '../../helpers/truth';

type Json = Record<string, unknown>;

const minus = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();

/** Every trailer's GPS records between `from` and `to`, from the sandbox's ground truth. */
async function truthOf(url: string, trailers: string[], from: string, to: string): Promise<Json[]> {
	const all: Json[] = [];
	for (const trailer of trailers) all.push(...(await truth(url, { kind: 'gps', id: trailer, from, to })).records);
	return all;
}

describe('4SEE Trigger: long polls', () => {
	let sandbox: Sandbox;
	afterEach(async () => {
		await sandbox?.close();
	});

	it('a tick that finds the last poll running returns at once, touching nothing; the running poll commits, nothing twice', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 6, allActive: true });
		const { trailers } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 900);
		const harness = gpsOfTrailers(sandbox, trailers.join(','), start);
		await configure(sandbox.url, { latencyMs: 150 });

		const running = harness.poll();
		// n8n's next ticks, while the first poll waits on the slow API.
		await new Promise((resolve) => setTimeout(resolve, 100));
		const requestsBefore = (await stats(sandbox.url)).requests.total;
		const skipped = [await harness.poll(), await harness.poll()];
		for (const tick of skipped) {
			expect(tick.items).toEqual([]);
			expect(tick.error).toBeUndefined();
			expect(tick.after).toBe(tick.before);
		}
		// The skipped ticks made no request of their own (the running poll makes one at a time).
		expect((await stats(sandbox.url)).requests.total - requestsBefore).toBeLessThanOrEqual(1);
		const first = await running;
		expect(first.error).toBeUndefined();

		const skipLines = harness.logs.filter((line) => /still running/.test(line));
		expect(skipLines).toHaveLength(1);
		expect(skipLines[0]).toMatch(/^warn: 4SEE Trigger: the previous poll of this trigger is still running \(for \d+ s\)/);
		expect(harness.logs.join('\n')).toMatch(/2 scheduled poll\(s\) were skipped meanwhile/);

		// After it, polls run again and continue from its state: every record once.
		await configure(sandbox.url, { latencyMs: 0 });
		const next = await harness.poll();
		const expected = await truthOf(sandbox.url, trailers, start, now);
		expect(compareRecords([...first.items, ...next.items].map(withoutMeta), expected)).toMatchObject({ duplicated: 0, lost: 0, unexpected: 0 });
	});

	it('a poll ends at its time limit and the next ones carry on: every record once, over several polls', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 12, allActive: true });
		const { trailers } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 900);
		// One request at a time: the premise is a sweep longer than the time limit.
		const harness = gpsOfTrailers(sandbox, trailers.join(','), start, { timeLimitSeconds: 1, concurrency: 1 });
		await configure(sandbox.url, { latencyMs: 300 });
		const emitted: Json[] = [];
		const requests: number[] = [];
		for (let i = 0; i < 12; i++) {
			const before = (await stats(sandbox.url)).requests.total;
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			requests.push((await stats(sandbox.url)).requests.total - before);
			emitted.push(...result.items);
			if (result.items.length === 0 && i > 0) break;
		}
		// 12 trailers at 0.3 s a request and 1 s a poll: a few polls, none reading all 12.
		expect(requests.length).toBeGreaterThanOrEqual(3);
		expect(Math.max(...requests)).toBeLessThan(12);
		const expected = await truthOf(sandbox.url, trailers, start, now);
		expect(compareRecords(emitted.map(withoutMeta), expected)).toMatchObject({ duplicated: 0, lost: 0, unexpected: 0 });
	}, 60_000);

	it('activation starting from now reads no telemetry: one listing request, then the first scheduled poll sweeps', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 300, allActive: true });
		const { fleets } = await scope(sandbox.url);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'fleet', fleet: { __rl: true, mode: 'id', value: fleets[0] }, startFrom: 'now', options: { requestBudget: 500 } },
		});
		await resetStats(sandbox.url);
		const activation = await harness.poll();
		expect(activation.error).toBeUndefined();
		const routes = (await stats(sandbox.url)).requests.byRoute;
		const apiRoutes = Object.entries(routes).filter(([route]) => !route.includes('authenticate'));
		expect(apiRoutes).toEqual([['GET /api/v1/trailers/{fleet}', 1]]);

		await resetStats(sandbox.url);
		await harness.poll();
		const sweep = (await stats(sandbox.url)).requests.byRoute;
		// Every trailer at least once (a trailer with more than a page reads on).
		const telemetry = Object.entries(sweep).filter(([route]) => route.includes('telemetry')).map(([, count]) => count);
		expect(telemetry).toHaveLength(1);
		expect(telemetry[0]).toBeGreaterThanOrEqual(300);
	}, 60_000);
});
