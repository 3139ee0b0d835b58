/**
 * Long polls (issue 18): the time bound, failures of n8n itself under a poll, the first poll
 * that only proves the scope, the schedule arithmetic and the one-poll-at-a-time guard.
 */
import { MAX_IDS_CHECKED } from '../../../../nodes/FourSee/trigger/engine';
import { PollGuard } from '../../../../nodes/FourSee/trigger/guard';
import {
	ACTIVATION_BOUND_MS,
	cronIntervalMs,
	DEFAULT_BOUND_MS,
	guardLeaseMs,
	pollIntervalMs,
	timeBoundMs,
} from '../../../../nodes/FourSee/trigger/schedule';
import { ApiError, FakeApi, OutsideError, T0, iso } from './fakeApi';
import { Poller, settings } from './helpers';

const trailers = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}`);

/** Two records per trailer, all after the start. */
function fleetWithRecords(n: number): FakeApi {
	const api = new FakeApi();
	for (const id of trailers(n)) api.add(id, { timestamp: iso(10), v: `${id}-a` }, { timestamp: iso(20), v: `${id}-b` });
	return api;
}

describe('the time bound', () => {
	it('starts no request past its deadline; the rest follows next poll, each record once', async () => {
		const api = fleetWithRecords(10);
		api.msPerRequest = 1000;
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(10) } }));
		const perPoll: number[] = [];
		for (let i = 0; i < 6; i++) {
			poller.settings = { ...poller.settings, deadlineMs: api.clock + 3500 };
			const before = api.requests.length;
			const outcome = await poller.poll();
			perPoll.push(api.requests.length - before);
			if (i < 2) expect(outcome.timeUp).toBe(true);
			if (outcome.cycleCompleted) break;
		}
		// 3.5 s at 1 s a request: the 4th request starts at 3 s, none at 4 s. The third poll
		// finishes the round (2 reads) and, that round having been left by polls that ran out of
		// time, goes on into the next one within its own time (2 more), so no trailer waits a poll.
		expect(perPoll).toEqual([4, 4, 4]);
		const values = poller.values().map(String).sort();
		expect(values).toEqual(trailers(10).flatMap((id) => [`${id}-a`, `${id}-b`]).sort());
	});

	it('always makes the first request, so a poll with no time left still moves the trigger on', async () => {
		const api = fleetWithRecords(3);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) }, deadlineMs: T0 - 1 }));
		const outcome = await poller.poll();
		expect(api.requests).toEqual(['read t1']);
		expect(outcome.timeUp).toBe(true);
		expect(poller.values()).toEqual(['t1-a', 't1-b']);
	});

	it('ends a poll the way Max Items does: a stream cut mid-backlog resumes where it stopped', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.msPerRequest = 1000;
		api.add('t1', ...Array.from({ length: 9 }, (_, i) => ({ timestamp: iso(i + 1), v: i })));
		const poller = new Poller(api, settings());
		for (let i = 0; i < 5; i++) {
			poller.settings = { ...poller.settings, deadlineMs: api.clock + 1500 };
			await poller.poll();
		}
		expect(poller.values()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
	});
});

describe('a failure of n8n itself under a poll', () => {
	it('ends the poll at once, blames no stream, commits nothing; the next poll emits everything once', async () => {
		const api = fleetWithRecords(6);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(6) } }));
		api.outside = { fromRequest: 3, error: new OutsideError('Connection with sqlite database is not established') };
		const failed = await poller.poll();
		expect(failed.error).toBeInstanceOf(OutsideError);
		// Two reads succeeded, the third failed: no more requests, no failure recorded.
		expect(api.requests).toEqual(['read t1', 'read t2', 'read t3']);
		expect(failed.failures).toEqual([]);
		expect(Object.values(failed.state.streams).some((stream) => stream.failures !== undefined)).toBe(false);
		expect(poller.stored).toBeUndefined();

		api.outside = undefined;
		await poller.poll();
		expect(poller.values().map(String).sort()).toEqual(trailers(6).flatMap((id) => [`${id}-a`, `${id}-b`]).sort());
	});

	it('also when it happens on a listing', async () => {
		const api = fleetWithRecords(2);
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		api.outside = { fromRequest: 1, error: new OutsideError('Evaluator disposed') };
		const failed = await poller.poll();
		expect(failed.error).toBeInstanceOf(OutsideError);
		expect(failed.failures).toEqual([]);
		expect(api.requests).toEqual(['list fleetTrailers:f1']);
	});
});

describe('the first poll of a trigger starting from now', () => {
	it('reads no telemetry: one request proves the fleet, and the next poll sweeps from the start point', async () => {
		const api = fleetWithRecords(50);
		api.lists.set('fleetTrailers:f1', trailers(50).map((id) => ({ id })));
		api.add('t7', { timestamp: iso(-5), v: 'before activation' });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' }, start: { mode: 'now' } }), T0);
		const first = await poller.poll();
		expect(first.scopeChecked).toBe(true);
		expect(api.requests).toEqual(['check fleetTrailers:f1']);
		expect(first.items).toEqual([]);
		api.add('t7', { timestamp: iso(30), v: 'after activation' });
		await poller.poll();
		expect(poller.values()).toContain('after activation');
		expect(poller.values()).not.toContain('before activation');
	});

	it('a fleet that cannot be read fails it, and nothing is stored', async () => {
		const api = new FakeApi();
		api.failing.set('fleetTrailers:f1', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' }, start: { mode: 'now' } }));
		const first = await poller.poll();
		expect(first.error).toBeInstanceOf(ApiError);
		expect(poller.stored).toBeUndefined();
	});

	it('typed-in ids: checked until one answers; missing ones are recorded as failing streams', async () => {
		const api = new FakeApi();
		api.failing.set('t1', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ['t1', 't2', 't3'] }, start: { mode: 'now' } }));
		const first = await poller.poll();
		expect(first.error).toBeUndefined();
		expect(first.allFailing).toBeUndefined();
		expect(api.requests).toEqual(['check t1', 'check t2']);
		expect(first.state.streams.t1).toMatchObject({ failures: 1, reason: 'notFound' });
	});

	it('typed-in ids that all fail: the poll names them; a long list is not checked to the end', async () => {
		const api = new FakeApi();
		for (const id of trailers(3)) api.failing.set(id, 403);
		const few = await new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) }, start: { mode: 'now' } })).poll();
		expect(few.allFailing?.map((f) => [f.stream, f.reason])).toEqual(trailers(3).map((id) => [id, 'noAccess']));

		const many = new FakeApi();
		for (const id of trailers(40)) many.failing.set(id, 404);
		const outcome = await new Poller(many, settings({ scope: { event: 'gpsPosition', trailers: trailers(40) }, start: { mode: 'now' } })).poll();
		expect(many.requests).toHaveLength(MAX_IDS_CHECKED);
		expect(outcome.allFailing).toBeUndefined();
	});

	it('a stored state is continued: only a first poll is cut short', async () => {
		const api = fleetWithRecords(2);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(2) }, start: { mode: 'now' } }), T0 - 60_000);
		await poller.poll();
		api.requests = [];
		await poller.poll();
		expect(api.requests).toEqual(['read t1', 'read t2']);
		expect(poller.values()).toHaveLength(4);
	});
});

describe('the schedule', () => {
	it("reads the interval of n8n's poll times, seconds or not", () => {
		expect(cronIntervalMs('17 * * * * *')).toBe(60_000);
		expect(cronIntervalMs('0,10,20,30,40,50 * * * * *')).toBe(10_000);
		expect(cronIntervalMs('5 */15 * * * *')).toBe(15 * 60_000);
		expect(cronIntervalMs('*/5 * * * *')).toBe(5 * 60_000);
		expect(cronIntervalMs('3 30 9 * * 1')).toBe(24 * 3600_000);
		expect(cronIntervalMs('0 0,50 * * * *')).toBe(10 * 60_000);
		expect(cronIntervalMs('not a cron')).toBeUndefined();
		expect(pollIntervalMs(['0 0 * * * *', '30 * * * * *'])).toBe(60_000);
		expect(pollIntervalMs([])).toBeUndefined();
	});

	it('bounds a poll by half its interval, at most 2/3 of the scheduler timeout, and the activation poll by 15 s', () => {
		expect(DEFAULT_BOUND_MS).toBe(30_000);
		expect(timeBoundMs({ intervalMs: 60_000, activation: false })).toBe(30_000);
		expect(timeBoundMs({ intervalMs: 10_000, activation: false })).toBe(5_000);
		expect(timeBoundMs({ intervalMs: 3600_000, activation: false })).toBe(30_000);
		expect(timeBoundMs({ activation: false })).toBe(30_000);
		expect(timeBoundMs({ intervalMs: 3600_000, activation: true })).toBe(ACTIVATION_BOUND_MS);
		// The user's own limit is used as set (on activation too), within what n8n says a poll may take.
		expect(timeBoundMs({ optionSeconds: 120, intervalMs: 300_000, activation: false })).toBe(120_000);
		expect(timeBoundMs({ optionSeconds: 120, intervalMs: 300_000, activation: true })).toBe(120_000);
		// The durable scheduler's budget at its defaults (45 s timeout less its margin: 36 s).
		expect(timeBoundMs({ budgetMs: 36_000, intervalMs: 60_000, activation: false })).toBe(24_000);
		expect(timeBoundMs({ optionSeconds: 120, budgetMs: 45_000, activation: false })).toBe(30_000);
		expect(timeBoundMs({ optionSeconds: 0, budgetMs: 300_000, intervalMs: 600_000, activation: false })).toBe(30_000);
	});

	it("holds the guard longer than any poll can run within its bound", () => {
		expect(guardLeaseMs(30_000, 5, 60_000)).toBeGreaterThan(30_000 + 5 * 60_000);
	});
});

describe('the guard: one poll per trigger at a time', () => {
	it('skips ticks while a poll runs, says for how long and only once per run, and counts them', () => {
		const guard = new PollGuard();
		const first = guard.enter('wf\u0000node', 1000, 60_000);
		expect(first.entered).toBe(true);
		expect(guard.enter('wf\u0000node', 60_000, 60_000)).toEqual({ entered: false, runningForMs: 59_000, firstSkip: true });
		expect(guard.enter('wf\u0000node', 50_000, 60_000)).toMatchObject({ entered: false, firstSkip: false });
		// Another trigger, or the same node in another workflow, is not held back.
		expect(guard.enter('wf\u0000other', 2000, 60_000).entered).toBe(true);
		expect(guard.enter('wf2\u0000node', 2000, 60_000).entered).toBe(true);
		const left = guard.leave('wf\u0000node', (first as { ticket: number }).ticket, 70_000);
		expect(left).toEqual({ heldMs: 69_000, skipped: 2 });
		const next = guard.enter('wf\u0000node', 70_001, 60_000);
		expect(next.entered).toBe(true);
	});

	it('lets a new poll in once the lease of one that never ended ran out; the dead one then releases nothing', () => {
		const guard = new PollGuard();
		const dead = guard.enter('k', 0, 10_000) as { ticket: number };
		expect(guard.enter('k', 9_999, 10_000).entered).toBe(false);
		const fresh = guard.enter('k', 10_000, 10_000) as { entered: boolean; ticket: number };
		expect(fresh.entered).toBe(true);
		expect(guard.leave('k', dead.ticket, 11_000)).toBeUndefined();
		expect(guard.held('k', 11_000)).toBe(true);
		expect(guard.leave('k', fresh.ticket, 12_000)).toEqual({ heldMs: 2_000, skipped: 0 });
		expect(guard.held('k', 12_000)).toBe(false);
	});
});
