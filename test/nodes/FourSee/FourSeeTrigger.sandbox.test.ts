/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The 4SEE Trigger against the sandbox, poll after poll on its simulated clock, with n8n
 * restarted between polls (the static data read back from the JSON n8n saved). Every emitted record is compared
 * with the sandbox's ground truth: zero duplicates and zero losses, including polls that meet
 * 429s, 500s, a dropped connection and a token expiry.
 */
import { startSandbox, type Sandbox } from '../../../sandbox';
import {
	advanceClock,
	appendTelemetry,
	clearFaults,
	clock,
	expireTokens,
	injectFault,
	resetStats,
	scope,
	stats,
	truth,
} from '../../../sandbox/client';
import { gpsOfTrailers, PollHarness } from '../../helpers/pollContext';
import { compareRecords, withoutMeta } from '../../helpers/truth';
import { authenticate, collect, request } from '../../sandbox/helpers';

type Json = Record<string, unknown>;

const rl = (value: string) => ({ __rl: true, mode: 'id', value });
/** Small retry waits keep the tests fast; the sandbox's injected 429 asks for 1 s. */
const fastRetry = { retryAttempts: 6, maxWaitSeconds: 3 };

/** Emitted against the truth, with both counts, so a failure shows the sizes too. */
function compare(emitted: Json[], expected: Json[]) {
	return { ...compareRecords(emitted, expected), emitted: emitted.length, expected: expected.length };
}

/**
 * Each trailer's emitted records are exactly the sandbox's GPS records of that trailer between
 * `from` and `to`: none lost, none twice, none made up. Returns the truth, per trailer.
 */
async function expectEachTrailerExactlyOnce(url: string, trailers: string[], emitted: Json[], from: string, to: string): Promise<Json[][]> {
	const truths: Json[][] = [];
	for (const trailer of trailers) {
		const expected = await truth(url, { kind: 'gps', id: trailer, from, to });
		const mine = emitted.filter((item) => (item.fourSee as Json).trailerId === trailer).map(withoutMeta);
		expect(compare(mine, expected.records)).toMatchObject({ duplicated: 0, lost: 0, unexpected: 0 });
		truths.push(expected.records);
	}
	return truths;
}

const minus = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();

describe('4SEE Trigger against the sandbox', () => {
	let sandbox: Sandbox;
	afterEach(async () => {
		await sandbox?.close();
	});

	it('emits every GPS fix of a trailer exactly once across polls meeting 429, 500, a dropped connection and token expiry', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2, tokenTtlSeconds: 900 });
		const { trailers } = await scope(sandbox.url);
		const trailer = trailers[0];
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 1800);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: {
				event: 'gpsPosition',
				gpsScope: 'trailer',
				trailer: rl(trailer),
				startFrom: 'date',
				startDate: start,
				// Small pages and a small item cap put page boundaries inside same-timestamp pairs and
				// carry records over from poll to poll.
				options: { ...fastRetry, pageSize: 4, maxItems: 7, requestBudget: 6 },
			},
		});
		const telemetryPath = `/api/v1/trailers/telemetry/gps/${trailer}`;
		const emitted: Json[] = [];
		const faultsMet: string[] = [];
		for (let i = 0; i < 30; i++) {
			const fault = (['429', '500', 'drop', undefined, undefined] as const)[i % 5];
			if (fault !== undefined) {
				await injectFault(sandbox.url, { pathPrefix: telemetryPath, kind: fault });
				faultsMet.push(fault);
			}
			if (i % 7 === 3) {
				await expireTokens(sandbox.url);
				faultsMet.push('token expired');
			}
			const simNow = (await clock(sandbox.url)).now;
			if (i % 6 === 2) {
				// A late upload (5 minutes old) and a second record sharing the newest timestamp.
				await appendTelemetry(sandbox.url, {
					kind: 'gps',
					id: trailer,
					records: [
						{ trailerId: trailer, timestamp: minus(simNow, 300), latitude: 41.1, longitude: -87.1, speedKph: i, heading: 1 },
						{ trailerId: trailer, timestamp: simNow, latitude: 41.2, longitude: -87.2, speedKph: i, heading: 2 },
					],
				});
			}
			harness.restart();
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			emitted.push(...result.items);
			await advanceClock(sandbox.url, 240);
		}
		for (let drain = 0; drain < 40; drain++) {
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			if (result.items.length === 0) break;
			emitted.push(...result.items);
		}
		const end = (await clock(sandbox.url)).now;
		const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end });
		const report = compare(emitted.map(withoutMeta), expected.records);
		expect(report).toEqual({ duplicated: 0, lost: 0, unexpected: 0, emitted: expected.count, expected: expected.count });
		expect(expected.count).toBeGreaterThan(150);
		// The faults were really met, and absorbed by retries.
		const seen = await stats(sandbox.url);
		expect(seen.rateLimited).toBeGreaterThanOrEqual(6);
		expect(faultsMet.filter((f) => f === 'token expired').length).toBeGreaterThanOrEqual(4);
		// Every item names its stream and carries a unique key usable downstream.
		const keys = emitted.map((item) => (item.fourSee as Json).dedupeKey);
		expect(new Set(keys).size).toBe(emitted.length);
		expect(emitted[0].fourSee).toMatchObject({ event: 'gpsPosition', trailerId: trailer, streamId: trailer });
	});

	it.each(['repeat-next', 'empty-pages', 'malformed', '429-no-retry-after'] as const)(
		'meets "%s" on its reads and still emits every record once',
		async (kind) => {
			sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
			const trailer = (await scope(sandbox.url)).trailers[0];
			const start = minus((await clock(sandbox.url)).now, 1200);
			const harness = new PollHarness({
				url: sandbox.url,
				apiKey: sandbox.apiKey,
				parameters: {
					event: 'gpsPosition',
					gpsScope: 'trailer',
					trailer: rl(trailer),
					startFrom: 'date',
					startDate: start,
					options: { ...fastRetry, pageSize: 3 },
				},
			});
			const emitted: Json[] = [];
			const errors: string[] = [];
			for (let i = 0; i < 8; i++) {
				if (i % 3 === 0) {
					await injectFault(sandbox.url, { pathPrefix: `/api/v1/trailers/telemetry/gps/${trailer}`, kind, count: 2 });
				}
				const result = await harness.poll();
				if (result.error) errors.push(result.error.message);
				emitted.push(...result.items);
				await advanceClock(sandbox.url, 180);
			}
			// The faults were met (not left pending), then cleared.
			expect((await stats(sandbox.url)).faultsInjected).toBeGreaterThanOrEqual(4);
			await clearFaults(sandbox.url);
			for (let i = 0; i < 5; i++) emitted.push(...(await harness.poll()).items);
			const end = (await clock(sandbox.url)).now;
			const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end });
			expect(compare(emitted.map(withoutMeta), expected.records)).toEqual({
				duplicated: 0,
				lost: 0,
				unexpected: 0,
				emitted: expected.count,
				expected: expected.count,
			});
			// A poll that could read nothing says so plainly rather than returning a partial page.
			for (const message of errors) expect(message).toMatch(/4SEE|page token/);
		},
	);

	it('a poll whose fetch fails leaves the stored state byte-for-byte unchanged, and loses nothing', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const { trailers } = await scope(sandbox.url);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 600);
		const harness = gpsOfTrailers(sandbox, trailers.join(', '), start, { retryAttempts: 2, maxWaitSeconds: 1 });
		const emitted: Json[] = [];
		const first = await harness.poll();
		emitted.push(...first.items);
		expect(first.items.length).toBeGreaterThan(0);
		await advanceClock(sandbox.url, 300);
		// The API is down for every telemetry read of this poll, retries included.
		await injectFault(sandbox.url, { pathPrefix: '/api/v1/trailers/telemetry/gps/', kind: '500', count: 50 });
		const failed = await harness.poll();
		expect(failed.error?.message).toMatch(/4SEE had a problem answering \(HTTP 500\)/);
		expect(failed.after).toBe(failed.before);
		// n8n's own change flag agrees: nothing for it to save.
		expect(harness.changed).toBe(false);
		await clearFaults(sandbox.url);
		// Every connection dropped: the same.
		await injectFault(sandbox.url, { pathPrefix: '/api/v1/trailers/telemetry/gps/', kind: 'drop', count: 50 });
		const dropped = await harness.poll();
		expect(dropped.error).toBeDefined();
		expect(dropped.after).toBe(dropped.before);
		await clearFaults(sandbox.url);
		for (let i = 0; i < 5; i++) emitted.push(...(await harness.poll()).items);
		const end = (await clock(sandbox.url)).now;
		await expectEachTrailerExactlyOnce(sandbox.url, trailers, emitted, start, end);
		// No secret in what n8n would store or log.
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		for (const text of [harness.stored, ...harness.logs, failed.error?.message ?? '']) {
			expect(text).not.toContain(sandbox.apiKey);
			expect(text).not.toContain(token);
		}
	});

	it('trailers that 4SEE answers with 500 for good, at the head of the rotation, are reported and passed: the rest keeps flowing, nothing lost', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 5 });
		const { trailers } = await scope(sandbox.url);
		expect(trailers).toHaveLength(5);
		const [broken, healthy] = [trailers.slice(0, 3), trailers.slice(3)];
		const start = minus((await clock(sandbox.url)).now, 600);
		// No retries: each broken trailer costs one request and fails at once.
		const harness = gpsOfTrailers(sandbox, trailers.join(', '), start, { retryAttempts: 1 });
		const emitted: Json[] = [];
		const first = await harness.poll();
		expect(first.error).toBeUndefined();
		emitted.push(...first.items);
		// From now on 4SEE fails on the first three trailers of the rotation, and only on them.
		for (const id of broken) await injectFault(sandbox.url, { pathPrefix: `/api/v1/trailers/telemetry/gps/${id}`, kind: '500', count: 1000 });
		const from = (await clock(sandbox.url)).now;
		for (let poll = 1; poll <= 3; poll++) {
			await advanceClock(sandbox.url, 120);
			const result = await harness.poll();
			// Three 500s in a row, then a probe elsewhere that answers: not "4SEE is down".
			expect(result.error).toBeUndefined();
			expect(result.after).not.toBe(result.before);
			emitted.push(...result.items);
			const streams = (JSON.parse(result.after) as { fourSeeTrigger: { streams: Record<string, Json> } }).fourSeeTrigger.streams;
			for (const id of broken) expect(streams[id]).toMatchObject({ failures: poll, reason: 'server' });
		}
		const logs = harness.logs.join('\n');
		for (const id of broken) expect(logs).toContain(`could not read ${id} (3 poll(s) in a row): 4SEE had a problem answering (HTTP 500)`);
		const end = (await clock(sandbox.url)).now;
		await expectEachTrailerExactlyOnce(sandbox.url, healthy, emitted, start, end);
		// The broken ones lost nothing either: their records since the fault wait for them.
		await clearFaults(sandbox.url);
		for (let i = 0; i < 3; i++) emitted.push(...(await harness.poll()).items);
		for (const records of await expectEachTrailerExactlyOnce(sandbox.url, broken, emitted, start, end)) {
			expect(records.some((r) => Date.parse(String(r.timestamp)) > Date.parse(from))).toBe(true);
		}
	});

	it('covers every trailer of a 5,000-trailer fleet within the polls its request budget implies', async () => {
		sandbox = await startSandbox({
			clock: 'manual',
			fleets: 1,
			trailersPerFleet: 5000,
			burst: 1_000_000,
			refillPerSecond: 1_000_000,
			concurrency: 64,
		});
		const { fleets } = await scope(sandbox.url);
		const fleet = fleets[0];
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const listing = await collect((path) => request(sandbox.url, path, { token }), `/api/v1/trailers/${fleet}?activeOnly=true`, 500);
		const active = listing.records.map((t) => String(t.id));
		const budget = 50;
		// The fleet's listing pages (Page Size trailers each) come on top of the budget.
		const bound = Math.ceil(active.length / budget);
		const now = (await clock(sandbox.url)).now;
		const start = minus(now, 150);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: {
				event: 'gpsPosition',
				gpsScope: 'fleet',
				fleet: rl(fleet),
				startFrom: 'date',
				startDate: start,
				options: { requestBudget: budget, maxItems: 100_000 },
			},
		});
		await resetStats(sandbox.url);
		const covered = new Set<string>();
		const emitted: Json[] = [];
		let polls = 0;
		let mostRequests = 0;
		while (covered.size < active.length && polls < bound + 5) {
			if (polls % 10 === 9) harness.restart();
			const before = (await stats(sandbox.url)).requests.total;
			const result = await harness.poll();
			const after = (await stats(sandbox.url)).requests.total;
			expect(result.error).toBeUndefined();
			polls++;
			// Control calls (stats) are not API requests; the token exchange may add one.
			mostRequests = Math.max(mostRequests, after - before - 1);
			for (const item of result.items) {
				covered.add(String((item.fourSee as Json).trailerId));
				emitted.push(item);
			}
		}
		expect(covered.size).toBe(active.length);
		expect(polls).toBeLessThanOrEqual(bound);
		// The sandbox keeps some trailers inactive, so this also holds the bound for all 5,000.
		expect(polls).toBeLessThanOrEqual(Math.ceil(5000 / budget));
		// The budget plus the fleet's listing pages met on the way (50 trailers a page at the
		// default Page Size, 50 reads a poll: the page that named them and the next one).
		expect(mostRequests).toBeLessThanOrEqual(budget + 2);
		// Zero duplicates, zero losses, trailer by trailer (a sample of 200 against the truth).
		expect(new Set(emitted.map((item) => (item.fourSee as Json).dedupeKey)).size).toBe(emitted.length);
		await expectEachTrailerExactlyOnce(sandbox.url, active.filter((_, i) => i % 25 === 0), emitted, start, now);
		console.log(
			`5,000-trailer fleet: ${active.length} active trailers covered in ${polls} polls (bound ${bound}, ceil(5000/${budget}) = ${Math.ceil(5000 / budget)}), at most ${mostRequests} requests per poll, ${Math.round(harness.stored.length / active.length)} bytes of state per trailer`,
		);
		// About 80 s alone since the listing pages come 50 trailers at a time (Page Size default); far longer on a loaded machine.
	}, 420_000);
});
