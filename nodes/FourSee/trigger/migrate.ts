/**
 * Reading the trigger's stored state whatever version of the package wrote it. n8n keeps the
 * state in the workflow's static data across upgrades, so a trigger resumes from a state an
 * earlier version wrote: each version's shape is mapped, field by field, onto today's, and the
 * poll that read it stores today's. Pure functions over plain (JSON-parsed) data; the input is
 * never modified.
 *
 * Versions:
 * - 1: terse keys (`sig`, a stream's `wm`, `fsig` and `f`, a task's `t: 's' | 'l'`, a filter
 *   state's `t` and `x`, paging's `n` and `top`).
 * - 2: the same content under readable keys (types.ts).
 *
 * A state of no version this code knows (none stored, unreadable, a version from a newer
 * package, or no `v` at all, which no version ever wrote) is not read: the trigger starts
 * afresh, as it always did with a state it could not read.
 */
import type { FilterState, PagingState, StreamState, Task, TriggerState } from './types';

/** The version of the stored state this code writes. */
export const STATE_VERSION: TriggerState['v'] = 2;

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The stored state as today's version, a deep copy; undefined when it cannot be read (see
 * above), or when its outline (signature, start, streams, the cycle's queue) is not there.
 */
export function upgradeState(stored: unknown): TriggerState | undefined {
	if (!isPlain(stored)) return undefined;
	// A deep copy: the engine mutates what it continues from, and must not touch what n8n holds.
	const copy = JSON.parse(JSON.stringify(stored)) as Plain;
	switch (copy.v) {
		case 1:
			return hasOutline(copy, 'sig') ? fromV1(copy) : undefined;
		case 2:
			return hasOutline(copy, 'settingsSignature') ? (copy as unknown as TriggerState) : undefined;
		default:
			return undefined;
	}
}

/** What every version has and the engine relies on; the rest is read leniently, as it always was. */
function hasOutline(state: Plain, signatureKey: string): boolean {
	return (
		typeof state[signatureKey] === 'string' &&
		typeof state.startMs === 'number' &&
		typeof state.streams === 'object' &&
		isPlain(state.cycle) &&
		Array.isArray(state.cycle.queue)
	);
}

/** Version 1 -> 2: the same content under readable keys. */
export function fromV1(state: Plain): TriggerState {
	const { sig, streams, cycle, ...rest } = state;
	const { queue, ...cycleRest } = cycle as Plain;
	return {
		...rest,
		v: STATE_VERSION,
		settingsSignature: sig,
		streams: mapEntries(streams, streamFromV1),
		cycle: { ...cycleRest, queue: (queue as unknown[]).map(taskFromV1) },
	} as unknown as TriggerState;
}

/**
 * The entries of a map of ids, each mapped; an own `__proto__` entry stays an entry (see
 * helpers/maps.ts). Anything but an object is kept as it was.
 */
function mapEntries(map: unknown, mapValue: (value: unknown) => unknown): unknown {
	if (!isPlain(map)) return map;
	const mapped = Object.create(null) as Plain;
	for (const [key, value] of Object.entries(map)) mapped[key] = mapValue(value);
	return mapped;
}

/** Sets `to` to `value` unless it is absent, so optional fields stay absent. */
function put(target: Plain, to: string, value: unknown): void {
	if (value !== undefined) target[to] = value;
}

function streamFromV1(stream: unknown): unknown {
	if (!isPlain(stream)) return stream;
	const { wm, fsig, f, paging, ...rest } = stream;
	const upgraded: Plain = { ...rest };
	put(upgraded, 'watermark' satisfies keyof StreamState, wm);
	put(upgraded, 'filterSignature' satisfies keyof StreamState, fsig);
	put(upgraded, 'filterState' satisfies keyof StreamState, filterStateFromV1(f));
	put(upgraded, 'paging' satisfies keyof StreamState, pagingFromV1(paging));
	return upgraded;
}

function filterStateFromV1(state: unknown): unknown {
	if (!isPlain(state)) return state;
	const { t, x, ...rest } = state;
	const upgraded: Plain = { ...rest };
	put(upgraded, 'time' satisfies keyof FilterState, t);
	put(upgraded, 'number' satisfies keyof FilterState, x);
	return upgraded;
}

function pagingFromV1(paging: unknown): unknown {
	if (!isPlain(paging)) return paging;
	const { n, top, ...rest } = paging;
	const upgraded: Plain = { ...rest };
	put(upgraded, 'stalledPages' satisfies keyof PagingState, n);
	put(upgraded, 'newest' satisfies keyof PagingState, top);
	return upgraded;
}

function taskFromV1(task: unknown): unknown {
	if (!isPlain(task)) return task;
	const { t, ...rest } = task;
	if (t === 's') return { kind: 'stream' satisfies Task['kind'], ...rest };
	if (t === 'l') return { kind: 'listing' satisfies Task['kind'], ...rest };
	return task;
}
