/**
 * Where a trigger starts on first activation. Never the whole history unless asked for: the
 * classic failure of polling triggers is a flood of old records on the first poll.
 */
import { hoursBefore, parseTimestamp } from '../helpers/time';
import type { StartPoint } from './types';

export class StartPointError extends Error {}

/** The start point as ms since epoch; throws StartPointError for a date that cannot be read. */
export function startMs(start: StartPoint, nowMs: number): number {
	switch (start.mode) {
		case 'now':
			return nowMs;
		case 'relative': {
			if (!Number.isFinite(start.hours) || start.hours < 0) {
				throw new StartPointError('The number of hours must be zero or more');
			}
			return hoursBefore(nowMs, start.hours);
		}
		case 'date': {
			const ms = parseTimestamp(start.date);
			if (ms === undefined) throw new StartPointError(`"${start.date}" is not a date and time`);
			return ms;
		}
		case 'all':
			return 0;
	}
}

/**
 * The part of the start settings whose change restarts the trigger. A relative window is kept
 * as its setting, not as a time, so the trigger does not restart on every poll.
 */
export function startSignature(start: StartPoint): string {
	switch (start.mode) {
		case 'now':
		case 'all':
			return start.mode;
		case 'relative':
			return `relative:${start.hours}`;
		case 'date':
			return `date:${start.date}`;
	}
}
