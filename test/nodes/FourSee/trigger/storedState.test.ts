/**
 * The trigger's stored state is read back by every later version of the package: n8n keeps it in
 * the workflow's static data across upgrades. These are states exactly as each version of the
 * format wrote them (v1 until the keys became readable, v2 today), pinned as text: a change to
 * the stored format must still read each of them and continue with no record lost or repeated,
 * or this test fails. A new format pins what it writes beside them and keeps them all.
 */
import { upgradeState } from '../../../../nodes/FourSee/trigger/migrate';
import { FakeApi, iso } from './fakeApi';
import { Poller, settings } from './helpers';

/** After polling t1 (a1 at +10 s, a2 at +20 s, no ids) and t2 (r1 at +15 s, id r1) from T0. */
const STORED_V1 = `{
	"v": 1,
	"sig": "gpsPosition|date:2026-01-01T00:00:00.000Z",
	"startMs": 1767225600000,
	"streams": {
		"t1": {
			"floor": 1767225600000,
			"keys": { "h1unutnx8ktw": 1767225610000, "h2dtvgd25ib0": 1767225620000 },
			"seen": 2,
			"fsig": "{\\"type\\":\\"none\\"}",
			"wm": 1767225620000
		},
		"t2": {
			"floor": 1767225600000,
			"keys": { "ir1": 1767225615000 },
			"seen": 2,
			"fsig": "{\\"type\\":\\"none\\"}",
			"wm": 1767225615000
		}
	},
	"gone": {},
	"cycle": { "n": 2, "scope": "{\\"event\\":\\"gpsPosition\\",\\"trailers\\":[\\"t1\\",\\"t2\\"]}", "queue": [] }
}`;

/** The same state as STORED_V1, as version 2 writes it: readable keys. */
const STORED_V2 = `{
	"v": 2,
	"settingsSignature": "gpsPosition|date:2026-01-01T00:00:00.000Z",
	"startMs": 1767225600000,
	"streams": {
		"t1": {
			"floor": 1767225600000,
			"keys": { "h1unutnx8ktw": 1767225610000, "h2dtvgd25ib0": 1767225620000 },
			"seen": 2,
			"filterSignature": "{\\"type\\":\\"none\\"}",
			"watermark": 1767225620000
		},
		"t2": {
			"floor": 1767225600000,
			"keys": { "ir1": 1767225615000 },
			"seen": 2,
			"filterSignature": "{\\"type\\":\\"none\\"}",
			"watermark": 1767225615000
		}
	},
	"gone": {},
	"cycle": { "n": 2, "scope": "{\\"event\\":\\"gpsPosition\\",\\"trailers\\":[\\"t1\\",\\"t2\\"]}", "queue": [] }
}`;

/** 4SEE serves the old records again beside the new ones: a0 uploaded late, a3 and r2 new. */
function apiWithNewRecords(): FakeApi {
	const api = new FakeApi();
	api.add('t1', { timestamp: iso(5), v: 'a0' }, { timestamp: iso(10), v: 'a1' }, { timestamp: iso(20), v: 'a2' }, { timestamp: iso(30), v: 'a3' });
	api.add('t2', { id: 'r1', timestamp: iso(15), v: 'r1' }, { id: 'r2', timestamp: iso(25), v: 'r2' });
	return api;
}

describe('a stored state of an earlier poll', () => {
	it('continues: what it emitted stays emitted, what came since (late too) is emitted once', async () => {
		const api = new FakeApi();
		// 4SEE serves the old records again beside the new ones: a0 uploaded late, a3 and r2 new.
		api.add('t1', { timestamp: iso(5), v: 'a0' }, { timestamp: iso(10), v: 'a1' }, { timestamp: iso(20), v: 'a2' }, { timestamp: iso(30), v: 'a3' });
		api.add('t2', { id: 'r1', timestamp: iso(15), v: 'r1' }, { id: 'r2', timestamp: iso(25), v: 'r2' });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ['t1', 't2'] } }));
		poller.stored = JSON.parse(STORED_V1);

		await poller.pollUntilIdle();

		expect([...poller.values()].sort()).toEqual(['a0', 'a3', 'r2']);
		const again = await poller.poll();
		expect(again.items).toEqual([]);
		// Upgraded on the first poll: what is stored now is today's version.
		expect(poller.stored).toMatchObject({ v: 2, settingsSignature: 'gpsPosition|date:2026-01-01T00:00:00.000Z' });
	});

	it('continues from version 2 (readable keys) the same way', async () => {
		const poller = new Poller(apiWithNewRecords(), settings({ scope: { event: 'gpsPosition', trailers: ['t1', 't2'] } }));
		poller.stored = JSON.parse(STORED_V2);

		await poller.pollUntilIdle();

		expect([...poller.values()].sort()).toEqual(['a0', 'a3', 'r2']);
		const again = await poller.poll();
		expect(again.items).toEqual([]);
	});

	it('version 1 and version 2 hold the same state: read back, they are equal', () => {
		expect(upgradeState(JSON.parse(STORED_V1))).toEqual(JSON.parse(STORED_V2));
	});

	it('the pinned v2 text is what today\'s version writes for those records', async () => {
		const api = new FakeApi();
		api.add('t1', { timestamp: iso(10), v: 'a1' }, { timestamp: iso(20), v: 'a2' });
		api.add('t2', { id: 'r1', timestamp: iso(15), v: 'r1' });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: ['t1', 't2'] } }));
		await poller.pollUntilIdle();
		expect(poller.values()).toEqual(['a1', 'a2', 'r1']);
		// While the format is today's, a fresh run writes exactly the pinned state.
		expect(poller.stored).toEqual(JSON.parse(STORED_V2));
	});
});
