/**
 * Telemetry streams, generated on demand, plus records appended through the control API.
 *
 * A stream is a sequence of "slots" on a fixed grid of simulated time (slot k sits at
 * k * interval plus a little jitter, so the grid is anchored to the epoch, not to the start).
 * Some slots hold two or three records with the same timestamp, which gives time-based paging
 * real page boundaries inside a timestamp. Because the number of records before a slot has a
 * closed form, the record at any index, and the first record at or after any time, are found
 * in O(1): a stream of millions of records costs no memory.
 */
import { trailerPosition, round } from './geo';
import { SALT, hashString, mix, unit } from './hash';
import { Customer, DeviceType, JsonObject, World, deviceId, pad, trailerId, unitId } from './world';

export const TELEMETRY_KINDS = ['gps', 'device', 'deliverSafe'] as const;
export type TelemetryKind = (typeof TELEMETRY_KINDS)[number];

/** The field naming a record's source, per kind. */
export const SOURCE_FIELD: Record<TelemetryKind, string> = {
	gps: 'trailerId',
	device: 'deviceId',
	deliverSafe: 'deliverSafeId',
};

export const DELIVERSAFE_EVENTS = ['door_opened', 'door_closed', 'cargo_loaded', 'cargo_empty', 'tamper'] as const;

export interface TimedRecord {
	ms: number;
	record: JsonObject;
}

interface AppendedRecord extends TimedRecord {
	seq: number;
}

/** Position in a time-based stream: the first record at or after `ms`, skipping `skip` records at exactly `ms`. */
export interface TimePosition {
	ms: number;
	skip: number;
}

export const BEGINNING: TimePosition = { ms: -8.64e15, skip: 0 };

const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseIsoTime(text: string): number | undefined {
	if (!ISO_PATTERN.test(text)) return undefined;
	const ms = Date.parse(text);
	return Number.isFinite(ms) ? ms : undefined;
}

/** Reads a time-paging `next`: an ISO time, or the `<iso>~<skip>` form this server issues. */
export function parseTimeToken(token: string): TimePosition | undefined {
	const tilde = token.lastIndexOf('~');
	const timePart = tilde < 0 ? token : token.slice(0, tilde);
	const ms = parseIsoTime(timePart);
	if (ms === undefined) return undefined;
	if (tilde < 0) return { ms, skip: 0 };
	const skipText = token.slice(tilde + 1);
	if (!/^\d{1,9}$/.test(skipText)) return undefined;
	return { ms, skip: Number(skipText) };
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The generated part of one stream. Slot k holds one record, two when k % D == D - 1 and three
 * when k % 3D == 3D - 1. D is 9, 11 or 13, so the pattern repeats every 3D + 4 records (31,
 * 37 or 43, primes), and page sizes people use (10, 50, 100, 500...) end pages inside a group
 * of same-timestamp records now and then.
 */
export class GeneratedStream {
	private readonly firstSlot: number;
	private readonly triplePeriod: number;

	constructor(
		private readonly intervalMs: number,
		private readonly dupPeriod: number,
		historyStartMs: number,
		private readonly jitter: (slot: number) => number,
		private readonly make: (slot: number, part: number, ms: number) => JsonObject,
	) {
		this.firstSlot = Math.ceil(historyStartMs / intervalMs);
		this.triplePeriod = 3 * dupPeriod;
	}

	slotTime(slot: number): number {
		return slot * this.intervalMs + this.jitter(slot);
	}

	/** Number of records in slots [firstSlot, slot). */
	private recordsBefore(slot: number): number {
		const d = this.dupPeriod;
		const t = this.triplePeriod;
		const k0 = this.firstSlot;
		return slot - k0 + Math.floor(slot / d) - Math.floor(k0 / d) + Math.floor(slot / t) - Math.floor(k0 / t);
	}

	/** Index of the first record whose time is >= ms. */
	firstIndexAtOrAfter(ms: number): number {
		if (ms <= this.slotTime(this.firstSlot)) return 0;
		const candidate = Math.floor(ms / this.intervalMs);
		// slotTime(k) lies in [k * interval, (k + 0.5) * interval), so the answer is k or k + 1.
		const slot = this.slotTime(candidate) >= ms ? candidate : candidate + 1;
		return this.recordsBefore(Math.max(slot, this.firstSlot));
	}

	private slotOf(index: number): { slot: number; part: number } {
		const t = this.triplePeriod;
		let slot = this.firstSlot + Math.floor((index * t) / (t + 4));
		while (slot > this.firstSlot && this.recordsBefore(slot) > index) slot--;
		while (this.recordsBefore(slot + 1) <= index) slot++;
		return { slot, part: index - this.recordsBefore(slot) };
	}

	timeAt(index: number): number {
		return this.slotTime(this.slotOf(index).slot);
	}

	recordAt(index: number): TimedRecord {
		const { slot, part } = this.slotOf(index);
		const ms = this.slotTime(slot);
		return { ms, record: this.make(slot, part, ms) };
	}
}

export interface StreamRef {
	kind: TelemetryKind;
	/** Entity number (trailer for gps, device, or DeliverSafe unit). */
	number: number;
	customer: Customer;
}

export interface StreamPage {
	records: JsonObject[];
	next: string | null;
	/** Time of the first record served (undefined when the page is empty). */
	firstMs?: number;
}

export class TelemetryStore {
	private readonly appended = new Map<string, AppendedRecord[]>();
	private seq = 0;

	clear(): void {
		this.appended.clear();
		this.seq = 0;
	}

	static key(kind: TelemetryKind, id: string): string {
		return `${kind}:${id}`;
	}

	/**
	 * Appends records to a stream. Each record keeps its fields; its source field is set to
	 * the stream's id and its timestamp normalised to ISO-8601 UTC with milliseconds.
	 */
	append(kind: TelemetryKind, id: string, records: JsonObject[]): void {
		const key = TelemetryStore.key(kind, id);
		const list = this.appended.get(key) ?? [];
		for (const input of records) {
			const ms = parseIsoTime(String(input.timestamp));
			if (ms === undefined) throw new Error('timestamp must be ISO-8601');
			const seq = ++this.seq;
			const record: JsonObject = { ...input, [SOURCE_FIELD[kind]]: id, timestamp: iso(ms) };
			if (kind === 'deliverSafe' && (typeof record.id !== 'string' || record.id === '')) {
				record.id = `evt-${id.replace(/^ds-/, '')}-a${seq}`;
			}
			// Keep (ms, seq) order: a late record goes before newer ones, after its equals.
			const at = upperBound(list, ms);
			list.splice(at, 0, { ms, seq, record });
		}
		this.appended.set(key, list);
	}

	private generated(world: World, ref: StreamRef, historyStartMs: number): GeneratedStream {
		const { config, seed } = world;
		const id = streamId(ref);
		const streamHash = hashString(`${ref.kind}:${id}`);
		const intervalSeconds =
			ref.kind === 'gps'
				? config.gpsIntervalSeconds
				: ref.kind === 'device'
					? config.deviceIntervalSeconds
					: config.deliverSafeIntervalSeconds;
		const intervalMs = intervalSeconds * 1000;
		const jitterSteps = Math.floor(intervalSeconds / 2);
		const jitter = (slot: number) =>
			jitterSteps === 0 ? 0 : Math.floor(unit(seed, SALT.slotJitter, streamHash, slot) * jitterSteps) * 1000;
		const dupPeriod = [9, 11, 13][mix(seed, SALT.dupPeriod, streamHash) % 3];
		// Records sharing a slot get noise a third apart, so they never have the same content.
		const noise = (slot: number, part: number) => (unit(seed, SALT.recordNoise, streamHash, slot) + part / 3) % 1;
		let make: (slot: number, part: number, ms: number) => JsonObject;
		if (ref.kind === 'gps') {
			const region = world.regionOfTrailer(ref.customer, ref.number);
			make = (slot, part, ms) => {
				const p = trailerPosition(seed, ref.number, region, ms, noise(slot, part));
				return {
					trailerId: id,
					timestamp: iso(ms),
					latitude: p.latitude,
					longitude: p.longitude,
					speedKph: p.speedKph,
					heading: p.heading,
				};
			};
		} else if (ref.kind === 'device') {
			const type = world.deviceType(ref.customer, ref.number);
			const trailer = world.trailerOfDevice(ref.customer, ref.number);
			const region = world.regionOfTrailer(ref.customer, trailer);
			make = (slot, part, ms) => {
				const n = noise(slot, part);
				const moving = trailerPosition(seed, trailer, region, ms, 0.5).moving;
				return { deviceId: id, timestamp: iso(ms), ...deviceReadings(seed, ref.number, type, ms, moving, n) };
			};
		} else {
			make = (slot, part, ms) => deliverSafeEvent(seed, ref.number, slot, part, ms, noise(slot, part));
		}
		return new GeneratedStream(intervalMs, dupPeriod, historyStartMs, jitter, make);
	}

	/** Every visible record (time <= now) at or after `from`, oldest first, generated ones before appended ones of the same time. */
	*records(world: World, ref: StreamRef, historyStartMs: number, fromMs: number, nowMs: number): Generator<TimedRecord> {
		const gen = this.generated(world, ref, historyStartMs);
		const extra = this.appended.get(TelemetryStore.key(ref.kind, streamId(ref))) ?? [];
		let g = gen.firstIndexAtOrAfter(fromMs);
		const gEnd = gen.firstIndexAtOrAfter(nowMs + 1);
		let a = lowerBound(extra, fromMs);
		const aEnd = lowerBound(extra, nowMs + 1);
		while (g < gEnd || a < aEnd) {
			if (g < gEnd && (a >= aEnd || gen.timeAt(g) <= extra[a].ms)) yield gen.recordAt(g++);
			else yield extra[a++];
		}
	}

	/** Number of visible records with time in [fromMs, toMs]. */
	count(world: World, ref: StreamRef, historyStartMs: number, fromMs: number, toMs: number, nowMs: number): number {
		const to = Math.min(toMs, nowMs);
		if (to < fromMs) return 0;
		const gen = this.generated(world, ref, historyStartMs);
		const extra = this.appended.get(TelemetryStore.key(ref.kind, streamId(ref))) ?? [];
		return (
			gen.firstIndexAtOrAfter(to + 1) -
			gen.firstIndexAtOrAfter(fromMs) +
			lowerBound(extra, to + 1) -
			lowerBound(extra, fromMs)
		);
	}

	/**
	 * One page of time-based paging. `next` is the time of the first record not served, so when
	 * the page ends inside a group of records sharing a timestamp, the next page serves that
	 * group again from its start (clients de-duplicate). Only when that would not move forward
	 * (the whole page is one timestamp) is `next` the `<iso>~<skip>` form.
	 */
	page(
		world: World,
		ref: StreamRef,
		historyStartMs: number,
		position: TimePosition,
		take: number,
		nowMs: number,
	): StreamPage {
		const out: TimedRecord[] = [];
		let skipped = 0;
		let peek: TimedRecord | undefined;
		for (const r of this.records(world, ref, historyStartMs, position.ms, nowMs)) {
			if (skipped < position.skip && r.ms === position.ms) {
				skipped++;
				continue;
			}
			if (out.length === take) {
				peek = r;
				break;
			}
			out.push(r);
		}
		const records = out.map((r) => r.record);
		const firstMs = out.length > 0 ? out[0].ms : undefined;
		if (peek === undefined || firstMs === undefined) return { records, next: null, firstMs };
		if (peek.ms !== firstMs) return { records, next: iso(peek.ms), firstMs };
		const base = firstMs === position.ms ? position.skip : 0;
		return { records, next: `${iso(firstMs)}~${base + out.length}`, firstMs };
	}
}

export function streamId(ref: StreamRef): string {
	return ref.kind === 'gps' ? trailerId(ref.number) : ref.kind === 'device' ? deviceId(ref.number) : unitId(ref.number);
}

function lowerBound(list: TimedRecord[], ms: number): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (list[mid].ms < ms) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function upperBound(list: TimedRecord[], ms: number): number {
	return lowerBound(list, ms + 1);
}

// ---- readings ------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const LIGHT_CIRCUITS = ['stop', 'turnLeft', 'turnRight', 'tail', 'clearance', 'marker'] as const;
const TIRE_POSITIONS = ['L1O', 'L1I', 'R1I', 'R1O'] as const;
const ABS_CODES = ['C0035', 'C0040', 'C0045', 'C0050', 'C1095', 'C1140'];

/** A state that holds for a window of time and is re-drawn for the next window. */
function windowDraw(seed: number, salt: number, device: number, part: number, ms: number, windowMs: number) {
	const phase = unit(seed, salt, device, part, -1) * windowMs;
	const w = Math.floor((ms + phase) / windowMs);
	return { draw: unit(seed, salt, device, part, w), fraction: (ms + phase - w * windowMs) / windowMs, window: w };
}

function deviceReadings(
	seed: number,
	device: number,
	type: DeviceType,
	ms: number,
	moving: boolean,
	noise: number,
): JsonObject {
	// Tractor power reaches the trailer on the blue line while it is hooked up and moving.
	const blueLineVoltage = round(moving ? 12.9 + noise * 0.8 : noise * 0.3, 2);
	switch (type) {
		case 'gateway':
			return {
				batteryVoltage: round((moving ? 13.1 : 12.3) + noise * 0.6, 2),
				blueLineVoltage,
			};
		case 'light_monitor': {
			const lights: Record<string, string> = {};
			LIGHT_CIRCUITS.forEach((circuit, i) => {
				const { draw } = windowDraw(seed, SALT.lights, device, i, ms, 6 * HOUR_MS);
				lights[circuit] = draw < 0.04 ? 'out' : draw < 0.055 ? 'short' : 'ok';
			});
			return { lights, blueLineVoltage };
		}
		case 'tire_sensor': {
			const tires = TIRE_POSITIONS.map((position, i) => {
				const nominal = 100 + (unit(seed, SALT.tire, device, i) - 0.5) * 4;
				const { draw, fraction } = windowDraw(seed, SALT.tire, device, i + 10, ms, 12 * HOUR_MS);
				const leak = draw < 0.07 ? 45 * fraction : 0;
				return {
					position,
					pressurePsi: round(nominal - leak + (noise - 0.5) * 0.6, 1),
					temperatureC: round(18 + (moving ? 16 : 0) + noise * 3, 1),
				};
			});
			return { tires, batteryVoltage: round(2.9 + noise * 0.2, 2) };
		}
		case 'abs_monitor': {
			const { draw, window } = windowDraw(seed, SALT.abs, device, 0, ms, 8 * HOUR_MS);
			const code = (k: number) => ABS_CODES[mix(seed, SALT.absCode, device, window, k) % ABS_CODES.length];
			const absStatus = draw < 0.05 ? 'fault' : draw < 0.09 ? 'warning' : 'ok';
			const faultCodes = absStatus === 'fault' ? [...new Set([code(0), code(1)])] : absStatus === 'warning' ? [code(0)] : [];
			return { absStatus, faultCodes, blueLineVoltage };
		}
		case 'door_sensor': {
			const { draw } = windowDraw(seed, SALT.door, device, 0, ms, 2 * HOUR_MS);
			return { doorOpen: !moving && draw < 0.35, batteryVoltage: round(2.9 + noise * 0.2, 2) };
		}
	}
}

// Load, close, travel, open, unload, close: the door state after each event.
const DS_CYCLE: { event: (typeof DELIVERSAFE_EVENTS)[number]; doorOpen: boolean }[] = [
	{ event: 'door_opened', doorOpen: true },
	{ event: 'cargo_loaded', doorOpen: true },
	{ event: 'door_closed', doorOpen: false },
	{ event: 'door_opened', doorOpen: true },
	{ event: 'cargo_empty', doorOpen: true },
	{ event: 'door_closed', doorOpen: false },
];

function deliverSafeEvent(seed: number, unitNumber: number, slot: number, part: number, ms: number, noise: number) {
	const step = DS_CYCLE[slot % DS_CYCLE.length];
	const before = DS_CYCLE[(slot + DS_CYCLE.length - 1) % DS_CYCLE.length];
	// A further event at the same second is a resend of the first (own id) or, now and then, a tamper alarm.
	const tamper = unit(seed, SALT.tamper, unitNumber, slot, part) < (part > 0 ? 0.25 : 0.02);
	const doorOpen = tamper ? before.doorOpen : step.doorOpen;
	return {
		id: `evt-${pad(unitNumber, 4)}-${slot.toString(36)}-${part}`,
		deliverSafeId: unitId(unitNumber),
		timestamp: iso(ms),
		event: tamper ? 'tamper' : step.event,
		doorOpen,
		temperatureC: round(3.5 + (doorOpen ? 4 : 0) + (noise - 0.5) * 2, 1),
	};
}
