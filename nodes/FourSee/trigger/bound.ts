/**
 * An upper bound on the trigger's whole stored state. n8n writes a trigger's static data back to
 * its database on every poll that emits, so it must stay small whatever the fleet and the late
 * records window: the keys each stream remembers are capped per stream, but 5,000 trailers with
 * a window of a day would still remember about 200 MB. When the state outgrows the bound, the
 * keys of the oldest part of the window are forgotten, across all streams, oldest first: each
 * stream forgets whole timestamps and raises its floor past them, so nothing is emitted twice;
 * the price is that records arriving later than that are no longer caught (said in n8n's log).
 */
import type { TriggerState } from './types';

/** The largest stored state, in characters of JSON (about bytes: ids and keys are ASCII). */
export const MAX_STATE_CHARS = 5_000_000;

/** Shrinking goes this far below the bound, so it does not happen again on every poll. */
const SHRINK_TO = 0.8;

export interface Shrink {
	/** State size (JSON characters) before and after. */
	before: number;
	after: number;
	/** Streams that forgot keys, and how many keys in all. */
	streams: number;
	keys: number;
	/** Oldest record time (ms) the shrunk streams still catch, at least (undefined: none shrunk by time). */
	oldestKept?: number;
}

/** `"key":1767225600000,` as it stands in the JSON. */
function entryChars(key: string, t: number): number {
	return JSON.stringify(key).length + String(t).length + 2;
}

/**
 * Forgets the oldest remembered keys until the state's JSON is within `maxChars` (with room to
 * spare), or there are no keys left to forget. Mutates `state`; returns what it did, or
 * undefined when the state was within the bound.
 */
export function boundState(state: TriggerState, maxChars = MAX_STATE_CHARS): Shrink | undefined {
	const before = JSON.stringify(state).length;
	if (before <= maxChars) return undefined;
	let excess = before - Math.floor(maxChars * SHRINK_TO);
	const entries: Array<{ id: string; key: string; t: number }> = [];
	for (const [id, stream] of Object.entries(state.streams)) {
		for (const [key, t] of Object.entries(stream.keys)) entries.push({ id, key, t });
	}
	entries.sort((a, b) => a.t - b.t);
	// Per stream, the newest time whose keys are forgotten (whole timestamps go together).
	const cut = new Map<string, number>();
	for (const entry of entries) {
		if (excess <= 0 && cut.get(entry.id) !== entry.t) break;
		cut.set(entry.id, entry.t);
		excess -= entryChars(entry.key, entry.t);
	}
	let keys = 0;
	for (const [id, cutTime] of cut) {
		const stream = state.streams[id];
		for (const [key, t] of Object.entries(stream.keys)) {
			if (t > cutTime) continue;
			delete stream.keys[key];
			keys++;
		}
		stream.floor = Math.max(stream.floor, cutTime + 1);
	}
	if (excess > 0) {
		// Still too big: the remembered records without a timestamp go too, oldest first.
		for (const stream of Object.values(state.streams)) {
			if (stream.untimed === undefined || excess <= 0) continue;
			const half = Math.ceil(stream.untimed.length / 2);
			for (const key of stream.untimed.splice(0, half)) excess -= JSON.stringify(key).length + 1;
			keys += half;
		}
	}
	const after = JSON.stringify(state).length;
	return {
		before,
		after,
		streams: cut.size,
		keys,
		oldestKept: cut.size === 0 ? undefined : Math.min(...[...cut.values()].map((t) => t + 1)),
	};
}

/** The warning for n8n's log when the state was shrunk. */
export function shrinkWarning(shrink: Shrink, maxChars = MAX_STATE_CHARS): string {
	const mb = (chars: number) => `${(chars / 1_000_000).toFixed(1)} MB`;
	return (
		`The trigger's stored state reached its limit of ${mb(maxChars)} (${mb(shrink.before)}): it forgot the ${shrink.keys} oldest record keys of the late records window on ${shrink.streams} stream(s), ` +
		`so records older than ${shrink.oldestKept === undefined ? 'those' : new Date(shrink.oldestKept).toISOString()} arriving late on them are no longer caught (${mb(shrink.after)} now). Nothing is emitted twice. ` +
		"Lower 'Late Records Window (Minutes)', or split the fleet across several triggers, to keep the whole window."
	);
}
