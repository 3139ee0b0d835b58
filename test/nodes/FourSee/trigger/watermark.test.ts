import { canonicalJson } from '../../../../nodes/FourSee/helpers/canonicalJson';
import { cyrb53 } from '../../../../nodes/FourSee/trigger/hash';
import { readAnomalies } from '../../../../nodes/FourSee/trigger/engine';
import { CLOCK_SKEW_MS, ingestPage, newStream, recordKey, settle, startRead } from '../../../../nodes/FourSee/trigger/watermark';
import { FakeApi, iso, T0 } from './fakeApi';
import { Poller, settings } from './helpers';

describe('record keys', () => {
	it('uses the id when a record has one', () => {
		expect(recordKey('gps:t1', { id: 'r-9', timestamp: iso(1) })).toBe('ir-9');
		expect(recordKey('gps:t1', { id: 42 })).toBe('i42');
	});

	it('hashes stream and content when there is no id, whatever the field order', () => {
		const a = recordKey('gps:t1', { timestamp: iso(1), latitude: 1, nested: { b: 1, a: 2 } });
		const b = recordKey('gps:t1', { nested: { a: 2, b: 1 }, latitude: 1, timestamp: iso(1) });
		expect(a).toBe(b);
		expect(recordKey('gps:t2', { timestamp: iso(1), latitude: 1, nested: { b: 1, a: 2 } })).not.toBe(a);
		expect(recordKey('gps:t1', { timestamp: iso(1), latitude: 2, nested: { b: 1, a: 2 } })).not.toBe(a);
	});

	it('canonical JSON sorts keys at every depth and hashes are stable', () => {
		expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
		expect(cyrb53('hello')).toBe(cyrb53('hello'));
		expect(cyrb53('hello')).not.toBe(cyrb53('hellp'));
	});
});

describe('watermark', () => {
	it('emits records sharing a timestamp across page boundaries exactly once', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		// Five records at one second, three at the next: every page boundary falls inside a tie.
		api.add('t1', ...[1, 2, 3, 4, 5].map((v) => ({ timestamp: iso(10), v })));
		api.add('t1', ...[6, 7, 8].map((v) => ({ timestamp: iso(11), v })));
		const poller = new Poller(api, settings());
		await poller.poll();
		expect(poller.values()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		await poller.poll();
		expect(poller.values()).toHaveLength(8);
	});

	it('emits a late record inside the lateness window once, and new records after it', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(0), v: 'a' }, { timestamp: iso(600), v: 'b' });
		const poller = new Poller(api, settings());
		await poller.poll();
		// Uploaded late: 10 minutes older than the newest record seen, inside a 15-minute window.
		api.add('t1', { timestamp: iso(5), v: 'late' }, { timestamp: iso(700), v: 'c' });
		await poller.poll();
		await poller.poll();
		expect(poller.values()).toEqual(['a', 'b', 'late', 'c']);
	});

	it('does not emit a record older than the window (documented limit), nor replay others', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(0), v: 'a' }, { timestamp: iso(3600), v: 'b' });
		const poller = new Poller(api, settings());
		await poller.poll();
		api.add('t1', { timestamp: iso(60), v: 'too late' }, { timestamp: iso(3700), v: 'c' });
		await poller.poll();
		expect(poller.values()).toEqual(['a', 'b', 'c']);
	});

	it('treats two identical id-less records on one page as two, and each is emitted once', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.add('t1', { timestamp: iso(1), v: 'same' }, { timestamp: iso(1), v: 'same' }, { timestamp: iso(2), v: 'x' });
		const poller = new Poller(api, settings());
		await poller.poll();
		await poller.poll();
		expect(poller.values()).toEqual(['same', 'same', 'x']);
		expect(new Set(poller.emitted.map((e) => e.key)).size).toBe(3);
	});

	it('keeps state that survives a JSON round trip and resumes after a restart without duplicates', async () => {
		const api = new FakeApi();
		api.add('t1', ...[1, 2, 3].map((v) => ({ timestamp: iso(v), v })));
		const first = new Poller(api, settings());
		await first.poll();
		// A new process: nothing shared but the stored JSON text.
		const second = new Poller(api, settings());
		second.stored = JSON.parse(JSON.stringify(first.stored));
		api.add('t1', { timestamp: iso(3), v: 3.5 }, { timestamp: iso(4), v: 4 });
		await second.poll();
		expect(second.values()).toEqual([3.5, 4]);
	});

	it('prunes keys behind the window and caps them, raising the floor so nothing replays', () => {
		const stream = { floor: 0, keys: {} as Record<string, number>, seen: 1 };
		const read = startRead('gps:t1', stream, 60_000, { type: 'none' });
		const records = Array.from({ length: 40 }, (_, i) => ({ timestamp: iso(Math.floor(i / 4)), v: i }));
		expect(ingestPage(stream, records, read, 1000).accepted).toHaveLength(40);
		settle(stream, 60_000, 10);
		const kept = Object.values(stream.keys);
		expect(kept.length).toBeLessThanOrEqual(10);
		// Whole timestamps are evicted, and the floor sits above every evicted one.
		expect(stream.floor).toBeGreaterThan(Math.max(...records.map((r) => Date.parse(r.timestamp)).filter((t) => !kept.includes(t))));
		const again = startRead('gps:t1', stream, 60_000, { type: 'none' });
		expect(ingestPage(stream, records, again, 1000).accepted).toHaveLength(0);
	});

	it('drops keys older than the lateness window', async () => {
		const api = new FakeApi();
		api.add('t1', ...Array.from({ length: 30 }, (_, i) => ({ timestamp: iso(i * 60), v: i })));
		const poller = new Poller(api, settings({ latenessMs: 5 * 60_000 }));
		await poller.poll();
		await poller.poll();
		const state = poller.stored as { streams: Record<string, { keys: Record<string, number> }> };
		// Newest record at 29 min; a 5-minute window keeps 24..29.
		expect(Object.keys(state.streams.t1.keys)).toHaveLength(6);
		expect(poller.values()).toHaveLength(30);
	});
});

describe('what 4SEE sends that its contract rules out', () => {
	const NOW = T0 + 3 * 3600_000;
	const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

	it('a record 4 minutes ahead (clock skew) is an ordinary record; 6 minutes ahead is future', () => {
		const stream = newStream(T0, 1);
		const read = startRead('gps:t1', stream, 15 * 60_000, { type: 'none' }, NOW);
		const result = ingestPage(stream, [{ timestamp: at(4), v: 'skew' }, { timestamp: at(6), v: 'ahead' }], read, 100);
		expect(result.accepted.map((a) => [a.record.v, a.future])).toEqual([
			['skew', undefined],
			['ahead', true],
		]);
		expect(stream.watermark).toBe(Date.parse(at(4)));
	});

	it('a record stamped in 2099 is emitted once, flagged, and does not move the watermark (never past now + 5 minutes)', async () => {
		const api = new FakeApi();
		api.pageSize = 3;
		api.add('t1', { timestamp: at(-30), v: 'a' }, { timestamp: at(-20), v: 'b' }, { timestamp: '2099-01-01T00:00:00.000Z', v: 'future' });
		const poller = new Poller(api, settings({ start: { mode: 'date', date: at(-60) } }), NOW);
		const first = await poller.poll();
		expect(poller.values()).toEqual(['a', 'b', 'future']);
		expect(first.items.find((i) => i.record.v === 'future')?.meta.futureTimestamp).toBe(true);
		expect(first.items.filter((i) => i.meta.futureTimestamp === true)).toHaveLength(1);
		expect(first.warnings.join(' ')).toMatch(/1 record\(s\) of t1 stamped more than 5 minutes in the future/);
		const stream = (poller.stored as { streams: Record<string, { watermark: number }> }).streams.t1;
		expect(stream.watermark).toBe(Date.parse(at(-20)));
		expect(stream.watermark).toBeLessThanOrEqual(NOW + CLOCK_SKEW_MS);
		// Time goes on, ordinary records keep flowing, the future one is never emitted again.
		for (let step = 1; step <= 6; step++) {
			poller.nowMs = NOW + step * 10 * 60_000;
			api.add('t1', { timestamp: new Date(poller.nowMs - 60_000).toISOString(), v: `later-${step}` });
			const outcome = await poller.poll();
			expect(outcome.items.map((i) => i.record.v)).toEqual([`later-${step}`]);
			expect(outcome.warnings).toEqual([]);
		}
		expect(poller.values().filter((v) => v === 'future')).toHaveLength(1);
	});

	it('a page served newest first is put in order: with Max Items 2 all five records come, once each, over the polls', async () => {
		const api = new FakeApi();
		api.pageSize = 5;
		api.add('t1', ...[1, 2, 3, 4, 5].map((v) => ({ timestamp: at(-10 + v), v: `r${v}` })));
		const ordered = api.readPage.bind(api);
		api.readPage = async (...args) => {
			const page = await ordered(...args);
			return { ...page, records: [...page.records].reverse() };
		};
		const poller = new Poller(api, settings({ start: { mode: 'date', date: at(-60) }, maxItems: 2 }), NOW);
		const warnings: string[] = [];
		for (let i = 0; i < 5; i++) warnings.push(...(await poller.poll()).warnings);
		expect(poller.values()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
		// Said once for the stream, not on every poll that meets it.
		expect(warnings.filter((w) => /out of time order/.test(w))).toEqual([
			expect.stringMatching(/^4SEE sent the records of t1 out of time order \(4 older than one before them\)/),
		]);
	});

	it('records older than one served before them on an earlier page are still emitted once within the window', () => {
		const stream = newStream(T0, 1);
		const read = startRead('gps:t1', stream, 15 * 60_000, { type: 'none' }, NOW);
		const page1 = ingestPage(stream, [{ timestamp: at(-5), v: 'c' }, { timestamp: at(-4), v: 'd' }], read, 100);
		const page2 = ingestPage(stream, [{ timestamp: at(-8), v: 'a' }, { timestamp: at(-4), v: 'd' }, { timestamp: at(-6), v: 'b' }], read, 100);
		expect([...page1.accepted, ...page2.accepted].map((a) => a.record.v)).toEqual(['c', 'd', 'a', 'b']);
		expect(page2.disordered).toBe(2);
		expect(page2.skipped).toBe(0);
	});

	it('records older than the read start that were never emitted are counted, not dropped silently', () => {
		const stream = newStream(T0, 1);
		stream.watermark = NOW;
		stream.keys = { known: NOW - 40 * 60_000 };
		const read = startRead('gps:t1', stream, 15 * 60_000, { type: 'none' }, NOW);
		const result = ingestPage(stream, [{ timestamp: at(-40), v: 'old' }, { timestamp: at(-1), v: 'new' }], read, 100);
		expect(result.accepted.map((a) => a.record.v)).toEqual(['new']);
		expect(result.skipped).toBe(1);
		expect(readAnomalies('t1', stream, result).join(' ')).toMatch(/1 record\(s\) of t1 older than the late records window; they were skipped/);
	});

	it('records without a timestamp, served again on every page, are emitted once each, flagged, and never move the cursor', async () => {
		const api = new FakeApi();
		api.pageSize = 2;
		api.add('t1', ...[1, 2, 3].map((v) => ({ timestamp: at(-10 + v), v: `r${v}` })));
		const untimed = [{ v: 'u1', note: 'no clock' }, { v: 'u2', timestamp: 'not a time' }];
		const served = api.readPage.bind(api);
		api.readPage = async (...args) => {
			const page = await served(...args);
			return { ...page, records: [...untimed, ...page.records] };
		};
		const poller = new Poller(api, settings({ start: { mode: 'date', date: at(-60) } }), NOW);
		const warnings: string[] = [];
		for (let step = 0; step < 12; step++) {
			poller.nowMs = NOW + step * 60_000;
			if (step > 0) api.add('t1', { timestamp: new Date(poller.nowMs - 30_000).toISOString(), v: `later-${step}` });
			const outcome = await poller.poll();
			warnings.push(...outcome.warnings);
			for (const item of outcome.items) expect(item.meta.noTimestamp === true).toBe(String(item.record.v).startsWith('u'));
		}
		const values = poller.values();
		expect(values.filter((v) => v === 'u1')).toHaveLength(1);
		expect(values.filter((v) => v === 'u2')).toHaveLength(1);
		expect(new Set(values).size).toBe(values.length);
		expect(values).toHaveLength(2 + 3 + 11);
		expect(warnings).toEqual([expect.stringMatching(/^4SEE sent 2 record\(s\) of t1 without a readable timestamp; each was emitted once/)]);
		const stream = (poller.stored as { streams: Record<string, { watermark: number }> }).streams.t1;
		// The cursor is the newest timed record's time: the untimed ones did not move it.
		expect(stream.watermark).toBe(NOW + 11 * 60_000 - 30_000);
	});
});
