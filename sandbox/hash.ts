/**
 * Deterministic hashing for on-demand data: every generated value is a pure function of
 * (seed, stream, index), so nothing has to be stored and any record can be produced directly.
 */

/** FNV-1a of a string, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/** Mixes integers (any safe integer, negative allowed) into an unsigned 32-bit hash. */
export function mix(a: number, b = 0, c = 0, d = 0, e = 0): number {
	let h = 0x9e3779b9;
	h = fold(h, a);
	h = fold(h, b);
	h = fold(h, c);
	h = fold(h, d);
	h = fold(h, e);
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

function fold(h: number, value: number): number {
	const lo = value >>> 0;
	const hi = Math.floor(value / 4294967296) >>> 0;
	h = Math.imul(h ^ lo, 0xcc9e2d51);
	h = (h << 15) | (h >>> 17);
	h = Math.imul(h ^ hi, 0x1b873593);
	h = (h << 13) | (h >>> 19);
	return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** A float in [0, 1) from the same inputs as `mix`. */
export function unit(a: number, b = 0, c = 0, d = 0, e = 0): number {
	return mix(a, b, c, d, e) / 4294967296;
}

/** Salts that keep the different uses of the hash independent of each other. */
export const SALT = {
	fleetRegion: 1,
	fleetKind: 2,
	fleetCreated: 3,
	trailerActive: 10,
	trailerMake: 11,
	trailerYear: 12,
	trailerVin: 13,
	trailerPhase: 14,
	tripCity: 15,
	tripDwell: 16,
	tripCruise: 17,
	deviceActive: 20,
	deviceSerial: 21,
	deviceFirmware: 22,
	deviceInstalled: 23,
	unitStatus: 30,
	recordNoise: 40,
	recordNoise2: 41,
	slotJitter: 42,
	dupPeriod: 43,
	lights: 50,
	abs: 51,
	absCode: 52,
	tire: 53,
	door: 54,
	tamper: 55,
	battery: 56,
} as const;
