/**
 * Filters that save executions. Stateful ones (geofence crossing, field change, threshold
 * crossing) fire on the edge, not the level: "light went out" once, not on every reading. Their
 * state is part of the stream state, so it survives restarts and is committed with the cursor.
 *
 * A record older than the one the state reflects (a late upload) cannot say what changed
 * "next", so it does not move the state and does not fire an edge filter.
 */
import { RECORD_FIELDS } from '../api';
import { hasKey } from '../helpers/maps';
import { canonicalJson } from '../helpers/canonicalJson';
import type { Filter, FilterState } from './types';

export interface FilterResult {
	pass: boolean;
	state: FilterState | undefined;
	detail?: Record<string, unknown>;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
	const rad = Math.PI / 180;
	const dLat = (lat2 - lat1) * rad;
	const dLon = (lon2 - lon1) * rad;
	const a =
		Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
	return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Reads `a.b.c` from a record; a field literally named `a.b` is found too. */
export function readField(record: Record<string, unknown>, path: string): unknown {
	// Own fields only: a field named `constructor` or `__proto__` is not one the record has.
	if (hasKey(record, path)) return record[path];
	let current: unknown = record;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object' || !hasKey(current as Record<string, unknown>, part)) return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function toNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && value.trim() !== '') {
		const n = Number(value);
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

/** A short signature of the filter settings: the filter state is reset when it changes. */
export function filterSignature(filter: Filter): string {
	return canonicalJson(filter);
}

/**
 * Applies the filter to one record (time `t` ms) given the stream's filter state.
 * Returns whether to emit it and the new state (the input state is not modified).
 */
export function applyFilter(
	filter: Filter,
	record: Record<string, unknown>,
	t: number,
	state: FilterState | undefined,
): FilterResult {
	switch (filter.type) {
		case 'none':
			return { pass: true, state };
		case 'events': {
			if (filter.events.length === 0) return { pass: true, state };
			const event = record[RECORD_FIELDS.deliverSafeEvent];
			return { pass: typeof event === 'string' && filter.events.includes(event), state };
		}
		case 'speedAbove': {
			const speed = toNumber(record[RECORD_FIELDS.speed]);
			return { pass: speed !== undefined && speed > filter.kph, state };
		}
		case 'geofence': {
			const lat = toNumber(record[RECORD_FIELDS.latitude]);
			const lon = toNumber(record[RECORD_FIELDS.longitude]);
			if (lat === undefined || lon === undefined) return { pass: false, state };
			const distance = haversineMeters(filter.latitude, filter.longitude, lat, lon);
			const inside = distance <= filter.radiusMeters;
			if (state !== undefined && t < state.time) return { pass: false, state };
			const next: FilterState = { time: t, inside };
			// The first position only sets the baseline: we cannot know whether it was a crossing.
			if (state?.inside === undefined || state.inside === inside) return { pass: false, state: next };
			const transition = inside ? 'enter' : 'leave';
			const pass = filter.on === 'both' || filter.on === transition;
			return {
				pass,
				state: next,
				detail: { transition, distanceMeters: Math.round(distance) },
			};
		}
		case 'fieldChange': {
			const value = readField(record, filter.field);
			if (value === undefined) return { pass: false, state };
			if (state !== undefined && t < state.time) return { pass: false, state };
			const text = canonicalJson(value);
			const next: FilterState = { time: t, value: text };
			if (state?.value === undefined || state.value === text) return { pass: false, state: next };
			return {
				pass: true,
				state: next,
				detail: { field: filter.field, from: JSON.parse(state.value) as unknown, to: value },
			};
		}
		case 'threshold': {
			const x = toNumber(readField(record, filter.field));
			if (x === undefined) return { pass: false, state };
			if (state !== undefined && t < state.time) return { pass: false, state };
			const next: FilterState = { time: t, number: x };
			if (state?.number === undefined) return { pass: false, state: next };
			const prev = state.number;
			const up = prev <= filter.value && x > filter.value;
			const down = prev >= filter.value && x < filter.value;
			const pass =
				(filter.direction === 'above' && up) ||
				(filter.direction === 'below' && down) ||
				(filter.direction === 'either' && (up || down));
			return {
				pass,
				state: next,
				detail: pass
					? { field: filter.field, from: prev, to: x, crossed: up ? 'above' : 'below', threshold: filter.value }
					: undefined,
			};
		}
	}
}
