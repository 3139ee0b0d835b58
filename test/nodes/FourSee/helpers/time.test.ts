/**
 * The node's reading of times through luxon: picker values in the workflow's zone on both sides
 * of daylight-saving changes, the forms a user or a server may write, relative windows, and the
 * time a server sends (record timestamps, stored start points, HTTP dates).
 */
import { DateTime } from 'luxon';

import { recordTimeMs } from '../../../../nodes/FourSee/api';
import { hoursBefore, parseDateTime, parseTimestamp, resolveTimeWindow } from '../../../../nodes/FourSee/helpers/time';
import { startMs } from '../../../../nodes/FourSee/trigger/start';

const iso = (value: unknown, zone?: string) => parseDateTime(value, zone)?.toISOString();

describe('picker values next to a daylight-saving change (America/Chicago, 2026)', () => {
	// Spring forward: 8 March, 02:00 CST becomes 03:00 CDT. Fall back: 1 November, 02:00 CDT becomes 01:00 CST.
	test.each([
		['the last second before spring forward is still CST (-06:00)', '2026-03-08T01:59:59', '2026-03-08T07:59:59.000Z'],
		['the first instant after it is CDT (-05:00)', '2026-03-08T03:00:00', '2026-03-08T08:00:00.000Z'],
		['a time inside the skipped hour moves forward by the gap (02:30 reads as 03:30 CDT)', '2026-03-08T02:30:00', '2026-03-08T08:30:00.000Z'],
		['before fall back it is still CDT', '2026-11-01T00:59:00', '2026-11-01T05:59:00.000Z'],
		['a time in the repeated hour reads as its second occurrence, in CST', '2026-11-01T01:30:00', '2026-11-01T07:30:00.000Z'],
		['an offset picks the first occurrence of the repeated hour', '2026-11-01T01:30:00-05:00', '2026-11-01T06:30:00.000Z'],
		['after fall back it is CST', '2026-11-01T02:00:00', '2026-11-01T08:00:00.000Z'],
		['a date alone on the spring-forward day is its midnight, in CST', '2026-03-08', '2026-03-08T06:00:00.000Z'],
		['a date alone on the fall-back day is its midnight, in CDT', '2026-11-01', '2026-11-01T05:00:00.000Z'],
	])('%s', (_name, text, expected) => {
		expect(iso(text, 'America/Chicago')).toBe(expected);
	});

	test('a Between window across the spring-forward night lasts the 23 real hours of that day', () => {
		const window = resolveTimeWindow(
			{ mode: 'between', start: '2026-03-08T00:00:00', end: '2026-03-09T00:00:00', timeZone: 'America/Chicago' },
			Date.parse('2026-04-01T00:00:00Z'),
		);
		expect((window.end.getTime() - window.start.getTime()) / 3_600_000).toBe(23);
	});

	test('a Between window across the fall-back night lasts 25 real hours', () => {
		const window = resolveTimeWindow(
			{ mode: 'between', start: '2026-11-01T00:00:00', end: '2026-11-02T00:00:00', timeZone: 'America/Chicago' },
			Date.parse('2026-12-01T00:00:00Z'),
		);
		expect((window.end.getTime() - window.start.getTime()) / 3_600_000).toBe(25);
	});

	test('the zone matters: the same wall-clock reads differently in Europe/Berlin (its own change is on 29 March)', () => {
		expect(iso('2026-03-08T02:30:00', 'Europe/Berlin')).toBe('2026-03-08T01:30:00.000Z');
		expect(iso('2026-03-29T02:30:00', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
		expect(iso('2026-03-29T03:30:00', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
	});
});

describe('forms of a written time', () => {
	test.each([
		['ISO without seconds', '2026-01-15T08:00', '2026-01-15T14:00:00.000Z'],
		['ISO with a space instead of T (spreadsheets, SQL)', '2026-01-15 08:00:00', '2026-01-15T14:00:00.000Z'],
		['RFC 2822 names its zone', 'Thu, 15 Jan 2026 08:00:00 +0000', '2026-01-15T08:00:00.000Z'],
		['an HTTP date is GMT', 'Thu, 15 Jan 2026 08:00:00 GMT', '2026-01-15T08:00:00.000Z'],
		["JavaScript's own date text names its offset", 'Thu Jan 15 2026 08:00:00 GMT+0100 (Central European Standard Time)', '2026-01-15T07:00:00.000Z'],
		['surrounding spaces are ignored', '  2026-01-15T08:00:00Z ', '2026-01-15T08:00:00.000Z'],
	])('%s', (_name, text, expected) => {
		expect(iso(text, 'America/Chicago')).toBe(expected);
	});

	test('without a workflow zone a zone-less time is UTC, never the server zone', () => {
		expect(iso('2026-01-15T08:00:00')).toBe('2026-01-15T08:00:00.000Z');
	});

	test('a DateTime in any zone keeps its instant', () => {
		const tokyo = DateTime.fromISO('2026-01-15T17:00:00', { zone: 'Asia/Tokyo' });
		expect(iso(tokyo, 'America/Chicago')).toBe('2026-01-15T08:00:00.000Z');
		expect(parseDateTime(DateTime.invalid('broken'))).toBeUndefined();
	});

	test('with an unknown workflow zone, only text that names its own offset is read', () => {
		expect(iso('2026-01-15T08:00:00+01:00', 'Mars/Olympus')).toBe('2026-01-15T07:00:00.000Z');
		expect(iso('2026-01-15T08:00:00Z', 'Mars/Olympus')).toBe('2026-01-15T08:00:00.000Z');
		expect(iso('2026-01-15T08:00:00', 'Mars/Olympus')).toBeUndefined();
	});

	test.each([['a weekday', 'tuesday'], ['a month and day', 'March 7'], ['an impossible date', '2026-02-30T08:00:00']])(
		'refuses %s',
		(_name, text) => {
			expect(parseDateTime(text, 'America/Chicago')).toBeUndefined();
		},
	);
});

describe('relative windows', () => {
	const now = Date.parse('2026-03-08T12:00:00Z');
	test('hours are real elapsed hours, also across a daylight-saving change, and fractions count', () => {
		expect(hoursBefore(now, 24)).toBe(now - 24 * 3_600_000);
		expect(hoursBefore(now, 1.5)).toBe(now - 5_400_000);
	});
	test('Last Hours and the trigger start "hours back" use the same arithmetic', () => {
		expect(resolveTimeWindow({ mode: 'lastHours', lastHours: '2.5' }, now).start.getTime()).toBe(hoursBefore(now, 2.5));
		expect(startMs({ mode: 'relative', hours: 2.5 }, now)).toBe(hoursBefore(now, 2.5));
	});
});

describe('times a server sends', () => {
	test('a record timestamp without an offset is UTC (the API zone), not the zone n8n runs in', () => {
		expect(recordTimeMs({ timestamp: '2026-11-30T12:00:00' })).toBe(Date.parse('2026-11-30T12:00:00Z'));
		expect(recordTimeMs({ timestamp: '2026-11-30T07:00:00-05:00' })).toBe(Date.parse('2026-11-30T12:00:00Z'));
	});
	test.each([
		['a bare number in text (JavaScript would read "1" as 2001)', '1'],
		['a long digit string', '1764504000000'],
		['words', 'yesterday'],
		['an object', { at: 1 }],
		['NaN', NaN],
	])('refuses %s', (_name, value) => {
		expect(parseTimestamp(value)).toBeUndefined();
	});
	test("a stored start date is read back as the instant it was saved as", () => {
		expect(startMs({ mode: 'date', date: '2026-01-15T14:00:00.000Z' }, 0)).toBe(Date.parse('2026-01-15T14:00:00Z'));
		expect(() => startMs({ mode: 'date', date: 'not a date' }, 0)).toThrow('is not a date and time');
	});
});
