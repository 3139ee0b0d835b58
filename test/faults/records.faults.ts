/**
 * What 4SEE may send that its contract rules out, against the sandbox's truth: a record stamped
 * in 2099, pages served newest first, records without a timestamp. The trigger (GPS of the
 * sandbox's trailers, polled as n8n would while the clock moves on) and the action node's
 * telemetry window must each deliver every record exactly once (lost 0, duplicated 0, nothing
 * unexpected) and say in n8n's log what they met.
 */
import * as control from '../../sandbox/client';
import { compareRecords, withoutMeta } from '../helpers/truth';
import { FAST_RETRY, gpsTriggerOnAllTrailers, gpsWindowOfFirstTrailer, rl, runNode, withSandbox, type Json } from './cells';

const GPS = '/api/v1/trailers/telemetry/gps/';
const EXACT = { lost: 0, duplicated: 0, unexpected: 0 };

/**
 * Polls the trigger on every trailer's GPS while the clock moves on (ordinary records keep
 * coming), then until two polls bring nothing: what it emitted, what it logged, and the truth
 * (the sandbox's records from the start to the end, plus what the faults planted).
 */
async function triggerRun(
	options: { fleets: number; trailersPerFleet: number },
	fault: (trailers: string[], url: string) => Promise<void>,
	triggerOptions: Json = {},
): Promise<{ emitted: Json[]; items: Json[]; expected: Json[]; warnings: string[]; errors: string[] }> {
	return await withSandbox(options, async (sandbox) => {
		const { trailers } = await control.scope(sandbox.url);
		const { harness } = await gpsTriggerOnAllTrailers(sandbox, { ...FAST_RETRY, ...triggerOptions });
		const start = (harness.parameters as { startDate: string }).startDate;
		await fault(trailers, sandbox.url);
		const items: Json[] = [];
		const errors: string[] = [];
		let quiet = 0;
		for (let poll = 0; poll < 40 && (poll < 8 || quiet < 2); poll++) {
			// Five minutes between the first eight polls: new records arrive as the trigger runs.
			if (poll > 0 && poll < 8) await control.advanceClock(sandbox.url, 300);
			const result = await harness.poll();
			if (result.error) errors.push(result.error.message);
			items.push(...result.items);
			quiet = result.items.length === 0 ? quiet + 1 : 0;
		}
		const expected: Json[] = [];
		for (const trailer of trailers) {
			const truth = await control.truth(sandbox.url, { kind: 'gps', id: trailer, from: start });
			expected.push(...truth.records, ...truth.planted);
		}
		const warnings = harness.logs.filter((line) => line.startsWith('warn: '));
		return { emitted: items.map(withoutMeta), items, expected, warnings, errors };
	});
}

describe('records 4SEE should not send', () => {
	it.concurrent('future-record: a 2099 record is emitted once, flagged, and the stream keeps flowing (trigger)', async () => {
		const run = await triggerRun({ fleets: 1, trailersPerFleet: 3 }, async (trailers, url) => {
			await control.injectFault(url, { pathPrefix: `${GPS}${trailers[0]}`, kind: 'future-record' });
		});
		expect(run.errors).toEqual([]);
		expect(compareRecords(run.emitted, run.expected)).toEqual(EXACT);
		const future = run.items.filter((item) => (item.fourSee as Json).futureTimestamp === true);
		expect(future.map(withoutMeta)).toEqual([expect.objectContaining({ planted: 'future-record', timestamp: expect.stringMatching(/^2099-/) })]);
		// The stream did not freeze: ordinary records of that trailer kept coming after it.
		const sameTrailer = run.items.filter((item) => item.trailerId === future[0].trailerId);
		expect(sameTrailer.indexOf(future[0])).toBeLessThan(sameTrailer.length - 1);
		expect(run.warnings.filter((w) => /stamped more than 5 minutes in the future/.test(w))).toHaveLength(1);
	});

	it.concurrent('reverse-order: pages served newest first still give every record once, one warning per stream (trigger, Max Items 3)', async () => {
		const run = await triggerRun(
			{ fleets: 1, trailersPerFleet: 3 },
			async (trailers, url) => {
				for (const trailer of trailers) await control.injectFault(url, { pathPrefix: `${GPS}${trailer}`, kind: 'reverse-order', count: 50 });
			},
			{ maxItems: 3 },
		);
		expect(run.errors).toEqual([]);
		expect(compareRecords(run.emitted, run.expected)).toEqual(EXACT);
		const ordered = run.warnings.filter((w) => /out of time order/.test(w));
		expect(ordered).toHaveLength(3);
		expect(new Set(ordered.map((w) => /records of (\S+) out of time order/.exec(w)?.[1])).size).toBe(3);
		expect(run.warnings.filter((w) => /older than the late records window/.test(w))).toEqual([]);
	});

	it.concurrent('no-timestamp: records without a timestamp, served on every page, are emitted once each and flagged (trigger)', async () => {
		const run = await triggerRun({ fleets: 1, trailersPerFleet: 3 }, async (trailers, url) => {
			await control.injectFault(url, { pathPrefix: `${GPS}${trailers[1]}`, kind: 'no-timestamp', count: 2 });
		});
		expect(run.errors).toEqual([]);
		expect(compareRecords(run.emitted, run.expected)).toEqual(EXACT);
		const untimed = run.items.filter((item) => (item.fourSee as Json).noTimestamp === true);
		expect(untimed.map((item) => item.planted)).toEqual(['no-timestamp', 'no-timestamp']);
		expect(run.warnings.filter((w) => /without a readable timestamp/.test(w)).join(' ')).toMatch(/record\(s\) of \S+ without a readable timestamp; each was emitted once/);
	});

	it.concurrent.each([
		['reverse-order', 5],
		['no-timestamp', 2],
		['future-record', 1],
	] as const)('%s: the action node’s telemetry window delivers every record once', async (kind, count) => {
		await withSandbox({ fleets: 1, trailersPerFleet: 2 }, async (sandbox) => {
			const window = await gpsWindowOfFirstTrailer(sandbox, FAST_RETRY);
			await control.injectFault(sandbox.url, { pathPrefix: window.path, kind, count });
			const run = await runNode(sandbox, window.parameters);
			const truth = await control.truth(sandbox.url, {
				kind: 'gps',
				id: window.trailer,
				from: window.start,
				to: new Date(Date.parse(window.end) - 1).toISOString(),
			});
			// A future record lies after the window's end: not part of it.
			const expected = [...truth.records, ...truth.planted.filter((r) => r.timestamp === undefined)];
			expect(run.error).toBeUndefined();
			expect(compareRecords(run.items, expected)).toEqual(EXACT);
			expect((await control.stats(sandbox.url)).faultsInjected).toBe(count);
		});
	});
});

describe('paging that never ends (endless-next)', () => {
	it.concurrent('Get Many, Return All: a clear error at Max Records, no items', async () => {
		await withSandbox({ fleets: 1, trailersPerFleet: 45 }, async (sandbox) => {
			const { fleets } = await control.scope(sandbox.url);
			await control.injectFault(sandbox.url, { pathPrefix: `/api/v1/trailers/${fleets[0]}`, kind: 'endless-next', count: 1_000_000 });
			const run = await runNode(sandbox, {
				resource: 'trailer',
				operation: 'getMany',
				fleet: rl(fleets[0]),
				returnAll: true,
				options: { ...FAST_RETRY, pageSize: 10, maxRecords: 1000 },
			});
			expect(run.items).toEqual([]);
			expect(run.error?.constructor.name).toBe('NodeOperationError');
			expect(run.error?.message).toBe('Return All stopped: 4SEE has more than 1,000 records for this request (Max Records)');
			expect((run.error as { description?: string }).description).toMatch(/Narrow the request: a shorter time range, a Limit instead of Return All/);
			// It stopped: one page beyond the bound, not one more.
			expect((await control.stats(sandbox.url)).requests.byRoute['GET /api/v1/trailers/{fleet}']).toBe(101);
		});
	});

	it.concurrent('telemetry window: a clear error, no items', async () => {
		await withSandbox({ fleets: 1, trailersPerFleet: 2 }, async (sandbox) => {
			const window = await gpsWindowOfFirstTrailer(sandbox, FAST_RETRY);
			await control.injectFault(sandbox.url, { pathPrefix: window.path, kind: 'endless-next', count: 1_000_000 });
			const run = await runNode(sandbox, window.parameters);
			expect(run.items).toEqual([]);
			expect(run.error?.message).toMatch(/^Stopped paging: 4SEE returned 100 pages in a row with no new records/);
		});
	});

	it.concurrent('trigger: the endless trailer is a failing stream in failedStreams, the others complete; once 4SEE ends its pages, it catches up exactly', async () => {
		await withSandbox({ fleets: 1, trailersPerFleet: 3 }, async (sandbox) => {
			const { trailers } = await control.scope(sandbox.url);
			const { harness, expected } = await gpsTriggerOnAllTrailers(sandbox, FAST_RETRY);
			await control.injectFault(sandbox.url, { pathPrefix: `${GPS}${trailers[0]}`, kind: 'endless-next', count: 1_000_000 });
			const items: Json[] = [];
			for (let poll = 0; poll < 3; poll++) {
				const result = await harness.poll();
				expect(result.error).toBeUndefined();
				items.push(...result.items);
			}
			const reported = items.flatMap((item) => ((item.fourSee as Json).failedStreams as Json[] | undefined) ?? []);
			expect(reported.length).toBeGreaterThan(0);
			expect(new Set(reported.map((f) => f.stream))).toEqual(new Set([trailers[0]]));
			expect(harness.logs.some((line) => line.startsWith(`warn: 4SEE Trigger: could not read ${trailers[0]}`))).toBe(true);
			const others = expected.filter((r) => r.trailerId !== trailers[0]);
			expect(compareRecords(items.map(withoutMeta).filter((r) => r.trailerId !== trailers[0]), others)).toEqual(EXACT);
			// Bounded cost: the endless trailer gets a few pages a round, not the whole budget.
			expect((await control.stats(sandbox.url)).requests.total).toBeLessThan(3 * 50);
			await control.clearFaults(sandbox.url);
			let quiet = 0;
			for (let poll = 0; poll < 20 && quiet < 2; poll++) {
				const result = await harness.poll();
				items.push(...result.items);
				quiet = result.items.length === 0 ? quiet + 1 : 0;
			}
			expect(compareRecords(items.map(withoutMeta), expected)).toEqual(EXACT);
		});
	});
});
