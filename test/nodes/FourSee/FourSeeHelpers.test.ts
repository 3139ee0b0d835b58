/**
 * The pure helpers shared by the action node and the trigger, and the node description's
 * consistency (every listed operation is routed, defaults match the transport's).
 */
import { DateTime } from 'luxon';
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { PAGING } from '../../../nodes/FourSee/api';
import { operationsByResource } from '../../../nodes/FourSee/actions/router';
import { optionsCollection } from '../../../nodes/FourSee/descriptions/common';
import { FourSee } from '../../../nodes/FourSee/FourSee.node';
import { updateDisplayOptions } from '../../../nodes/FourSee/helpers/displayOptions';
import { flattenRecord } from '../../../nodes/FourSee/helpers/flatten';
import { FieldError, parseDateTime, resolveTimeWindow } from '../../../nodes/FourSee/helpers/time';
import { MAX_RECORDS_DEFAULT, parseAdditionalQuery, parseLimit, parseRetrySettings } from '../../../nodes/FourSee/helpers/values';
import { DEFAULT_RETRY } from '../../../nodes/FourSee/transport';

const HOUR = 3_600_000;

describe('flattenRecord', () => {
	test('nested objects and arrays become dot-separated columns; leaves keep their values', () => {
		expect(
			flattenRecord({ id: 1, a: { b: { c: true } }, list: [{ x: 1 }, 'y'], empty: {}, none: null }),
		).toEqual({ id: 1, 'a.b.c': true, 'list.0.x': 1, 'list.1': 'y', empty: {}, none: null });
	});
});

describe('parseDateTime', () => {
	const iso = '2026-01-31T08:00:00.000Z';
	test.each([
		['ISO text', iso],
		['JS Date', new Date(iso)],
		['Luxon DateTime (what $now and date expressions give)', DateTime.fromISO(iso)],
		['epoch milliseconds', Date.parse(iso)],
		['epoch seconds', Date.parse(iso) / 1000],
		['epoch seconds as text', String(Date.parse(iso) / 1000)],
	])('reads %s', (_name, value) => {
		expect(parseDateTime(value)?.toISOString()).toBe(iso);
	});
	test.each([['garbage', 'next tuesday-ish'], ['empty', ''], ['object', { a: 1 }], ['NaN', NaN]])('refuses %s', (_n, value) => {
		expect(parseDateTime(value)).toBeUndefined();
	});
});

describe('parseDateTime in the workflow time zone', () => {
	test.each([
		['winter time', '2026-01-15T08:00:00', '2026-01-15T14:00:00.000Z'],
		['summer time', '2026-07-15T08:00:00', '2026-07-15T13:00:00.000Z'],
		['a date alone means its midnight', '2026-07-15', '2026-07-15T05:00:00.000Z'],
		['milliseconds kept', '2026-01-15T08:00:00.250', '2026-01-15T14:00:00.250Z'],
		['an explicit Z wins', '2026-01-15T08:00:00Z', '2026-01-15T08:00:00.000Z'],
		['an explicit offset wins', '2026-01-15T08:00:00+01:00', '2026-01-15T07:00:00.000Z'],
	])('%s', (_name, text, iso) => {
		expect(parseDateTime(text, 'America/Chicago')?.toISOString()).toBe(iso);
	});

	test('an unknown time zone makes the value unreadable rather than silently shifted', () => {
		expect(parseDateTime('2026-01-15T08:00:00', 'Mars/Olympus')).toBeUndefined();
	});
});

describe('resolveTimeWindow', () => {
	const now = Date.parse('2026-05-05T12:00:00Z');
	test('Last Hours ends now', () => {
		expect(resolveTimeWindow({ mode: 'lastHours', lastHours: 6 }, now)).toEqual({
			start: new Date(now - 6 * HOUR),
			end: new Date(now),
		});
	});
	test('Between with an empty End ends now', () => {
		expect(resolveTimeWindow({ mode: 'between', start: '2026-05-05T00:00:00Z', end: '' }, now).end).toEqual(new Date(now));
	});
	test('Start after End names Start', () => {
		expect(() =>
			resolveTimeWindow({ mode: 'between', start: '2026-05-05T10:00:00Z', end: '2026-05-05T09:00:00Z' }, now),
		).toThrow(expect.objectContaining({ field: 'Start' }) as FieldError);
	});
});

describe('parameter checks', () => {
	test('Limit: Return All means no limit; 0, fractions and text are refused', () => {
		expect(parseLimit(true, 0)).toBeUndefined();
		expect(parseLimit(false, 50)).toBe(50);
		expect(parseLimit(false, '7')).toBe(7);
		for (const bad of [0, -1, 2.5, 'x', null]) expect(() => parseLimit(false, bad)).toThrow(FieldError);
	});
	test('additional query: rows become parameters; reserved names (any case) and empty names are refused', () => {
		expect(parseAdditionalQuery({ parameter: [{ name: ' status ', value: 'armed' }] })).toEqual({ status: 'armed' });
		expect(parseAdditionalQuery(undefined)).toEqual({});
		expect(() => parseAdditionalQuery({ parameter: [{ name: 'NEXT', value: 'x' }] })).toThrow(/set by the node/);
		expect(() => parseAdditionalQuery({ parameter: [{ name: '', value: 'x' }] })).toThrow(/no name/);
	});
	test('retry settings fall back to the transport defaults', () => {
		expect(parseRetrySettings({}, DEFAULT_RETRY)).toEqual({ maxAttempts: DEFAULT_RETRY.maxAttempts, maxWaitMs: DEFAULT_RETRY.maxWaitMs });
		expect(parseRetrySettings({ retryAttempts: 2, maxWaitSeconds: 1.5 }, DEFAULT_RETRY)).toEqual({ maxAttempts: 2, maxWaitMs: 1500 });
	});
});

describe('updateDisplayOptions', () => {
	test('adds the operation conditions and keeps a property\'s own conditions', () => {
		const [prop] = updateDisplayOptions({ show: { resource: ['x'] } }, [
			{ displayName: 'A', name: 'a', type: 'string', default: '', displayOptions: { show: { mode: ['m'] } } },
		]);
		expect(prop.displayOptions).toEqual({ show: { mode: ['m'], resource: ['x'] } });
	});
});

describe('node description', () => {
	const { description } = new FourSee();
	const props = description.properties;

	test('the literal option defaults equal the transport defaults and the default page size', () => {
		const options = optionsCollection({ pageSize: true, maxRecords: true }).options as INodeProperties[];
		const byName = Object.fromEntries(options.map((o) => [o.name, o.default]));
		expect(byName.retryAttempts).toBe(DEFAULT_RETRY.maxAttempts);
		expect(byName.maxWaitSeconds).toBe(DEFAULT_RETRY.maxWaitMs / 1000);
		expect(byName.pageSize).toBe(PAGING.defaultTake);
		expect(byName.maxRecords).toBe(MAX_RECORDS_DEFAULT);
	});

	test('every operation offered in the editor is routed, and every routed one is offered, with an action label', () => {
		const resources = (props.find((p) => p.name === 'resource')?.options ?? []) as INodePropertyOptions[];
		const offered: string[] = [];
		for (const resource of resources) {
			const picker = props.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource.value));
			for (const op of (picker?.options ?? []) as INodePropertyOptions[]) {
				expect(op.action).toBeTruthy();
				offered.push(`${String(resource.value)}.${String(op.value)}`);
			}
		}
		const routed = Object.entries(operationsByResource).flatMap(([r, ops]) => Object.keys(ops).map((o) => `${r}.${o}`));
		expect(offered.sort()).toEqual(routed.sort());
		expect(offered).toHaveLength(12);
	});

	test('is usable as an AI tool', () => {
		expect(description.usableAsTool).toBe(true);
	});
});
