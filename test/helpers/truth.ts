/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Emitted records against the sandbox's ground truth: how many were lost, duplicated, or are not
 * in the truth at all. Records are compared by their canonical JSON, so field order is ignored
 * and a record emitted twice shows as a count of 2. Used by the trigger's sandbox tests, the
 * fault matrix and the benchmark.
 */
import { canonicalJson } from '../../nodes/FourSee/helpers/canonicalJson';

type Json = Record<string, unknown>;

export interface Difference {
	lost: number;
	duplicated: number;
	unexpected: number;
}

/** How many times each canonical record occurs. */
export function tally(records: Iterable<Json>, counts = new Map<string, number>()): Map<string, number> {
	for (const record of records) {
		const key = canonicalJson(record);
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return counts;
}

/** Compares two tallies: what was emitted (`got`) and what should have been (`want`). */
export function difference(got: Map<string, number>, want: Map<string, number>): Difference {
	let lost = 0;
	let duplicated = 0;
	let unexpected = 0;
	for (const [key, n] of want) {
		const g = got.get(key) ?? 0;
		if (g < n) lost += n - g;
		if (g > n) duplicated += g - n;
	}
	for (const [key, n] of got) if (!want.has(key)) unexpected += n;
	return { lost, duplicated, unexpected };
}

export function compareRecords(emitted: Json[], expected: Json[]): Difference {
	return difference(tally(emitted), tally(expected));
}

/** A trigger item without the `fourSee` metadata the node adds: the record as 4SEE sent it. */
export function withoutMeta(item: Json): Json {
	const { fourSee: _meta, ...record } = item;
	return record;
}
