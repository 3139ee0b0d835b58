/**
 * Pure parsing of the time inputs users give telemetry operations and the trigger: dates and
 * times typed in the picker, expressions that resolve to strings, numbers, JS Dates or Luxon
 * DateTimes, and relative windows ("last N hours"). Free of n8n context so it is easy to test;
 * `FieldError` names the parameter so the node can raise a NodeOperationError with it.
 */

export class FieldError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'FieldError';
	}
}

const HOUR_MS = 3_600_000;

/** A date, or date and time, written without `Z` or an offset: what n8n's date picker stores. */
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * Milliseconds a wall-clock time in `timeZone` lies ahead of UTC at the instant `utcMs`.
 * Uses Intl (built into Node), so no time-zone library is needed.
 */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
	}).formatToParts(new Date(utcMs));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
	return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The instant a zone-less date/time means in `timeZone` (n8n's rule for its date picker). */
function fromLocalDateTime(match: RegExpExecArray, timeZone: string): Date | undefined {
	const [, y, mo, d, h = '0', mi = '0', sec = '0', ms = '0'] = match;
	const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(ms.padEnd(3, '0')));
	if (!Number.isFinite(wall)) return undefined;
	try {
		// Two passes settle the offset also next to a daylight-saving change.
		let utc = wall - zoneOffsetMs(wall, timeZone);
		utc = wall - zoneOffsetMs(utc, timeZone);
		return new Date(utc);
	} catch {
		return undefined;
	}
}

/**
 * Reads a point in time. Strings must be a date the JS parser understands (ISO-8601 is what
 * n8n's date picker and `$now` produce); a date/time written without `Z` or an offset is taken
 * in `timeZone` when given (the workflow's time zone, as n8n's own nodes do). Numbers are epoch
 * time: 10-digit values are taken as seconds (what many APIs and spreadsheets hold), larger
 * ones as milliseconds.
 */
export function parseDateTime(value: unknown, timeZone?: string): Date | undefined {
	if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : undefined;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return undefined;
		const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
		const date = new Date(ms);
		return Number.isFinite(date.getTime()) ? date : undefined;
	}
	if (typeof value === 'string') {
		const text = value.trim();
		if (text === '') return undefined;
		if (/^-?\d+(\.\d+)?$/.test(text)) return parseDateTime(Number(text));
		const local = timeZone ? LOCAL_DATE_TIME.exec(text) : null;
		if (local) return fromLocalDateTime(local, timeZone as string);
		const ms = Date.parse(text);
		return Number.isFinite(ms) ? new Date(ms) : undefined;
	}
	if (value !== null && typeof value === 'object') {
		// Luxon DateTime (what `$now`, `$today` and DateTime expressions give) and look-alikes.
		const candidate = value as { toJSDate?: () => unknown; toISO?: () => unknown };
		if (typeof candidate.toJSDate === 'function') return parseDateTime(candidate.toJSDate());
		if (typeof candidate.toISO === 'function') return parseDateTime(candidate.toISO());
	}
	return undefined;
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
export const TIME_FIELD_NAMES = {
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
				`'${TIME_FIELD_NAMES.lastHours}' must be a number of hours greater than 0 (got ${describe(input.lastHours)})`,
			);
		}
		return { start: new Date(nowMs - hours * HOUR_MS), end: now };
	}
	if (input.mode !== 'between') {
		throw new FieldError(TIME_FIELD_NAMES.mode, `Unknown '${TIME_FIELD_NAMES.mode}': ${describe(input.mode)}`);
	}
	const start = parseDateTime(input.start, input.timeZone);
	if (start === undefined) {
		throw new FieldError(
			TIME_FIELD_NAMES.start,
			`'${TIME_FIELD_NAMES.start}' is not a date and time this node can read (got ${describe(input.start)}); use an ISO-8601 value such as 2026-01-31T08:00:00Z`,
		);
	}
	const endEmpty = input.end === undefined || input.end === null || input.end === '';
	const end = endEmpty ? now : parseDateTime(input.end, input.timeZone);
	if (end === undefined) {
		throw new FieldError(
			TIME_FIELD_NAMES.end,
			`'${TIME_FIELD_NAMES.end}' is not a date and time this node can read (got ${describe(input.end)}); use an ISO-8601 value such as 2026-01-31T18:00:00Z, or leave it empty for now`,
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
export function describe(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (typeof value === 'string') return value === '' ? 'an empty value' : `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
	if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
	return String(value);
}
