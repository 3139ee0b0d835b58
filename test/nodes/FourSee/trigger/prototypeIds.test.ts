/**
 * Ids are data from 4SEE or from the user: ones named after members of `Object.prototype` are
 * ordinary ids (listed, read, emitted, remembered across restarts) and never reach the prototype.
 */
import { isValidId } from '../../../../nodes/FourSee/api';
import { flattenRecord } from '../../../../nodes/FourSee/helpers/flatten';
import { readField } from '../../../../nodes/FourSee/trigger/filters';
import type { TriggerState } from '../../../../nodes/FourSee/trigger/types';
import { FakeApi, iso } from './fakeApi';
import { Poller, settings } from './helpers';

export const PROTOTYPE_IDS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

function expectPrototypeUntouched(): void {
	expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PRISTINE);
	expect(({} as Record<string, unknown>).seen).toBeUndefined();
	expect(({} as Record<string, unknown>).keys).toBeUndefined();
}
const PRISTINE = Object.getOwnPropertyNames(Object.prototype).sort();

describe('ids named after Object.prototype members', () => {
	afterEach(expectPrototypeUntouched);

	test.each(PROTOTYPE_IDS)('%s is a valid id', (id) => {
		expect(isValidId(id)).toBe(true);
	});

	it('a fleet listing them: every one is read and emitted once, also after restarts and when they leave and return', async () => {
		const api = new FakeApi();
		api.lists.set('fleetTrailers:f1', PROTOTYPE_IDS.map((id) => ({ id })));
		for (const id of PROTOTYPE_IDS) api.add(id, { timestamp: iso(1), v: `${id}-1` });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', fleet: 'f1' } }));
		const first = await poller.poll();
		expect(first.error).toBeUndefined();
		expect(first.items.map((i) => i.meta.trailerId)).toEqual(PROTOTYPE_IDS);
		for (const id of PROTOTYPE_IDS) api.add(id, { timestamp: iso(2), v: `${id}-2` });
		await poller.poll();
		await poller.poll();
		expect(poller.values().sort()).toEqual(PROTOTYPE_IDS.flatMap((id) => [`${id}-1`, `${id}-2`]).sort());

		// Stored state is plain JSON with each id as an own key.
		const stored = poller.stored as TriggerState;
		expect(Object.keys(stored.streams).sort()).toEqual([...PROTOTYPE_IDS].sort());
		expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);

		// They leave, then come back: nothing they had emitted is replayed.
		api.lists.set('fleetTrailers:f1', []);
		await poller.poll();
		await poller.poll();
		expect(Object.keys((poller.stored as TriggerState).gone).sort()).toEqual([...PROTOTYPE_IDS].sort());
		api.lists.set('fleetTrailers:f1', PROTOTYPE_IDS.map((id) => ({ id })));
		for (const id of PROTOTYPE_IDS) api.add(id, { timestamp: iso(3), v: `${id}-3` });
		await poller.poll();
		await poller.poll();
		expect(poller.values().filter((v) => String(v).endsWith('-3'))).toHaveLength(PROTOTYPE_IDS.length);
		expect(poller.values()).toHaveLength(PROTOTYPE_IDS.length * 3);
	});

	it('typed-in trailer ids poll like any other', async () => {
		const api = new FakeApi();
		for (const id of PROTOTYPE_IDS) api.add(id, { timestamp: iso(1), v: id });
		const poller = new Poller(api, settings({ scope: { event: 'gpsPosition', trailers: PROTOTYPE_IDS } }));
		const outcome = await poller.poll();
		expect(outcome.error).toBeUndefined();
		expect(outcome.failures).toEqual([]);
		expect(poller.values()).toEqual(PROTOTYPE_IDS);
	});

	it('records whose ids make prototype-named keys are emitted once each', async () => {
		const api = new FakeApi();
		// Record keys are 'i' + id: these make 'isPrototypeOf', 'i__proto__', ...
		const recordIds = ['sPrototypeOf', '__proto__', 'constructor', 'hasOwnProperty', 'toString'];
		api.add('t1', ...recordIds.map((id, n) => ({ id, timestamp: iso(1 + n), v: id })));
		const poller = new Poller(api, settings());
		await poller.poll();
		await poller.poll();
		expect(poller.values()).toEqual(recordIds);
	});

	it('a record field named after a prototype member is flattened and read as its own', () => {
		const record = JSON.parse('{"__proto__":{"x":1},"constructor":2,"a":{"toString":3}}') as Record<string, unknown>;
		const flat = flattenRecord(record as never);
		expect(Object.keys(flat)).toEqual(['__proto__.x', 'constructor', 'a.toString']);
		expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
		const nested = flattenRecord(JSON.parse('{"__proto__":{}}') as never);
		expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
		expect(Object.keys(nested)).toEqual(['__proto__']);
		expect(readField({ a: 1 }, 'constructor')).toBeUndefined();
		expect(readField({ a: 1 }, 'a.toString')).toBeUndefined();
		expect(readField(record, 'a.toString')).toBe(3);
	});
});
