/**
 * The composite watermark of one stream: the newest record time processed, plus the keys of the
 * records processed inside the lateness window behind it.
 *
 * Each read starts at `max(floor, wm - lateness)`, so records that share a timestamp across a
 * page boundary, and records uploaded late (within the window), are served again; the keys tell
 * which of them were already emitted. Keys older than the window are pruned, and a hard cap per
 * stream keeps memory bounded even for a very chatty stream: when it bites, the oldest
 * timestamps are dropped whole and the floor is raised past them, so nothing is emitted twice.
 */
import { RECORD_ID_FIELD, recordTimeMs } from '../api';
import { applyFilter, filterSignature } from './filters';
import { canonicalJson, cyrb53 } from './hash';
import type { Filter, StreamState } from './types';

/** Upper bound on remembered keys per stream. */
export const MAX_KEYS_PER_STREAM = 5000;

export function newStream(floor: number, cycle: number): StreamState {
	return { floor, keys: {}, seen: cycle };
}

/** Earliest record time (ms) the next read of this stream needs. */
export function readFrom(stream: StreamState, latenessMs: number): number {
	if (stream.wm === undefined) return stream.floor;
	return Math.max(stream.floor, stream.wm - latenessMs);
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
	const id = record[RECORD_ID_FIELD];
	const base =
		typeof id === 'string' || typeof id === 'number'
			? `i${String(id)}`
			: `h${cyrb53(`${streamKey}\n${canonicalJson(record)}`)}`;
	return occurrence > 1 ? `${base}#${occurrence}` : base;
}

export interface ReadContext {
	streamKey: string;
	latenessMs: number;
	filter: Filter;
	/** Lowest record time this read accepts; computed once when the read starts. */
	lowBound: number;
}

export function startRead(streamKey: string, stream: StreamState, latenessMs: number, filter: Filter): ReadContext {
	return {
		streamKey,
		latenessMs,
		filter,
		lowBound: readFrom(stream, latenessMs),
	};
}

export interface Accepted {
	record: Record<string, unknown>;
	key: string;
	detail?: Record<string, unknown>;
}

export interface IngestResult {
	accepted: Accepted[];
	/** True when the item cap stopped the page before its end: the page must be read again. */
	cut: boolean;
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
	if (stream.fsig !== fsig) {
		stream.fsig = fsig;
		delete stream.f;
	}
	for (const record of records) {
		const t = recordTimeMs(record) ?? stream.wm ?? read.lowBound;
		// Servers return records at or after the start we asked for; anything older was either
		// processed already (its key may be pruned) or is before the start point.
		if (t < read.lowBound) continue;
		const base = recordKey(read.streamKey, record);
		const occurrence = (occurrences.get(base) ?? 0) + 1;
		occurrences.set(base, occurrence);
		const key = occurrence > 1 ? `${base}#${occurrence}` : base;
		if (key in stream.keys) continue;
		const result = applyFilter(read.filter, record, t, stream.f);
		if (result.pass && accepted.length >= room) return { accepted, cut: true };
		stream.keys[key] = t;
		if (stream.wm === undefined || t > stream.wm) stream.wm = t;
		if (result.state === undefined) delete stream.f;
		else stream.f = result.state;
		if (result.pass) accepted.push({ record, key, detail: result.detail });
	}
	return { accepted, cut: false };
}

/** Drops keys that fell out of the window, and enforces the per-stream cap. */
export function settle(stream: StreamState, latenessMs: number, maxKeys = MAX_KEYS_PER_STREAM): void {
	if (stream.wm === undefined) return;
	const horizon = stream.wm - latenessMs;
	let entries = Object.entries(stream.keys).filter(([, t]) => t >= horizon);
	if (entries.length > maxKeys) {
		entries.sort((a, b) => a[1] - b[1]);
		// Evict whole timestamps: keeping some keys of a timestamp while raising the floor past it
		// would be pointless, and keeping the floor below it would replay the evicted ones.
		const cutTime = entries[entries.length - maxKeys - 1][1];
		entries = entries.filter(([, t]) => t > cutTime);
		stream.floor = Math.max(stream.floor, cutTime + 1);
	}
	stream.keys = Object.fromEntries(entries);
}
