/**
 * Customers and their fleets, trailers, devices and DeliverSafe units. Nothing is stored: each
 * entity is a number, its id is that number formatted, and its fields are hashed from
 * (seed, number). A 5,000-trailer fleet costs nothing until a page of it is asked for.
 */
import { REGIONS, Region } from './geo';
import { SALT, mix, unit } from './hash';
import { LiveConfig } from './options';

export type JsonObject = Record<string, unknown>;

export const PRIMARY_CUSTOMER_ID = 'cust-0001';
export const OTHER_CUSTOMER_ID = 'cust-0002';

/** Where one customer's entities lie in the global numbering. */
export interface Customer {
	id: string;
	firstFleet: number;
	fleetCount: number;
	trailersPerFleet: number;
	devicesPerTrailer: number;
	firstTrailer: number;
	firstDevice: number;
	firstUnit: number;
	unitCount: number;
}

export const DEVICE_TYPES = ['gateway', 'light_monitor', 'tire_sensor', 'abs_monitor', 'door_sensor'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

const FLEET_KINDS = ['Linehaul', 'Regional', 'Dedicated', 'Reefer', 'Dry Van', 'Intermodal'];
const MAKES = [
	{ make: 'Great Dane', models: ['Everest', 'Champion', 'Freedom'] },
	{ make: 'Utility', models: ['3000R', '4000D-X', 'VS2RA'] },
	{ make: 'Wabash', models: ['DuraPlate', 'ArcticLite', 'DuraPlate HD'] },
	{ make: 'Hyundai Translead', models: ['HT Composite', 'ThermoTech', 'Innovator'] },
	{ make: 'Stoughton', models: ['Z-Plate', 'Composite Ultra'] },
];
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const SERIAL_PREFIX: Record<DeviceType, string> = {
	gateway: 'GW',
	light_monitor: 'LM',
	tire_sensor: 'TS',
	abs_monitor: 'AB',
	door_sensor: 'DS',
};

export const fleetId = (n: number) => `fleet-${pad(n, 3)}`;
export const trailerId = (n: number) => `trl-${pad(n, 5)}`;
export const deviceId = (n: number) => `dev-${pad(n, 6)}`;
export const unitId = (n: number) => `ds-${pad(n, 4)}`;

const ID_FORMS = {
	fleet: { pattern: /^fleet-(\d+)$/, format: fleetId },
	trailer: { pattern: /^trl-(\d+)$/, format: trailerId },
	device: { pattern: /^dev-(\d+)$/, format: deviceId },
	unit: { pattern: /^ds-(\d+)$/, format: unitId },
};
export type EntityKind = keyof typeof ID_FORMS;

/** The number behind a canonical id of the given kind, or undefined. */
export function parseId(kind: EntityKind, id: string): number | undefined {
	const match = ID_FORMS[kind].pattern.exec(id);
	if (!match) return undefined;
	const n = Number(match[1]);
	return n >= 1 && ID_FORMS[kind].format(n) === id ? n : undefined;
}

export class World {
	readonly customers: Customer[];

	constructor(readonly config: LiveConfig) {
		const primaryTrailers = config.fleets * config.trailersPerFleet;
		const primary: Customer = {
			id: PRIMARY_CUSTOMER_ID,
			firstFleet: 1,
			fleetCount: config.fleets,
			trailersPerFleet: config.trailersPerFleet,
			devicesPerTrailer: config.devicesPerTrailer,
			firstTrailer: 1,
			firstDevice: 1,
			firstUnit: 1,
			unitCount: config.deliverSafeUnits,
		};
		// A second, small customer, so that another customer's data can be asked for (403).
		const other: Customer = {
			id: OTHER_CUSTOMER_ID,
			firstFleet: 901,
			fleetCount: 2,
			trailersPerFleet: 3,
			devicesPerTrailer: 2,
			firstTrailer: primaryTrailers + 1,
			firstDevice: primaryTrailers * config.devicesPerTrailer + 1,
			firstUnit: config.deliverSafeUnits + 1,
			unitCount: 2,
		};
		this.customers = [primary, other];
	}

	get seed(): number {
		return this.config.seed;
	}

	customer(id: string): Customer | undefined {
		return this.customers.find((c) => c.id === id);
	}

	// ---- ownership -------------------------------------------------------------------------

	fleetOwner(n: number): Customer | undefined {
		return this.customers.find((c) => n >= c.firstFleet && n < c.firstFleet + c.fleetCount);
	}

	trailerOwner(n: number): Customer | undefined {
		return this.customers.find((c) => n >= c.firstTrailer && n < c.firstTrailer + trailerCount(c));
	}

	deviceOwner(n: number): Customer | undefined {
		return this.customers.find(
			(c) => n >= c.firstDevice && n < c.firstDevice + trailerCount(c) * c.devicesPerTrailer,
		);
	}

	unitOwner(n: number): Customer | undefined {
		return this.customers.find((c) => n >= c.firstUnit && n < c.firstUnit + c.unitCount);
	}

	/** The customer owning entity `n` of a kind, if anyone does. */
	ownerOf(kind: EntityKind, n: number): Customer | undefined {
		switch (kind) {
			case 'fleet':
				return this.fleetOwner(n);
			case 'trailer':
				return this.trailerOwner(n);
			case 'device':
				return this.deviceOwner(n);
			case 'unit':
				return this.unitOwner(n);
		}
	}

	// ---- structure -------------------------------------------------------------------------

	fleetOfTrailer(c: Customer, trailer: number): number {
		return c.firstFleet + Math.floor((trailer - c.firstTrailer) / c.trailersPerFleet);
	}

	trailerOfDevice(c: Customer, device: number): number {
		return c.firstTrailer + Math.floor((device - c.firstDevice) / c.devicesPerTrailer);
	}

	trailerOfUnit(c: Customer, unitNumber: number): number {
		const k = unitNumber - c.firstUnit;
		return c.firstTrailer + Math.floor((k * trailerCount(c)) / Math.max(1, c.unitCount));
	}

	/** First trailer number of a fleet and how many trailers it has. */
	trailersOfFleet(c: Customer, fleet: number): { first: number; count: number } {
		return { first: c.firstTrailer + (fleet - c.firstFleet) * c.trailersPerFleet, count: c.trailersPerFleet };
	}

	devicesOfTrailer(c: Customer, trailer: number): { first: number; count: number } {
		return { first: c.firstDevice + (trailer - c.firstTrailer) * c.devicesPerTrailer, count: c.devicesPerTrailer };
	}

	regionOfFleet(fleet: number): Region {
		return REGIONS[mix(this.seed, SALT.fleetRegion, fleet) % REGIONS.length];
	}

	regionOfTrailer(c: Customer, trailer: number): Region {
		return this.regionOfFleet(this.fleetOfTrailer(c, trailer));
	}

	deviceType(c: Customer, device: number): DeviceType {
		return DEVICE_TYPES[(device - c.firstDevice) % c.devicesPerTrailer % DEVICE_TYPES.length];
	}

	/**
	 * Some trailers are out of service: every 8th in a fleet (position 3) and a few at random;
	 * never a fleet's first. None with `allActive`.
	 */
	trailerActive(c: Customer, trailer: number): boolean {
		if (this.config.allActive) return true;
		const position = (trailer - c.firstTrailer) % c.trailersPerFleet;
		if (position === 0) return true;
		return position % 8 !== 3 && unit(this.seed, SALT.trailerActive, trailer) >= 0.06;
	}

	/** Devices of an inactive trailer are inactive; so are a few others. None with `allActive`. */
	deviceActive(c: Customer, device: number): boolean {
		if (this.config.allActive) return true;
		const trailer = this.trailerOfDevice(c, device);
		if (!this.trailerActive(c, trailer)) return false;
		const position = (device - c.firstDevice) % c.devicesPerTrailer;
		const trailerPosition = (trailer - c.firstTrailer) % c.trailersPerFleet;
		if (position === 1 && trailerPosition % 4 === 1) return false;
		return unit(this.seed, SALT.deviceActive, device) >= 0.05;
	}

	// ---- records ---------------------------------------------------------------------------

	fleetRecord(fleet: number): JsonObject {
		const region = this.regionOfFleet(fleet);
		const kind = FLEET_KINDS[mix(this.seed, SALT.fleetKind, fleet) % FLEET_KINDS.length];
		return {
			id: fleetId(fleet),
			name: `${region.name} ${kind} ${fleet}`,
			createdAt: dateBetween(this.seed, SALT.fleetCreated, fleet, '2018-01-01', '2024-12-31'),
		};
	}

	trailerRecord(c: Customer, trailer: number): JsonObject {
		const maker = MAKES[mix(this.seed, SALT.trailerMake, trailer) % MAKES.length];
		const model = maker.models[mix(this.seed, SALT.trailerMake, trailer, 1) % maker.models.length];
		const year = 2012 + (mix(this.seed, SALT.trailerYear, trailer) % 14);
		return {
			id: trailerId(trailer),
			fleetId: fleetId(this.fleetOfTrailer(c, trailer)),
			unitNumber: `T${pad(trailer, 5)}`,
			vin: this.vin(trailer, maker.make, year),
			make: maker.make,
			model,
			year,
			active: this.trailerActive(c, trailer),
		};
	}

	deviceRecord(c: Customer, device: number): JsonObject {
		const type = this.deviceType(c, device);
		const firmware = mix(this.seed, SALT.deviceFirmware, device);
		const trailerNumber = this.trailerOfDevice(c, device);
		return {
			id: deviceId(device),
			trailerId: trailerId(trailerNumber),
			serialNumber: `4S-${SERIAL_PREFIX[type]}-${(mix(this.seed, SALT.deviceSerial, device) >>> 4)
				.toString(16)
				.toUpperCase()
				.padStart(7, '0')}`,
			type,
			firmwareVersion: `${2 + (firmware % 3)}.${(firmware >>> 4) % 10}.${(firmware >>> 8) % 20}`,
			active: this.deviceActive(c, device),
			installedAt: dateBetween(this.seed, SALT.deviceInstalled, device, '2021-01-01', '2025-10-31'),
		};
	}

	unitRecord(c: Customer, unitNumber: number): JsonObject {
		const h = unit(this.seed, SALT.unitStatus, unitNumber);
		return {
			id: unitId(unitNumber),
			trailerId: trailerId(this.trailerOfUnit(c, unitNumber)),
			name: `DeliverSafe ${pad(unitNumber, 4)}`,
			status: h < 0.1 ? 'offline' : h < 0.15 ? 'maintenance' : 'online',
		};
	}

	/** A VIN-shaped identifier: 17 characters without I, O or Q (not a real manufacturer code). */
	private vin(trailer: number, make: string, year: number): string {
		const yearCode = 'CDEFGHJKLMNPRST'[(year - 2012) % 15];
		let serial = '';
		for (let i = 0; i < 5; i++) serial += VIN_CHARS[mix(this.seed, SALT.trailerVin, trailer, i) % VIN_CHARS.length];
		return `1${make[0]}${make.length % 10}T5${serial.slice(0, 3)}0${yearCode}${serial.slice(3)}${pad(trailer % 100000, 5)}`;
	}
}

export function trailerCount(c: Customer): number {
	return c.fleetCount * c.trailersPerFleet;
}

export function pad(n: number, width: number): string {
	return String(n).padStart(width, '0');
}

function dateBetween(seed: number, salt: number, n: number, from: string, to: string): string {
	const a = Date.parse(from);
	const b = Date.parse(to);
	const day = 86_400_000;
	const days = Math.floor(unit(seed, salt, n) * ((b - a) / day));
	return new Date(a + days * day + (mix(seed, salt, n, 1) % 86_400) * 1000).toISOString();
}
