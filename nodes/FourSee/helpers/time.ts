/**
 * Pure parsing of the time inputs users give telemetry operations and the trigger: dates and
 * times typed in the picker, expressions that resolve to strings, numbers, JS Dates or Luxon
 * DateTimes, and relative windows ("last N hours"). Free of n8n context so it is easy to test;
 * `FieldError` names the parameter so the node can raise a NodeOperationError with it.
 */
import { DateTime } from 'luxon';

export class FieldError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'FieldError';
	}
}

/**
 * Every time the node reads goes through luxon, the date library n8n itself uses for `$now`,
 * its date picker and its expressions: n8n provides it to community packages (it is on the
 * community lint's allowed imports and never one of our runtime dependencies), so a zone-less
 * picker value here means exactly the instant it means in n8n's own nodes, daylight-saving
 * changes included.
 *
 * Daylight-saving edges (luxon's rules, the same n8n applies to its own expressions):
 * - a wall-clock time that does not exist (the hour skipped in spring) moves forward by the
 *   size of the gap, so 02:30 on a spring-forward night in Chicago reads as 03:30 CDT;
 * - a wall-clock time that happens twice (the hour repeated in autumn) reads as its second
 *   occurrence, in standard time; write an offset (`-05:00`) to pick the first.
 */
function textReaders(zone: string): Array<(text: string) => DateTime> {
	return [
		(text) => DateTime.fromISO(text, { zone }),
		// "2026-01-31 08:00:00": ISO with a space, as spreadsheets and SQL tools write it.
		(text) => DateTime.fromSQL(text, { zone }),
		(text) => DateTime.fromRFC2822(text, { zone }),
		(text) => DateTime.fromHTTP(text, { zone }),
		// What JavaScript's `String(new Date())` gives, e.g. from an expression in a Code node.
		(text) =>
			DateTime.fromFormat(text.replace(/\s*\([^)]*\)$/, ''), "EEE MMM dd yyyy HH:mm:ss 'GMT'ZZZ", {
				zone,
				locale: 'en-US',
			}),
	];
}

function readText(text: string, zone: string): DateTime | undefined {
	for (const read of textReaders(zone)) {
		const time = read(text);
		if (time.isValid) return time;
	}
	return undefined;
}

function isUsableZone(zone: string): boolean {
	return DateTime.now().setZone(zone).isValid;
}

/**
 * Reads text that must name its own instant when the zone is unusable: such text reads the
 * same in any two zones (it carries `Z` or an offset), anything else would be a guess.
 */
function readTextWithoutZone(text: string): DateTime | undefined {
	const inUtc = readText(text, 'utc');
	const elsewhere = readText(text, 'UTC+5');
	return inUtc && elsewhere && inUtc.toMillis() === elsewhere.toMillis() ? inUtc : undefined;
}

function toDate(time: DateTime | undefined): Date | undefined {
	if (time === undefined || !time.isValid) return undefined;
	const date = time.toJSDate();
	return Number.isFinite(date.getTime()) ? date : undefined;
}

/**
 * Reads a point in time. Strings are ISO-8601 (what n8n's date picker, `$now` and `$today`
 * produce), ISO with a space instead of `T`, RFC 2822, an HTTP date or JavaScript's own date
 * text; one written without `Z` or an offset is taken in `timeZone` (the workflow's time zone,
 * as n8n's own nodes do) and in UTC when none is given, never in the server's zone. An unknown
 * `timeZone` makes such a value unreadable rather than silently shifted. Numbers are epoch
 * time: 10-digit values are taken as seconds (what many APIs and spreadsheets hold), larger
 * ones as milliseconds.
 */
export function parseDateTime(value: unknown, timeZone?: string): Date | undefined {
	if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : undefined;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return undefined;
		return toDate(Math.abs(value) < 1e11 ? DateTime.fromSeconds(value) : DateTime.fromMillis(value));
	}
	if (typeof value === 'string') {
		const text = value.trim();
		if (text === '') return undefined;
		if (/^-?\d+(\.\d+)?$/.test(text)) return parseDateTime(Number(text));
		const zone = timeZone ?? 'utc';
		return toDate(isUsableZone(zone) ? readText(text, zone) : readTextWithoutZone(text));
	}
	if (DateTime.isDateTime(value)) return toDate(value);
	if (value !== null && typeof value === 'object') {
		// Luxon DateTimes of another copy of luxon and other look-alikes.
		const candidate = value as { toJSDate?: () => unknown; toISO?: () => unknown };
		if (typeof candidate.toJSDate === 'function') return parseDateTime(candidate.toJSDate());
		if (typeof candidate.toISO === 'function') return parseDateTime(candidate.toISO());
	}
	return undefined;
}

/**
 * Milliseconds since epoch of a time a server sent (a record's timestamp, a stored start
 * point, an HTTP date): epoch milliseconds as a number, or text as parseDateTime reads it in
 * UTC (the API's zone). Lenient guesses are refused: JavaScript's own parser reads "1" as a
 * date in 2001, this reads it as nothing.
 */
export function parseTimestamp(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string') return undefined;
	const text = value.trim();
	if (text === '' || /^-?\d+(\.\d+)?$/.test(text)) return undefined;
	return toDate(readText(text, 'utc'))?.getTime();
}

/** The instant `hours` before `nowMs` (fractions allowed): relative windows and start points. */
export function hoursBefore(nowMs: number, hours: number): number {
	return DateTime.fromMillis(nowMs).minus({ hours }).toMillis();
}

export type TimeRangeMode = 'lastHours' | 'between';

export interface TimeRangeInput {
	mode: TimeRangeMode | string;
	lastHours?: unknown;
	start?: unknown;
	end?: unknown;
	/** Time zone of dates written without `Z` or an offset (the workflow's). */
	timeZone?: string;
}

export interface TimeWindow {
	start: Date;
	end: Date;
}

/** Display names of the fields, used in error messages so the user knows what to fix. */
const TIME_FIELD_NAMES = {
	mode: 'Time Range',
	lastHours: 'Last Hours',
	start: 'Start',
	end: 'End',
} as const;

/**
 * Resolves a time range to an absolute window. A relative window ends at `nowMs`; an absolute
 * one needs a start and ends at `end` or, when left empty, at `nowMs`. Start after end is an
 * error here, before any request is made.
 */
export function resolveTimeWindow(input: TimeRangeInput, nowMs: number): TimeWindow {
	const now = new Date(nowMs);
	if (input.mode === 'lastHours') {
		const hours = typeof input.lastHours === 'string' ? Number(input.lastHours) : input.lastHours;
		if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0) {
			throw new FieldError(
				TIME_FIELD_NAMES.lastHours,
				`'${TIME_FIELD_NAMES.lastHours}' must be a number of hours greater than 0 (got ${describeValue(input.lastHours)})`,
			);
		}
		return { start: new Date(hoursBefore(nowMs, hours)), end: now };
	}
	if (input.mode !== 'between') {
		throw new FieldError(TIME_FIELD_NAMES.mode, `Unknown '${TIME_FIELD_NAMES.mode}': ${describeValue(input.mode)}`);
	}
	const start = parseDateTime(input.start, input.timeZone);
	if (start === undefined) {
		throw new FieldError(
			TIME_FIELD_NAMES.start,
			`'${TIME_FIELD_NAMES.start}' is not a date and time this node can read (got ${describeValue(input.start)}); use an ISO-8601 value such as 2026-01-31T08:00:00Z`,
		);
	}
	const endEmpty = input.end === undefined || input.end === null || input.end === '';
	const end = endEmpty ? now : parseDateTime(input.end, input.timeZone);
	if (end === undefined) {
		throw new FieldError(
			TIME_FIELD_NAMES.end,
			`'${TIME_FIELD_NAMES.end}' is not a date and time this node can read (got ${describeValue(input.end)}); use an ISO-8601 value such as 2026-01-31T18:00:00Z, or leave it empty for now`,
		);
	}
	if (start.getTime() > end.getTime()) {
		throw new FieldError(
			TIME_FIELD_NAMES.start,
			`'${TIME_FIELD_NAMES.start}' (${start.toISOString()}) is after '${TIME_FIELD_NAMES.end}' (${end.toISOString()})`,
		);
	}
	return { start, end };
}

/** A short, safe rendering of a user value for error messages. */
export function describeValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (typeof value === 'string') return value === '' ? 'an empty value' : `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
	if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
	return String(value);
}
