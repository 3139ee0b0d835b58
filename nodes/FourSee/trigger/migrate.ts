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
import { hasKey, idMap, setOwn } from '../helpers/maps';
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

/** Version 1's short keys and their version 2 names, for each kind of object in the state. */
const V1_NAMES = {
	state: { sig: 'settingsSignature' } satisfies Record<string, keyof TriggerState>,
	stream: { wm: 'watermark', fsig: 'filterSignature', f: 'filterState' } satisfies Record<string, keyof StreamState>,
	filterState: { t: 'time', x: 'number' } satisfies Record<string, keyof FilterState>,
	paging: { n: 'stalledPages', top: 'newest' } satisfies Record<string, keyof PagingState>,
};

/** Version 1's task kinds (its key `t`) and their version 2 values (key `kind`). */
const V1_TASK_KINDS: Record<string, Task['kind']> = { s: 'stream', l: 'listing' };

/** Version 1 -> 2: the same content under readable keys. */
export function fromV1(state: Plain): TriggerState {
	const upgraded = renamed(state, V1_NAMES.state) as Plain;
	upgraded.v = STATE_VERSION;
	upgraded.streams = mapEntries(state.streams, streamFromV1);
	const cycle = { ...(state.cycle as Plain) };
	cycle.queue = (cycle.queue as unknown[]).map(taskFromV1);
	upgraded.cycle = cycle;
	return upgraded as unknown as TriggerState;
}

function streamFromV1(stream: unknown): unknown {
	const upgraded = renamed(stream, V1_NAMES.stream);
	if (!isPlain(upgraded)) return upgraded;
	if (upgraded.filterState !== undefined) upgraded.filterState = renamed(upgraded.filterState, V1_NAMES.filterState);
	if (upgraded.paging !== undefined) upgraded.paging = renamed(upgraded.paging, V1_NAMES.paging);
	return upgraded;
}

function taskFromV1(task: unknown): unknown {
	if (!isPlain(task) || typeof task.t !== 'string' || !hasKey(V1_TASK_KINDS, task.t)) return task;
	const { t, ...rest } = task;
	return { kind: V1_TASK_KINDS[t], ...rest };
}

/** A copy of an object with some keys renamed (`names`: old -> new); anything else as it was. */
function renamed(value: unknown, names: Record<string, string>): unknown {
	if (!isPlain(value)) return value;
	const copy: Plain = {};
	for (const [key, field] of Object.entries(value)) setOwn(copy, hasKey(names, key) ? names[key] : key, field);
	return copy;
}

/**
 * The entries of a map of ids, each mapped; an own `__proto__` entry stays an entry (see
 * helpers/maps.ts). Anything but an object is kept as it was.
 */
function mapEntries(map: unknown, mapValue: (value: unknown) => unknown): unknown {
	if (!isPlain(map)) return map;
	return idMap(Object.entries(map).map(([key, value]) => [key, mapValue(value)] as const));
}
