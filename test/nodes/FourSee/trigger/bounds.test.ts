/**
 * Every loop ends and the stored state stays bounded: streams whose pages never end are failing
 * streams (reported, the others go on), a poll that finished a round an earlier poll left goes
 * on into the next round, and the whole state is shrunk to its bound, oldest keys first.
 */
import { boundState, MAX_STATE_CHARS } from '../../../../nodes/FourSee/trigger/bound';
import { MAX_PAGES_WITHOUT_PROGRESS } from '../../../../nodes/FourSee/trigger/engine';
import type { TriggerState } from '../../../../nodes/FourSee/trigger/types';
import type { Page } from '../../../../nodes/FourSee/api';
import { FakeApi, iso } from './fakeApi';
import { Poller, settings } from './helpers';

const trailers = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}`);

/** t1 misbehaves as `serve` says (given the token asked for and the request count); t2, t3 are fine. */
function withBrokenT1(serve: (token: string, n: number, normal: Page) => Page) {
	const api = new FakeApi();
	api.pageSize = 2;
	for (const id of trailers(3)) api.add(id, ...[1, 2, 3].map((i) => ({ timestamp: iso(i * 60), v: `${id}/${i}` })));
	const normal = api.readPage.bind(api);
	let n = 0;
	let broken = true;
	api.readPage = async (event, id, token) => {
		if (id !== 't1') return await normal(event, id, token);
		// The broken server's own tokens (A, B, fresh-n) lead back to the stream's start.
		const page = await normal(event, id, Number.isFinite(Date.parse(token)) ? token : iso(0));
		if (!broken) return page;
		return serve(token, ++n, page);
	};
	return { api, fix: () => (broken = false), requests: () => n };
}

describe('streams whose pages never end', () => {
	it.each([
		['an A/B cycle of page tokens', (token: string, _n: number, page: Page) => ({ records: page.records, next: token === 'A' ? 'B' : 'A' })],
		['endless empty pages with fresh tokens', (_t: string, n: number) => ({ records: [], next: `fresh-${n}` })],
		['the same page again under fresh tokens', (_t: string, n: number, page: Page) => ({ records: page.records, next: `fresh-${n}` })],
	])('%s: t1 is reported as failing each round, the others are read, and t1 catches up once fixed', async (_name, serve) => {
		const { api, fix, requests } = withBrokenT1(serve);
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) }, requestBudget: 50 }));
		const first = await poller.poll();
		expect(first.failures).toEqual([expect.objectContaining({ stream: 't1', message: expect.stringMatching(/page token|pages in a row with nothing new/) })]);
		expect(first.items.filter((i) => i.meta.streamId !== 't1')).toHaveLength(6);
		// Items say so.
		expect(first.items.every((i) => i.meta.failedStreams?.[0]?.stream === 't1')).toBe(true);
		// Bounded work per round: well under the budget.
		expect(requests()).toBeLessThanOrEqual(MAX_PAGES_WITHOUT_PROGRESS + 2);
		const second = await poller.poll();
		expect(second.failures.map((f) => f.stream)).toEqual(['t1']);
		fix();
		await poller.pollUntilIdle();
		// Every record of t1 exactly once, whatever the broken pages served before.
		const t1 = poller.emitted.filter((e) => e.stream === 't1').map((e) => e.record.v);
		expect(t1.sort()).toEqual(['t1/1', 't1/2', 't1/3']);
		expect(poller.emitted).toHaveLength(9);
	});

	it('a late records window re-read page by page is progress, not a loop', async () => {
		const api = new FakeApi();
		api.pageSize = 1;
		// 30 records a minute apart in a 60-minute window: 30 pages of known records on every read.
		api.add('t1', ...Array.from({ length: 30 }, (_, i) => ({ timestamp: iso(i * 60), v: i })));
		const poller = new Poller(api, settings({ latenessMs: 60 * 60_000 }));
		await poller.poll();
		api.add('t1', { timestamp: iso(31 * 60), v: 'new' });
		const outcome = await poller.poll();
		expect(outcome.failures).toEqual([]);
		expect(outcome.items.map((i) => i.record.v)).toEqual(['new']);
	});
});

describe('a poll that finishes a round an earlier poll left', () => {
	it('goes on into the next round within its budget, so no trailer waits an extra poll', async () => {
		const api = new FakeApi();
		api.pageSize = 10;
		for (const id of trailers(6)) api.add(id, ...[1, 2].map((i) => ({ timestamp: iso(i * 60), v: `${id}/${i}` })));
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(6) }, requestBudget: 20, maxItems: 8 }));
		// Poll 1 stops at 8 items, at t5's page.
		const first = await poller.poll();
		expect(first.items).toHaveLength(8);
		expect(first.cycleCompleted).toBe(false);
		// New records for t1 and t2, read in poll 1 already.
		for (const id of ['t1', 't2']) api.add(id, { timestamp: iso(600), v: `${id}/new` });
		api.requests = [];
		const second = await poller.poll();
		// Poll 2 finishes the round (t5, t6) and goes on into the next one (t1..t6) in the same poll.
		expect(api.requests).toEqual(['t5', 't6', 't1', 't2', 't3', 't4', 't5', 't6'].map((id) => `read ${id}`));
		expect(second.items.map((i) => i.record.v)).toEqual(['t5/1', 't5/2', 't6/1', 't6/2', 't1/new', 't2/new']);
		expect(poller.emitted).toHaveLength(14);
		expect(new Set(poller.emitted.map((e) => e.key)).size).toBe(14);
	});

	it('begins at most one new round per poll', async () => {
		const api = new FakeApi();
		for (const id of trailers(3)) api.add(id, { timestamp: iso(60), v: id });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: trailers(3) }, requestBudget: 50, maxItems: 2 }));
		await poller.poll();
		api.requests = [];
		await poller.poll();
		// t3 (left over), then one new round: t1, t2, t3. Not a third pass.
		expect(api.requests).toEqual(['read t3', 'read t1', 'read t2', 'read t3']);
	});
});

describe('the whole stored state is bounded', () => {
	function bigState(streams: number, keysPerStream: number): TriggerState {
		const state: TriggerState = { v: 2, settingsSignature: 'gpsPosition|now', startMs: 0, streams: {}, gone: {}, cycle: { n: 1, scope: '', queue: [] } };
		for (let s = 0; s < streams; s++) {
			const keys: Record<string, number> = {};
			for (let k = 0; k < keysPerStream; k++) keys[`h${s.toString(36)}x${k.toString(36)}padpad`] = 1_767_225_600_000 + k * 60_000;
			state.streams[`trl-${s}`] = { floor: 0, watermark: 1_767_225_600_000 + keysPerStream * 60_000, keys, seen: 1 };
		}
		return state;
	}

	it('under the bound, nothing changes', () => {
		const state = bigState(10, 10);
		const copy = JSON.stringify(state);
		expect(boundState(state)).toBeUndefined();
		expect(JSON.stringify(state)).toBe(copy);
	});

	it('over it, the oldest keys of every stream go first, whole timestamps, floors raised past them', () => {
		const state = bigState(200, 100);
		const max = 200_000;
		expect(JSON.stringify(state).length).toBeGreaterThan(max);
		const shrink = boundState(state, max);
		expect(shrink).toBeDefined();
		expect(JSON.stringify(state).length).toBeLessThanOrEqual(max);
		expect(shrink?.after).toBe(JSON.stringify(state).length);
		for (const stream of Object.values(state.streams)) {
			const times = Object.values(stream.keys);
			// What is left is the newest part of the window, and the floor is just below it.
			expect(Math.min(...times)).toBeGreaterThan(stream.floor - 1);
			expect(stream.floor).toBeGreaterThan(0);
			expect(Math.max(...times)).toBe(1_767_225_600_000 + 99 * 60_000);
		}
		expect(MAX_STATE_CHARS).toBe(5_000_000);
	});
});
