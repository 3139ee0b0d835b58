import { KM_PER_MILE, RECORD_FIELDS, SIMPLIFIED_FIELDS, type RecordKind } from '../api';

type Json = Record<string, unknown>;

/** km/h to mph, to one decimal, as a person reads a speedometer. */
export function kphToMph(kph: number): number {
	return Math.round((kph / KM_PER_MILE) * 10) / 10;
}

/**
 * The record reduced to its kind's documented fields (api.ts SIMPLIFIED_FIELDS), in that order;
 * GPS positions also get `speedMph` beside `speedKph`. A record with none of those fields is
 * returned as it is: Simplify must never turn data into an empty item.
 */
export function simplifyRecord(kind: RecordKind, record: Json): Json {
	const out: Json = {};
	for (const field of SIMPLIFIED_FIELDS[kind]) {
		if (!Object.prototype.hasOwnProperty.call(record, field) || record[field] === undefined) continue;
		out[field] = record[field];
		const value = record[field];
		if (kind === 'gps' && field === RECORD_FIELDS.speed && typeof value === 'number' && Number.isFinite(value)) {
			out.speedMph = kphToMph(value);
		}
	}
	return Object.keys(out).length === 0 ? record : out;
}
