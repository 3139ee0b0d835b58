/**
 * The migration of stored states: every field of a version 1 state lands under its version 2
 * name with its value, optional fields stay absent, and what cannot be read is not read.
 */
import { STATE_VERSION, upgradeState } from '../../../../nodes/FourSee/trigger/migrate';
import type { TriggerState } from '../../../../nodes/FourSee/trigger/types';

/** A version 1 state with every field that version wrote. */
function fullV1(): Record<string, unknown> {
	return {
		v: 1,
		sig: 'deviceTelemetry|relative:24',
		startMs: 1_000,
		streams: {
			d1: {
				floor: 1_000,
				wm: 5_000,
				keys: { i1: 4_000, h2: 5_000 },
				untimed: ['habc'],
				unordered: true,
				resume: 'page-2',
				paging: { n: 3, tokens: ['t1', 't2'], top: 4_500 },
				ctx: { fleetId: 'f1', trailerId: 'tr1' },
				seen: 7,
				fsig: '{"type":"threshold"}',
				f: { t: 5_000, x: 12.5 },
				failures: 2,
				lastError: '4SEE answered 500',
				reason: 'server',
			},
			d2: { floor: 1_000, keys: {}, seen: 7, fsig: '{"type":"geofence"}', f: { t: 4_000, inside: true } },
			d3: { floor: 1_000, keys: {}, seen: 6, fsig: '{"type":"fieldChange"}', f: { t: 3_000, value: '"on"' } },
		},
		gone: { d9: 3_000 },
		cycle: {
			n: 7,
			scope: '{"event":"deviceTelemetry","fleet":"f1"}',
			queue: [
				{ t: 'l', src: { of: 'fleetTrailers', id: 'f1' }, next: 'p2', ctx: { fleetId: 'f1' } },
				{ t: 'l', src: { of: 'deliverSafeUnits' } },
				{ t: 's', id: 'd1', ctx: { fleetId: 'f1', trailerId: 'tr1' } },
				{ t: 's', id: 'd2' },
			],
			listFailed: true,
			early: true,
		},
	};
}

describe('upgrading a stored state', () => {
	it('version 1: every field lands under its version 2 name, with its value', () => {
		const expected: TriggerState = {
			v: 2,
			settingsSignature: 'deviceTelemetry|relative:24',
			startMs: 1_000,
			streams: {
				d1: {
					floor: 1_000,
					watermark: 5_000,
					keys: { i1: 4_000, h2: 5_000 },
					untimed: ['habc'],
					unordered: true,
					resume: 'page-2',
					paging: { stalledPages: 3, tokens: ['t1', 't2'], newest: 4_500 },
					ctx: { fleetId: 'f1', trailerId: 'tr1' },
					seen: 7,
					filterSignature: '{"type":"threshold"}',
					filterState: { time: 5_000, number: 12.5 },
					failures: 2,
					lastError: '4SEE answered 500',
					reason: 'server',
				},
				d2: { floor: 1_000, keys: {}, seen: 7, filterSignature: '{"type":"geofence"}', filterState: { time: 4_000, inside: true } },
				d3: { floor: 1_000, keys: {}, seen: 6, filterSignature: '{"type":"fieldChange"}', filterState: { time: 3_000, value: '"on"' } },
			},
			gone: { d9: 3_000 },
			cycle: {
				n: 7,
				scope: '{"event":"deviceTelemetry","fleet":"f1"}',
				queue: [
					{ kind: 'listing', src: { of: 'fleetTrailers', id: 'f1' }, next: 'p2', ctx: { fleetId: 'f1' } },
					{ kind: 'listing', src: { of: 'deliverSafeUnits' } },
					{ kind: 'stream', id: 'd1', ctx: { fleetId: 'f1', trailerId: 'tr1' } },
					{ kind: 'stream', id: 'd2' },
				],
				listFailed: true,
				early: true,
			},
		};
		// Strict: no key of version 1 is left behind, none is added with an undefined value.
		expect(JSON.parse(JSON.stringify(upgradeState(fullV1())))).toStrictEqual(expected);
		expect(Object.keys(upgradeState(fullV1())?.streams.d2 ?? {}).sort()).toEqual(['filterSignature', 'filterState', 'floor', 'keys', 'seen']);
	});

	it('version 1: optional fields that were absent stay absent', () => {
		const v1 = {
			v: 1,
			sig: 'gpsPosition|now',
			startMs: 1_000,
			streams: { t1: { floor: 1_000, keys: {}, seen: 1 }, t2: { floor: 1_000, keys: {}, seen: 1, paging: { n: 0, tokens: [] } } },
			gone: {},
			cycle: { n: 1, scope: '', queue: [] },
		};
		const upgraded = upgradeState(v1) as TriggerState;
		expect(upgraded.streams.t1).toStrictEqual({ floor: 1_000, keys: {}, seen: 1 });
		expect(upgraded.streams.t2.paging).toStrictEqual({ stalledPages: 0, tokens: [] });
		expect(upgraded.cycle).toStrictEqual({ n: 1, scope: '', queue: [] });
		expect(Object.keys(upgraded).sort()).toEqual(['cycle', 'gone', 'settingsSignature', 'startMs', 'streams', 'v']);
	});

	it('version 2 is read as it is', () => {
		const v2 = upgradeState(fullV1());
		expect(upgradeState(JSON.parse(JSON.stringify(v2)))).toEqual(v2);
		expect(STATE_VERSION).toBe(2);
	});

	it('never touches what it was given, and hands back a copy', () => {
		const v1 = fullV1();
		const before = JSON.stringify(v1);
		const upgraded = upgradeState(v1) as TriggerState;
		upgraded.streams.d1.keys.i9 = 9_000;
		expect(JSON.stringify(v1)).toBe(before);

		const v2 = JSON.parse(JSON.stringify(upgradeState(fullV1()))) as TriggerState;
		const copy = upgradeState(v2) as TriggerState;
		copy.cycle.queue.pop();
		expect(v2.cycle.queue).toHaveLength(4);
	});

	it('a stream id `__proto__` stays a stream', () => {
		const v1 = JSON.parse('{"v":1,"sig":"gpsPosition|now","startMs":0,"streams":{"__proto__":{"floor":0,"keys":{},"seen":1,"wm":5}},"gone":{},"cycle":{"n":1,"scope":"","queue":[]}}') as unknown;
		const upgraded = upgradeState(v1) as TriggerState;
		expect(Object.keys(upgraded.streams)).toEqual(['__proto__']);
		expect(Object.getOwnPropertyDescriptor(upgraded.streams, '__proto__')?.value).toMatchObject({ watermark: 5 });
	});

	it.each([
		['nothing stored', undefined],
		['an empty object (what n8n holds before the first poll)', {}],
		['no version at all (no version of the package wrote one)', { sig: 'gpsPosition|now', startMs: 0, streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: [] } }],
		['a version from a newer package', { v: 3, settingsSignature: 'gpsPosition|now', startMs: 0, streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: [] } }],
		['version 1 without its signature', { v: 1, startMs: 0, streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: [] } }],
		['version 2 under version 1 keys', { v: 2, sig: 'gpsPosition|now', startMs: 0, streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: [] } }],
		['a queue that is not a list', { v: 2, settingsSignature: 'gpsPosition|now', startMs: 0, streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: {} } }],
		['no start', { v: 1, sig: 'gpsPosition|now', streams: {}, gone: {}, cycle: { n: 0, scope: '', queue: [] } }],
		['a string', 'v1'],
		['a list', [1]],
	])('%s: not read (the trigger starts afresh)', (_what, stored) => {
		expect(upgradeState(stored)).toBeUndefined();
	});
});
