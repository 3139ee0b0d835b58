import { applyFilter, haversineMeters, readField } from '../../../../nodes/FourSee/trigger/filters';
import type { Filter, FilterState } from '../../../../nodes/FourSee/trigger/types';
import { FakeApi, iso } from './fakeApi';
import { Poller, settings } from './helpers';

function run(filter: Filter, records: Array<Record<string, unknown>>) {
	let state: FilterState | undefined;
	const passed: Array<Record<string, unknown> | undefined> = [];
	records.forEach((record, i) => {
		const result = applyFilter(filter, record, i * 1000, state);
		state = result.state;
		passed.push(result.pass ? (result.detail ?? {}) : undefined);
	});
	return passed;
}

describe('filters', () => {
	it('haversine gives known distances', () => {
		// One degree of latitude is about 111.2 km.
		expect(haversineMeters(0, 0, 1, 0)).toBeCloseTo(111_195, -2);
		expect(haversineMeters(42.0, -87.0, 42.0, -87.0)).toBe(0);
	});

	it('geofence fires on entering and on leaving, not while inside, not on the first fix', () => {
		const fence: Filter = { type: 'geofence', latitude: 42, longitude: -87, radiusMeters: 1000, on: 'both' };
		const inside = { latitude: 42.001, longitude: -87 };
		const outside = { latitude: 42.05, longitude: -87 };
		const passed = run(fence, [outside, outside, inside, inside, outside, inside]);
		expect(passed.map((p) => p?.transition)).toEqual([undefined, undefined, 'enter', undefined, 'leave', 'enter']);
		const enterOnly = run({ ...fence, on: 'enter' }, [outside, inside, outside]);
		expect(enterOnly.map((p) => p?.transition)).toEqual([undefined, 'enter', undefined]);
		expect(run(fence, [inside, outside])[1]).toMatchObject({ transition: 'leave', distanceMeters: expect.any(Number) });
	});

	it('speed above a threshold passes every fix above it', () => {
		const passed = run({ type: 'speedAbove', kph: 90 }, [{ speedKph: 80 }, { speedKph: 95 }, { speedKph: 91 }, { speedKph: 90 }]);
		expect(passed.map(Boolean)).toEqual([false, true, true, false]);
	});

	it('field change fires on the edge: a light going out fires once, not on every reading', () => {
		const change: Filter = { type: 'fieldChange', field: 'lights.stop' };
		const readings = ['ok', 'ok', 'out', 'out', 'out', 'ok'].map((stop) => ({ lights: { stop } }));
		const passed = run(change, readings);
		expect(passed).toEqual([undefined, undefined, { field: 'lights.stop', from: 'ok', to: 'out' }, undefined, undefined, { field: 'lights.stop', from: 'out', to: 'ok' }]);
	});

	it('threshold crossing fires when the value crosses, per direction', () => {
		const values = [35, 31, 29, 28, 30.5, 25].map((psi) => ({ psi }));
		const below = run({ type: 'threshold', field: 'psi', value: 30, direction: 'below' }, values);
		expect(below.map(Boolean)).toEqual([false, false, true, false, false, true]);
		const either = run({ type: 'threshold', field: 'psi', value: 30, direction: 'either' }, values);
		expect(either.map((p) => p?.crossed)).toEqual([undefined, undefined, 'below', undefined, 'above', 'below']);
	});

	it('DeliverSafe event types pass only the chosen ones (none chosen: all)', () => {
		const events = ['door_opened', 'door_closed', 'tamper'].map((event) => ({ event }));
		expect(run({ type: 'events', events: ['door_opened', 'tamper'] }, events).map(Boolean)).toEqual([true, false, true]);
		expect(run({ type: 'events', events: [] }, events).map(Boolean)).toEqual([true, true, true]);
	});

	it('a late (older) record neither fires an edge nor moves the state', () => {
		const change: Filter = { type: 'fieldChange', field: 'v' };
		let result = applyFilter(change, { v: 'a' }, 10, undefined);
		result = applyFilter(change, { v: 'b' }, 5, result.state);
		expect(result.pass).toBe(false);
		expect(result.state).toEqual({ time: 10, value: '"a"' });
	});

	it('reads dotted paths and fields literally named with a dot', () => {
		expect(readField({ a: { b: 1 } }, 'a.b')).toBe(1);
		expect(readField({ 'a.b': 2 }, 'a.b')).toBe(2);
	});

	it('filter state lives in the stream state: an edge is not lost or repeated across polls', async () => {
		const api = new FakeApi();
		api.add('d1', { timestamp: iso(1), stop: 'ok' }, { timestamp: iso(2), stop: 'ok' });
		const poller = new Poller(api, settings({ scope: { event: 'deviceTelemetry', devices: ['d1'] }, filter: { type: 'fieldChange', field: 'stop' } }));
		await poller.poll();
		api.add('d1', { timestamp: iso(3), stop: 'out' });
		const outcome = await poller.poll();
		expect(outcome.items[0].meta.filter).toEqual({ field: 'stop', from: 'ok', to: 'out' });
		api.add('d1', { timestamp: iso(4), stop: 'out' }, { timestamp: iso(5), stop: 'out' });
		await poller.poll();
		expect(poller.values('stop')).toEqual(['out']);
	});
});
