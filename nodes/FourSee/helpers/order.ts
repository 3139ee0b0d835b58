/**
 * Time order of telemetry records, checked rather than assumed: 4SEE is expected to serve them
 * oldest first, but nothing guarantees it, and a record's place in a page must not decide
 * whether it is emitted. Shared by the action node's time paging and the trigger.
 */
import { recordTimeMs, type JsonObject } from '../api';

export interface Timed<R> {
	record: R;
	/** The record's time in ms, undefined when it has no readable timestamp. */
	t?: number;
}

/**
 * The records oldest first; records without a readable timestamp first of all (they have no
 * place in time), and records of equal time in the order they were served.
 */
export function inTimeOrder<R extends JsonObject>(records: R[]): Array<Timed<R>> {
	return records
		.map((record, index) => ({ record, t: recordTimeMs(record), index }))
		.sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity) || a.index - b.index)
		.map(({ record, t }) => ({ record, t }));
}

/**
 * Counts the records served older than one served before them (equal times are normal: records
 * share timestamps). `top` is the newest time met so far, carried from page to page.
 */
export function countDisorder(records: JsonObject[], top: number | undefined): { disordered: number; top?: number } {
	let disordered = 0;
	let newest = top;
	for (const record of records) {
		const t = recordTimeMs(record);
		if (t === undefined) continue;
		if (newest !== undefined && t < newest) disordered++;
		else newest = t;
	}
	return { disordered, top: newest };
}
