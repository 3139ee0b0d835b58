import { MAX_FAILED_STREAMS_PER_ITEM, runPoll } from '../../../../nodes/FourSee/trigger/engine';
import type { TriggerState } from '../../../../nodes/FourSee/trigger/types';
import { ApiError, FakeApi, T0, iso } from './fakeApi';
import { Poller, settings } from './helpers';

const trailers = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}`);

describe('start point', () => {
	it('from now: records before activation are never emitted, later ones are', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(-3600), v: 'history' }, { timestamp: iso(-1), v: 'just before' });
		const poller = new Poller(api, settings({ start: { mode: 'now' } }), T0);
		const first = await poller.poll();
		expect(first.items).toHaveLength(0);
		api.add('t1', { timestamp: iso(5), v: 'new' });
		await poller.poll();
		expect(poller.values()).toEqual(['new']);
	});

	it('a relative window reaches back N hours; the whole history only when asked', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(-48 * 3600), v: 'old' }, { timestamp: iso(-3600), v: 'recent' });
		const relative = new Poller(api, settings({ start: { mode: 'relative', hours: 2 } }), T0);
		await relative.poll();
		expect(relative.values()).toEqual(['recent']);
		const all = new Poller(api, settings({ start: { mode: 'all' } }), T0);
		await all.poll();
		expect(all.values()).toEqual(['old', 'recent']);
	});

	it('keeps its start across polls, and starts afresh when the start setting changes', async () => {
		const api = new FakeApi();
		const poller = new Poller(api, settings({ start: { mode: 'now' } }), T0);
		await poller.poll();
		poller.nowMs = T0 + 3600_000;
		api.add('t1', { timestamp: iso(60), v: 'a' });
		await poller.poll();
		expect(poller.values()).toEqual(['a']);
		poller.settings = settings({ start: { mode: 'relative', hours: 0 } });
		api.add('t1', { timestamp: iso(120), v: 'b' }, { timestamp: iso(3700), v: 'c' });
		await poller.poll();
		expect(poller.values()).toEqual(['a', 'c']);
	});
});

describe('per-poll caps', () => {
	it('carries items beyond the cap over to the next polls, in order, none dropped or repeated', async () => {
		const api = new FakeApi();
		api.pageSize = 4;
		api.add('t1', ...Array.from({ length: 10 }, (_, i) => ({ timestamp: iso(Math.floor(i / 3)), v: i })));
		const poller = new Poller(api, settings({ maxItems: 3 }));
		const counts: number[] = [];
		for (let i = 0; i < 5; i++) counts.push((await poller.poll()).items.length);
		expect(counts).toEqual([3, 3, 3, 1, 0]);
		expect(poller.values()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	});

	it('never sends more requests than the budget, and continues where it stopped', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.add('t1', ...Array.from({ length: 20 }, (_, i) => ({ timestamp: iso(i), v: i })));
		const poller = new Poller(api, settings({ requestBudget: 3 }));
		const first = await poller.poll();
		expect(first.requests).toBe(3);
		expect(api.requests).toHaveLength(3);
		expect(first.items).toHaveLength(6);
		await poller.pollUntilIdle();
		expect(poller.values()).toEqual(Array.from({ length: 20 }, (_, i) => i));
	});
});

describe('round-robin', () => {
	it('covers every stream within ceil(streams / budget) polls', async () => {
		const api = new FakeApi();
		const ids = trailers(23);
		for (const id of ids) api.add(id, { timestamp: iso(1), v: id });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ids }, requestBudget: 5 }));
		const read = new Set<string>();
		for (let i = 0; i < Math.ceil(23 / 5); i++) {
			const outcome = await poller.poll();
			expect(outcome.requests).toBeLessThanOrEqual(5);
			for (const id of outcome.streamsRead) read.add(id);
		}
		expect([...read].sort()).toEqual([...ids].sort());
		expect(poller.values().sort()).toEqual([...ids].sort());
	});

	it("a round of a fleet takes ceil((streams + extra pages) / budget) polls, the fleet's listing pages on top of the budget", async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.listPageSize = 5;
		const ids = trailers(23);
		api.lists.set('fleetTrailers:f1', ids.map((id) => ({ id })));
		const backlog = ['t3', 't9', 't14', 't22'];
		for (const id of ids) {
			// Five records need three pages of two: two extra pages for each backlogged trailer. They
			// are 20 minutes apart, so the next round re-checks only the newest (15-minute window).
			const n = backlog.includes(id) ? 5 : 1;
			for (let i = 0; i < n; i++) api.add(id, { timestamp: iso(1 + i * 1200), v: `${id}/${i}` });
		}
		const budget = 4;
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' }, requestBudget: budget }));
		const listingPages = Math.ceil(ids.length / api.listPageSize);
		const round = async (bound: number) => {
			const read = new Set<string>();
			let polls = 0;
			let done = false;
			while (!done) {
				const before = api.requests.length;
				const outcome = await poller.poll();
				polls++;
				const made = api.requests.slice(before);
				const listing = made.filter((request) => request.startsWith('list ')).length;
				expect(outcome.requests).toBe(made.length);
				// The budget bounds the telemetry reads; the fleet's listing pages come on top, at
				// most one per listing page of streams read in the poll (plus the one it starts with).
				expect(made.length - listing).toBeLessThanOrEqual(budget);
				expect(listing).toBeLessThanOrEqual(Math.ceil(budget / api.listPageSize) + 1);
				for (const id of outcome.streamsRead) read.add(id);
				done = outcome.cycleCompleted;
			}
			expect([...read].sort()).toEqual([...ids].sort());
			expect(polls).toBeLessThanOrEqual(bound);
			return polls;
		};
		const first = await round(Math.ceil((ids.length + backlog.length * 2) / budget));
		expect(api.requests).toHaveLength(ids.length + listingPages + backlog.length * 2);
		expect(poller.emitted).toHaveLength(ids.length - backlog.length + backlog.length * 5);
		// Caught up (what a read re-checks inside the late records window, 15 minutes here, and
		// what is new fit in one page), a round is one page per stream: ceil(streams / budget) polls.
		for (const id of ids) api.add(id, { timestamp: iso(9000), v: `${id}/new` });
		api.requests = [];
		const second = await round(Math.ceil(ids.length / budget));
		expect(api.requests).toHaveLength(ids.length + listingPages);
		expect([first, second]).toEqual([8, 6]);
	});

	it('a stream with a backlog does not starve the others', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.add('t1', ...Array.from({ length: 40 }, (_, i) => ({ timestamp: iso(i), v: i })));
		for (const id of ['t2', 't3', 't4']) api.add(id, { timestamp: iso(1), v: id });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(4) }, requestBudget: 4 }));
		const first = await poller.poll();
		expect(first.streamsRead.sort()).toEqual(['t1', 't2', 't3', 't4']);
		await poller.pollUntilIdle();
		expect(poller.emitted.filter((e) => e.stream === 't1')).toHaveLength(40);
	});

	it('a fleet: lists its trailers, reads each, picks up new ones and drops those that left', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		api.add('t1', { timestamp: iso(1), v: 'a' });
		api.add('t2', { timestamp: iso(1), v: 'b' });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		const first = await poller.poll();
		expect(first.items.map((i) => i.meta)).toEqual([
			expect.objectContaining({ event: 'gpsPosition', trailerId: 't1', fleetId: 'f1' }),
			expect.objectContaining({ event: 'gpsPosition', trailerId: 't2', fleetId: 'f1' }),
		]);
		api.lists.set('fleetTrailers:f1', [{ id: 't2' }, { id: 't3' }]);
		api.add('t3', { timestamp: iso(2), v: 'c' });
		await poller.poll();
		expect(poller.values()).toEqual(['a', 'b', 'c']);
		// t1 left in the cycle that just ended: forgotten at the start of the next.
		await poller.poll();
		const state = poller.stored as TriggerState;
		expect(Object.keys(state.streams).sort()).toEqual(['t2', 't3']);
		expect(state.gone.t1).toBe(Date.parse(iso(1)));
		// It comes back: what it had emitted is not replayed.
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }, { id: 't3' }]);
		api.add('t1', { timestamp: iso(3), v: 'a2' });
		await poller.poll();
		expect(poller.values()).toEqual(['a', 'b', 'c', 'a2']);
	});

	it('a listing that fails: known streams are still read, and none counts as departed', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		await poller.poll();
		api.failing.set('fleetTrailers:f1', 500);
		api.add('t1', { timestamp: iso(1), v: 'a' });
		api.add('t2', { timestamp: iso(1), v: 'b' });
		const outcome = await poller.poll();
		expect(outcome.failures).toEqual([{ stream: 'fleetTrailers:f1', message: 'list fleetTrailers:f1 failed', failures: 1 }]);
		expect(poller.values()).toEqual(['a', 'b']);
		await poller.poll();
		expect(Object.keys((poller.stored as TriggerState).streams).sort()).toEqual(['t1', 't2']);
		// Listed again without t2: now it has left.
		api.failing.clear();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }]);
		await poller.poll();
		await poller.poll();
		expect(Object.keys((poller.stored as TriggerState).streams)).toEqual(['t1']);
	});

	it('devices of a fleet: trailers, then devices of each trailer, with ids in the metadata', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		api.lists.set('trailerDevices:t1', [{ id: 'd1' }, { id: 'd2' }]);
		api.lists.set('trailerDevices:t2', [{ id: 'd3' }]);
		for (const d of ['d1', 'd2', 'd3']) api.add(d, { timestamp: iso(1), deviceId: d });
		const poller = new Poller(api, settings({ scope: { event: 'deviceTelemetry', fleet: 'f1' } }));
		const outcome = await poller.poll();
		expect(outcome.items.map((i) => i.meta)).toEqual([
			expect.objectContaining({ event: 'deviceTelemetry', deviceId: 'd1', trailerId: 't1', fleetId: 'f1' }),
			expect.objectContaining({ deviceId: 'd2', trailerId: 't1' }),
			expect.objectContaining({ deviceId: 'd3', trailerId: 't2' }),
		]);
		expect(outcome.items[0].meta.dedupeKey).toMatch(/^deviceTelemetry:d1:/);
	});
});

describe('failures', () => {
	it('a poll that reads nothing reports the error and its state is not to be stored', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(1), v: 1 });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ['t1', 't2'] } }));
		await poller.poll();
		const before = JSON.stringify(poller.stored);
		api.add('t1', { timestamp: iso(2), v: 2 });
		api.down = 500;
		const failed = await poller.poll();
		expect(failed.error).toBeInstanceOf(ApiError);
		expect(JSON.stringify(poller.stored)).toBe(before);
		api.down = undefined;
		await poller.poll();
		expect(poller.values()).toEqual([1, 2]);
	});

	it('items list at most 10 failed streams, with the full count beside them', async () => {
		const api = new FakeApi();
		const ids = trailers(15);
		api.add(ids[14], { timestamp: iso(1), v: 15 });
		for (const id of ids.slice(0, 14)) api.failing.set(id, 404);
		const outcome = await runPoll(undefined, settings({ scope: { event: 'gpsPosition', trailers: ids } }), api, T0);
		expect(outcome.items).toHaveLength(1);
		expect(outcome.failures).toHaveLength(14);
		expect(outcome.items[0].meta.failedStreams).toHaveLength(MAX_FAILED_STREAMS_PER_ITEM);
		expect(outcome.items[0].meta.failedStreamCount).toBe(14);
	});

	it('a rejected key stops the poll at once and nothing is stored', async () => {
		const api = new FakeApi();
		const stored = JSON.parse(JSON.stringify((await runPoll(undefined, settings({ scope: { event: 'gpsPosition', trailers: trailers(5) } }), api, T0)).state));
		api.down = 401;
		api.requests = [];
		const outcome = await runPoll(stored, settings({ scope: { event: 'gpsPosition', trailers: trailers(5) } }), api, T0);
		expect(outcome.error).toMatchObject({ status: 401 });
		expect(api.requests).toHaveLength(1);
	});

	it('a failing stream does not hold back the others, and is reported on their items', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(1), v: 1 });
		api.add('t3', { timestamp: iso(1), v: 3 });
		api.failing.set('t2', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) } }));
		const outcome = await poller.poll();
		expect(outcome.error).toBeUndefined();
		expect(poller.values()).toEqual([1, 3]);
		expect(outcome.items[0].meta.failedStreams).toEqual([{ stream: 't2', message: 'stream t2 failed', failures: 1 }]);
		const again = await poller.poll();
		expect(again.failures).toEqual([{ stream: 't2', message: 'stream t2 failed', failures: 2 }]);
		// Once it can be read again, it starts where it was: nothing lost.
		api.failing.clear();
		api.add('t2', { timestamp: iso(1), v: 2 });
		await poller.poll();
		expect(poller.values()).toEqual([1, 3, 2]);
		expect((poller.stored as TriggerState).streams.t2.failures).toBeUndefined();
	});

	it("a budget's worth of removed streams in a row does not freeze the rotation: later polls reach the healthy ones", async () => {
		const api = new FakeApi();
		const removed = Array.from({ length: 50 }, (_, i) => `gone${i + 1}`);
		const healthy = trailers(5);
		for (const id of removed) api.failing.set(id, 404);
		for (const id of healthy) api.add(id, { timestamp: iso(1), v: id });
		const budget = 10;
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: [...removed, ...healthy] }, requestBudget: budget }));
		const bound = Math.ceil((removed.length + healthy.length) / budget);
		for (let i = 0; i < bound; i++) {
			const outcome = await poller.poll();
			// Only streams failed: nothing global, so the poll does not fail and its state is kept.
			expect(outcome.error).toBeUndefined();
			expect(outcome.requests).toBeLessThanOrEqual(budget);
			if (i < removed.length / budget) {
				expect(outcome.items).toEqual([]);
				expect(outcome.failures).toHaveLength(budget);
			}
		}
		expect(poller.values()).toEqual(healthy);
		// Each removed stream is counted, so the node can report it, and the count grows per cycle.
		let state = poller.stored as TriggerState;
		for (const id of removed) expect(state.streams[id]).toMatchObject({ failures: 1, lastError: `stream ${id} failed` });
		for (const id of healthy) expect(state.streams[id].failures).toBeUndefined();
		for (const id of healthy) api.add(id, { timestamp: iso(2), v: `${id}'` });
		for (let i = 0; i < bound; i++) expect((await poller.poll()).error).toBeUndefined();
		state = poller.stored as TriggerState;
		for (const id of removed) expect(state.streams[id].failures).toBe(2);
		expect(poller.values()).toEqual([...healthy, ...healthy.map((id) => `${id}'`)]);
	});

	it('a global failure after stream failures fails the poll with its own error, and nothing is stored', async () => {
		const api = new FakeApi();
		const scope = { event: 'gpsPosition' as const, trailers: ['gone1', 'gone2', 'gone3', ...trailers(3)] };
		for (const id of ['gone1', 'gone2', 'gone3']) api.failing.set(id, 404);
		for (const id of trailers(3)) api.add(id, { timestamp: iso(1), v: id });
		const poller = new Poller(api, settings({ scope }));
		await poller.poll();
		const before = JSON.stringify(poller.stored);
		const original = api.readPage.bind(api);
		let calls = 0;
		api.readPage = async (...args) => {
			// The key is revoked right after the removed trailers answered 404.
			if (++calls === 4) throw new ApiError(401, 'key rejected');
			return original(...args);
		};
		const outcome = await poller.poll();
		expect(outcome.error).toMatchObject({ status: 401 });
		expect(JSON.stringify(poller.stored)).toBe(before);
	});

	it('removed streams and an API answering 5xx in one poll: the API is down, the poll fails', async () => {
		const api = new FakeApi();
		api.isTransient = (error: unknown) => error instanceof ApiError && error.status >= 500;
		api.failing.set('gone1', 404);
		for (const id of trailers(4)) api.failing.set(id, 503);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ['gone1', ...trailers(4)] } }));
		const outcome = await poller.poll();
		expect(outcome.error).toMatchObject({ status: 503 });
		expect(poller.stored).toBeUndefined();
	});

	it("the scope's own listing that cannot be read, with nothing else read, fails the poll", async () => {
		const api = new FakeApi();
		api.failing.set('fleetTrailers:f1', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		const outcome = await poller.poll();
		expect(outcome.error).toMatchObject({ status: 404 });
		expect(poller.stored).toBeUndefined();
	});

	it("a removed trailer's devices: the other trailers' devices are read, and only the listing is reported", async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		api.failing.set('trailerDevices:t1', 404);
		api.lists.set('trailerDevices:t2', [{ id: 'd2' }]);
		api.add('d2', { timestamp: iso(1), v: 'd2' });
		const poller = new Poller(api, settings({ scope: { event: 'deviceTelemetry', fleet: 'f1' } }));
		const outcome = await poller.poll();
		expect(outcome.error).toBeUndefined();
		expect(outcome.failures).toEqual([{ stream: 'trailerDevices:t1', message: 'list trailerDevices:t1 failed', failures: 1 }]);
		expect(poller.values()).toEqual(['d2']);
	});

	it('a stream that keeps failing is counted each cycle and dropped once its listing no longer names it', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		api.failing.set('t2', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		expect((await poller.poll()).failures).toEqual([{ stream: 't2', message: 'stream t2 failed', failures: 1 }]);
		expect((await poller.poll()).failures).toEqual([{ stream: 't2', message: 'stream t2 failed', failures: 2 }]);
		// The fleet's listing catches up with the removal: t2 leaves the state with the next cycle.
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }]);
		expect((await poller.poll()).failures).toEqual([]);
		await poller.poll();
		expect(Object.keys((poller.stored as TriggerState).streams)).toEqual(['t1']);
	});

	it('a single trailer that is gone on every poll fails each poll naming it, instead of returning nothing in silence', async () => {
		const api = new FakeApi();
		api.failing.set('t1', 404);
		const poller = new Poller(api, settings());
		const first = await poller.poll();
		// Not a global failure: the state (the failure count) is stored, but the poll fails.
		expect(first.error).toBeUndefined();
		expect(first.allFailing).toEqual([{ stream: 't1', message: 'stream t1 failed', failures: 1, reason: 'notFound' }]);
		expect((poller.stored as TriggerState).streams.t1).toMatchObject({ failures: 1, reason: 'notFound' });
		const second = await poller.poll();
		expect(second.allFailing).toEqual([{ stream: 't1', message: 'stream t1 failed', failures: 2, reason: 'notFound' }]);
		// Once it answers again, the poll is quiet or emits, and nothing was lost meanwhile.
		api.failing.clear();
		api.add('t1', { timestamp: iso(1), v: 1 });
		const back = await poller.poll();
		expect(back.allFailing).toBeUndefined();
		expect(poller.values()).toEqual([1]);
		expect((poller.stored as TriggerState).streams.t1.reason).toBeUndefined();
	});

	it('a key refused on every trailer fails the poll once each has been tried, naming them all; the rotation still moves', async () => {
		const api = new FakeApi();
		const ids = trailers(5);
		for (const id of ids) api.failing.set(id, 403);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ids }, requestBudget: 2 }));
		// While some trailer has not been tried yet, nothing says the whole scope is stuck.
		expect((await poller.poll()).allFailing).toBeUndefined();
		expect((await poller.poll()).allFailing).toBeUndefined();
		const third = await poller.poll();
		expect(api.requests).toEqual(ids.map((id) => `read ${id}`));
		expect(third.allFailing?.map((f) => [f.stream, f.reason, f.failures])).toEqual(ids.map((id) => [id, 'noAccess', 1]));
		// The poll that fails still moves the rotation on: the next one asks for the next trailers,
		// so a trailer that becomes visible again is read whichever it is.
		api.failing.delete('t4');
		api.add('t4', { timestamp: iso(1), v: 't4' });
		const fourth = await poller.poll();
		expect(fourth.allFailing?.map((f) => [f.stream, f.failures])).toEqual([['t1', 2], ['t2', 2], ['t3', 1], ['t4', 1], ['t5', 1]]);
		const fifth = await poller.poll();
		expect(fifth.allFailing).toBeUndefined();
		expect(fifth.streamsRead).toEqual(['t4']);
		expect(poller.values()).toEqual(['t4']);
	});

	it('a scope with one healthy stream stays quiet: removed ones are reported on their own, the poll does not fail', async () => {
		const api = new FakeApi();
		api.failing.set('t1', 404);
		api.failing.set('t2', 403);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) } }));
		for (let i = 0; i < 3; i++) {
			const outcome = await poller.poll();
			expect(outcome.error).toBeUndefined();
			expect(outcome.allFailing).toBeUndefined();
			expect(outcome.failures.map((f) => f.stream)).toEqual(['t1', 't2']);
		}
	});

	it('a fleet whose trailers all fail while its listing works fails the poll naming them', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }]);
		api.failing.set('t1', 404);
		api.failing.set('t2', 404);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		const outcome = await poller.poll();
		expect(outcome.error).toBeUndefined();
		expect(outcome.allFailing?.map((f) => f.stream)).toEqual(['t1', 't2']);
		// A trailer that joins is not failing: until it is tried, the poll does not fail.
		api.lists.set('fleetTrailers:f1', [{ id: 't1' }, { id: 't2' }, { id: 't3' }]);
		const next = await poller.poll();
		expect(next.allFailing).toBeUndefined();
		expect(next.streamsRead).toEqual(['t3']);
	});

	it('an API answering 5xx everywhere is given up after a few streams and one probe elsewhere, not after the whole budget', async () => {
		const api = new FakeApi();
		api.isTransient = (error: unknown) => error instanceof ApiError && error.status >= 500;
		api.down = 503;
		const outcome = await runPoll(undefined, settings({ scope: { event: 'gpsPosition', trailers: trailers(20) } }), api, T0);
		expect(outcome.error).toMatchObject({ status: 503 });
		expect(api.requests).toHaveLength(4);
		// The probe is not simply the next in line: it is one of those still to be read.
		expect(api.requests.slice(0, 3)).toEqual(['read t1', 'read t2', 'read t3']);
		expect(trailers(20).slice(3).map((id) => `read ${id}`)).toContain(api.requests[3]);
	});

	describe('streams broken on the server side (5xx forever) at the head of the rotation', () => {
		const transient = (error: unknown) => error instanceof ApiError && error.status >= 500;
		const healthy = trailers(3);
		const reads = (ids: string[]) => ids.map((id) => `read ${id}`);

		/** A trigger that has read everything once; then the `broken` trailers break for good. */
		async function brokenAfterOneRound(broken: string[], budget = 50): Promise<{ api: FakeApi; poller: Poller }> {
			const api = new FakeApi();
			api.isTransient = transient;
			for (const id of [...broken, ...healthy]) api.add(id, { timestamp: iso(1), v: id });
			const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: [...broken, ...healthy] }, requestBudget: budget }));
			await poller.pollUntilIdle();
			for (const id of broken) api.failing.set(id, 502);
			for (const id of healthy) api.add(id, { timestamp: iso(2), v: `${id}'` });
			api.requests = [];
			poller.emitted = [];
			return { api, poller };
		}

		it('after three server errors another stream is probed; it answers, so they are reported and the rotation moves past them', async () => {
			const broken = ['b1', 'b2', 'b3'];
			const { api, poller } = await brokenAfterOneRound(broken);
			const outcome = await poller.poll();
			expect(outcome.error).toBeUndefined();
			expect(api.requests.slice(0, 3)).toEqual(reads(broken));
			expect(reads(healthy)).toContain(api.requests[3]);
			expect(poller.values().sort()).toEqual(healthy.map((id) => `${id}'`));
			expect(outcome.failures.map((f) => f.stream)).toEqual(broken);
			const state = poller.stored as TriggerState;
			for (const id of broken) expect(state.streams[id]).toMatchObject({ failures: 1, reason: 'server' });
			expect(state.cycle.queue).toEqual([]);
			// Round after round: the broken ones are counted, the rest keeps flowing.
			for (const id of healthy) api.add(id, { timestamp: iso(3), v: `${id}''` });
			expect((await poller.poll()).error).toBeUndefined();
			expect(poller.values()).toHaveLength(6);
			expect((poller.stored as TriggerState).streams.b1.failures).toBe(2);
		});

		it('the probe fails too: the API counts as down, the poll fails and nothing is stored', async () => {
			const { api, poller } = await brokenAfterOneRound(['b1', 'b2', 'b3']);
			const before = JSON.stringify(poller.stored);
			for (const id of healthy) api.failing.set(id, 503);
			const outcome = await poller.poll();
			expect(outcome.error).toMatchObject({ status: 502 });
			expect(api.requests).toHaveLength(4);
			expect(reads(healthy)).toContain(api.requests[3]);
			expect(JSON.stringify(poller.stored)).toBe(before);
		});

		it('a budget too small for three errors and a probe (2): the last request is the probe, and the polls get through', async () => {
			const broken = ['b1', 'b2', 'b3', 'b4', 'b5'];
			const { api, poller } = await brokenAfterOneRound(broken, 2);
			const counted = () => broken.every((id) => ((poller.stored as TriggerState).streams[id].failures ?? 0) > 0);
			let polls = 0;
			let failedPolls = 0;
			while ((!counted() || poller.values().length < healthy.length) && polls < 40) {
				poller.nowMs = T0 + ++polls * 60_000;
				api.requests = [];
				const outcome = await poller.poll();
				expect(api.requests.length).toBeLessThanOrEqual(2);
				if (outcome.error !== undefined) failedPolls++;
				// A poll that does not fail got through a broken trailer with a probe that answered.
				else expect(outcome.streamsRead.length).toBeGreaterThan(0);
			}
			expect(counted()).toBe(true);
			expect(poller.values().sort()).toEqual(healthy.map((id) => `${id}'`));
			expect(failedPolls).toBeLessThan(polls);
			// Now that they count as failing, probes go to the healthy ones: no poll fails any more.
			for (let i = 0; i < 8; i++) {
				poller.nowMs += 60_000;
				expect((await poller.poll()).error).toBeUndefined();
			}
		});

		it('a fresh trigger whose first five trailers are broken gets through within a few polls, then on every poll', async () => {
			const broken = ['b1', 'b2', 'b3', 'b4', 'b5'];
			const api = new FakeApi();
			api.isTransient = transient;
			for (const id of broken) api.failing.set(id, 500);
			for (const id of healthy) api.add(id, { timestamp: iso(1), v: id });
			const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: [...broken, ...healthy] } }));
			let polls = 0;
			while (poller.values().length < healthy.length && polls < 10) {
				poller.nowMs = T0 + polls++ * 60_000;
				await poller.poll();
			}
			expect(poller.values().sort()).toEqual(healthy);
			// Each broken trailer is now counted as failing: the probe goes to the others at once.
			expect(Object.keys((poller.stored as TriggerState).streams).filter((id) => (poller.stored as TriggerState).streams[id].failures)).toEqual(broken);
			for (let i = 0; i < 5; i++) {
				for (const id of healthy) api.add(id, { timestamp: iso(10 + i), v: `${id}:${i}` });
				poller.nowMs += 60_000;
				expect((await poller.poll()).error).toBeUndefined();
			}
			expect(poller.values()).toHaveLength(healthy.length * 6);
		});
	});

	it('a page token that repeats is not followed forever: reported, and reading resumes later', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.add('t1', ...Array.from({ length: 6 }, (_, i) => ({ timestamp: iso(i), v: i })));
		const poller = new Poller(api, settings());
		const original = api.readPage.bind(api);
		api.readPage = async (event, id, token) => ({ ...(await original(event, id, token)), next: token });
		const stuck = await poller.poll();
		expect(api.requests).toHaveLength(1);
		expect(stuck.failures[0]).toMatchObject({ stream: 't1', message: expect.stringMatching(/same page token/) });
		api.readPage = original;
		await poller.pollUntilIdle();
		expect(poller.values()).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('a rate limit spent mid-poll keeps what was read and stops', async () => {
		const api = new FakeApi();
		for (const id of trailers(3)) api.add(id, { timestamp: iso(1), v: id });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) } }));
		const original = api.readPage.bind(api);
		let calls = 0;
		api.readPage = async (...args) => {
			if (++calls === 2) throw new ApiError(429, 'rate limited');
			return original(...args);
		};
		const outcome = await poller.poll();
		expect(outcome.error).toBeUndefined();
		expect(outcome.stoppedBy).toMatchObject({ status: 429 });
		expect(poller.values()).toEqual(['t1']);
		api.readPage = original;
		await poller.poll();
		expect(poller.values()).toEqual(['t1', 't2', 't3']);
	});
});
