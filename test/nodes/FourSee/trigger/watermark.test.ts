import { canonicalJson, cyrb53 } from '../../../../nodes/FourSee/trigger/hash';
import { ingestPage, recordKey, settle, startRead } from '../../../../nodes/FourSee/trigger/watermark';
import { FakeApi, iso } from './fakeApi';
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
