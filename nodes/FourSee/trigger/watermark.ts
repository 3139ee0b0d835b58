/**
 * The composite watermark of one stream: the newest record time processed, plus the keys of the
 * records processed inside the lateness window behind it.
 *
 * Each read starts at `max(floor, watermark - lateness)`, so records that share a timestamp across a
 * page boundary, and records uploaded late (within the window), are served again; the keys tell
 * which of them were already emitted. Keys older than the window are pruned, and a hard cap per
 * stream keeps memory bounded even for a very chatty stream: when it bites, the oldest
 * timestamps are dropped whole and the floor is raised past them, so nothing is emitted twice.
 *
 * Every byte 4SEE sends is untrusted, timestamps and their order included: a record stamped in
 * the future (a device with a wrong clock), beyond a small allowance for clock skew, does not
 * move the watermark at all, so the stream does not freeze until the wall clock catches up; a page served out of time order is put in order before it is processed, so the item cap
 * never cuts it between records it has not met yet; a record without a readable timestamp is
 * emitted once, remembered by its content (or id), and moves no cursor.
 */
import { recordId } from '../api';
import { countDisorder, inTimeOrder } from '../helpers/order';
import { applyFilter, filterSignature } from './filters';
import { canonicalJson } from '../helpers/canonicalJson';
import { cyrb53 } from './hash';
import { hasKey, idMap } from '../helpers/maps';
import type { Filter, StreamState } from './types';

/** Upper bound on remembered keys per stream. */
const MAX_KEYS_PER_STREAM = 5000;

/** How far ahead of this machine's clock a record may be stamped before it counts as future. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Upper bound on remembered keys of records without a timestamp, per stream (oldest go first). */
const MAX_UNTIMED_KEYS_PER_STREAM = 1000;

export function newStream(floor: number, cycle: number): StreamState {
	return { floor, keys: idMap(), seen: cycle };
}

/** Earliest record time (ms) the next read of this stream needs. */
function readFrom(stream: StreamState, latenessMs: number): number {
	if (stream.watermark === undefined) return stream.floor;
	return Math.max(stream.floor, stream.watermark - latenessMs);
}

/**
 * The key of a record: its id if it has one, else a hash of the stream and its content. A second
 * record with exactly the same content on the same page gets `#2`, and so on, so that true
 * repeats are not mistaken for one record served twice. Occurrences are counted per page because
 * a page that starts at a timestamp serves again the records of that timestamp that the previous
 * page already had; identical id-less records split by a page boundary cannot be told from such a
 * repeat and are emitted once.
 */
export function recordKey(streamKey: string, record: Record<string, unknown>, occurrence = 1): string {
	const id = recordId(record);
	const base = id !== undefined ? `i${id}` : `h${cyrb53(`${streamKey}\n${canonicalJson(record)}`)}`;
	return occurrence > 1 ? `${base}#${occurrence}` : base;
}

export interface ReadContext {
	streamKey: string;
	latenessMs: number;
	filter: Filter;
	/** Lowest record time this read accepts; computed once when the read starts. */
	lowBound: number;
	/** Records stamped after this (now plus the clock-skew allowance) are future: they move no cursor. */
	wmCeiling: number;
	/** Newest record time met in this read, as served (to tell when 4SEE's order breaks). */
	top?: number;
}

export function startRead(
	streamKey: string,
	stream: StreamState,
	latenessMs: number,
	filter: Filter,
	nowMs = Number.POSITIVE_INFINITY,
): ReadContext {
	return {
		streamKey,
		latenessMs,
		filter,
		lowBound: readFrom(stream, latenessMs),
		wmCeiling: nowMs + CLOCK_SKEW_MS,
	};
}

export interface Accepted {
	record: Record<string, unknown>;
	key: string;
	detail?: Record<string, unknown>;
	/** Stamped later than now plus the clock-skew allowance. */
	future?: true;
	/** No readable timestamp: emitted once, by its content (or id). */
	untimed?: true;
}

export interface IngestResult {
	accepted: Accepted[];
	/** True when the item cap stopped the page before its end: the page must be read again. */
	cut: boolean;
	/** Records served older than one served before them in this read (4SEE's order broken). */
	disordered: number;
	/** Records older than the read's start that had not been emitted: skipped, to be reported. */
	skipped: number;
	/** Records met for the first time (emitted or filtered out): the read made progress. */
	fresh: number;
}

function rememberUntimed(stream: StreamState, key: string, max = MAX_UNTIMED_KEYS_PER_STREAM): void {
	const keys = stream.untimed ?? [];
	keys.push(key);
	if (keys.length > max) keys.splice(0, keys.length - max);
	stream.untimed = keys;
}

/**
 * Processes one page of records (oldest first) into `stream` (mutated; callers pass a copy).
 * At most `room` records are accepted; a record that would exceed it is left unprocessed so it
 * is met again by the next read.
 */
export function ingestPage(
	stream: StreamState,
	records: Array<Record<string, unknown>>,
	read: ReadContext,
	room: number,
): IngestResult {
	const accepted: Accepted[] = [];
	const occurrences = new Map<string, number>();
	const fsig = filterSignature(read.filter);
	if (stream.filterSignature !== fsig) {
		stream.filterSignature = fsig;
		delete stream.filterState;
	}
	const order = countDisorder(records, read.top);
	read.top = order.top;
	const disordered = order.disordered;
	let skipped = 0;
	let fresh = 0;
	const done = (cut: boolean): IngestResult => ({ accepted, cut, disordered, skipped, fresh });
	for (const { record, t: own } of inTimeOrder(records)) {
		const base = recordKey(read.streamKey, record);
		const occurrence = (occurrences.get(base) ?? 0) + 1;
		occurrences.set(base, occurrence);
		const key = occurrence > 1 ? `${base}#${occurrence}` : base;
		if (own === undefined) {
			if (stream.untimed?.includes(key) === true) continue;
			// Evaluated at the stream's current time, but it cannot move a transition filter's
			// state: it has no place in the sequence.
			const result = applyFilter(read.filter, record, stream.watermark ?? read.lowBound, stream.filterState);
			if (result.pass && accepted.length >= room) return done(true);
			rememberUntimed(stream, key);
			fresh++;
			if (result.pass) accepted.push({ record, key, detail: result.detail, untimed: true });
			continue;
		}
		// Servers return records at or after the start we asked for; anything older was either
		// processed already (its key may be pruned) or came later than the late-records window.
		if (own < read.lowBound) {
			if (!hasKey(stream.keys, key)) skipped++;
			continue;
		}
		if (hasKey(stream.keys, key)) continue;
		const future = own > read.wmCeiling;
		const result = applyFilter(read.filter, record, future ? read.wmCeiling : own, stream.filterState);
		if (result.pass && accepted.length >= room) return done(true);
		// The key keeps the record's own time, so it is remembered as long as it lies ahead.
		stream.keys[key] = own;
		fresh++;
		// A future record moves nothing: raised to it (or even to now), the cursor would pass
		// records not read yet (a backlog, a clock behind ours) and they would never be asked for.
		if (!future) {
			if (stream.watermark === undefined || own > stream.watermark) stream.watermark = own;
			if (result.state === undefined) delete stream.filterState;
			else stream.filterState = result.state;
		}
		const item: Accepted = { record, key, detail: result.detail };
		if (future) item.future = true;
		if (result.pass) accepted.push(item);
	}
	return done(false);
}

/** Drops keys that fell out of the window, and enforces the per-stream cap. */
export function settle(stream: StreamState, latenessMs: number, maxKeys = MAX_KEYS_PER_STREAM): void {
	if (stream.watermark === undefined) return;
	const horizon = stream.watermark - latenessMs;
	let entries = Object.entries(stream.keys).filter(([, t]) => t >= horizon);
	if (entries.length > maxKeys) {
		entries.sort((a, b) => a[1] - b[1]);
		// Evict whole timestamps: keeping some keys of a timestamp while raising the floor past it
		// would be pointless, and keeping the floor below it would replay the evicted ones.
		const cutTime = entries[entries.length - maxKeys - 1][1];
		entries = entries.filter(([, t]) => t > cutTime);
		stream.floor = Math.max(stream.floor, cutTime + 1);
	}
	stream.keys = idMap(entries);
}
