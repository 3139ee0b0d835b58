/**
 * Where trailers are: each trailer belongs to its fleet's region and spends every trip window
 * loading at one city, driving (with a rest stop) to another city of the region, and waiting
 * there. Trips are fixed windows of simulated time, so a position is computed from the time
 * alone, without replaying earlier trips.
 */
import { SALT, mix, unit } from './hash';

export interface City {
	name: string;
	lat: number;
	lon: number;
}

export interface Region {
	name: string;
	cities: City[];
}

// Cities of each region lie within ~950 km of each other, so any trip fits in one window.
export const REGIONS: Region[] = [
	{
		name: 'Midwest',
		cities: [
			{ name: 'Chicago', lat: 41.8781, lon: -87.6298 },
			{ name: 'Indianapolis', lat: 39.7684, lon: -86.1581 },
			{ name: 'Milwaukee', lat: 43.0389, lon: -87.9065 },
			{ name: 'Detroit', lat: 42.3314, lon: -83.0458 },
			{ name: 'St. Louis', lat: 38.627, lon: -90.1994 },
			{ name: 'Columbus', lat: 39.9612, lon: -82.9988 },
			{ name: 'Des Moines', lat: 41.5868, lon: -93.625 },
		],
	},
	{
		name: 'Southeast',
		cities: [
			{ name: 'Atlanta', lat: 33.749, lon: -84.388 },
			{ name: 'Charlotte', lat: 35.2271, lon: -80.8431 },
			{ name: 'Nashville', lat: 36.1627, lon: -86.7816 },
			{ name: 'Birmingham', lat: 33.5186, lon: -86.8104 },
			{ name: 'Jacksonville', lat: 30.3322, lon: -81.6557 },
			{ name: 'Savannah', lat: 32.0809, lon: -81.0912 },
			{ name: 'Memphis', lat: 35.1495, lon: -90.049 },
		],
	},
	{
		name: 'Texas',
		cities: [
			{ name: 'Dallas', lat: 32.7767, lon: -96.797 },
			{ name: 'Houston', lat: 29.7604, lon: -95.3698 },
			{ name: 'San Antonio', lat: 29.4241, lon: -98.4936 },
			{ name: 'Austin', lat: 30.2672, lon: -97.7431 },
			{ name: 'Oklahoma City', lat: 35.4676, lon: -97.5164 },
			{ name: 'Shreveport', lat: 32.5252, lon: -93.7502 },
			{ name: 'Laredo', lat: 27.5306, lon: -99.4803 },
		],
	},
	{
		name: 'West Coast',
		cities: [
			{ name: 'Los Angeles', lat: 34.0522, lon: -118.2437 },
			{ name: 'San Diego', lat: 32.7157, lon: -117.1611 },
			{ name: 'Phoenix', lat: 33.4484, lon: -112.074 },
			{ name: 'Las Vegas', lat: 36.1699, lon: -115.1398 },
			{ name: 'Fresno', lat: 36.7378, lon: -119.7871 },
			{ name: 'Bakersfield', lat: 35.3733, lon: -119.0187 },
			{ name: 'Tucson', lat: 32.2226, lon: -110.9747 },
		],
	},
	{
		name: 'Northeast',
		cities: [
			{ name: 'New York', lat: 40.7128, lon: -74.006 },
			{ name: 'Philadelphia', lat: 39.9526, lon: -75.1652 },
			{ name: 'Boston', lat: 42.3601, lon: -71.0589 },
			{ name: 'Baltimore', lat: 39.2904, lon: -76.6122 },
			{ name: 'Pittsburgh', lat: 40.4406, lon: -79.9959 },
			{ name: 'Albany', lat: 42.6526, lon: -73.7562 },
			{ name: 'Harrisburg', lat: 40.2732, lon: -76.8867 },
		],
	},
];

const HOUR_MS = 3_600_000;
/** Length of one trip window: load, drive, rest stop, arrive, wait. */
export const TRIP_WINDOW_MS = 20 * HOUR_MS;
/** Roads are longer than great circles. */
const ROAD_FACTOR = 1.2;
const REST_STOP_MS = 0.5 * HOUR_MS;

export interface Position {
	latitude: number;
	longitude: number;
	speedKph: number;
	heading: number;
	moving: boolean;
}

export function distanceKm(a: City, b: City): number {
	const rad = Math.PI / 180;
	const dLat = (b.lat - a.lat) * rad;
	const dLon = (b.lon - a.lon) * rad;
	const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
	return 2 * 6371 * Math.asin(Math.sqrt(h));
}

export function bearing(a: City, b: City): number {
	const rad = Math.PI / 180;
	const y = Math.sin((b.lon - a.lon) * rad) * Math.cos(b.lat * rad);
	const x =
		Math.cos(a.lat * rad) * Math.sin(b.lat * rad) -
		Math.sin(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((b.lon - a.lon) * rad);
	return (Math.atan2(y, x) / rad + 360) % 360;
}

function cityOfTrip(seed: number, trailer: number, region: Region, trip: number): City {
	return region.cities[mix(seed, SALT.tripCity, trailer, trip) % region.cities.length];
}

/**
 * Position of a trailer at `timeMs`. `noise` (0..1, per record) adds a little GPS scatter and
 * speed variation so that two fixes at the same time are not identical.
 */
export function trailerPosition(
	seed: number,
	trailer: number,
	region: Region,
	timeMs: number,
	noise: number,
): Position {
	const phase = Math.floor(unit(seed, SALT.trailerPhase, trailer) * TRIP_WINDOW_MS);
	const shifted = timeMs + phase;
	const trip = Math.floor(shifted / TRIP_WINDOW_MS);
	const local = shifted - trip * TRIP_WINDOW_MS;
	const from = cityOfTrip(seed, trailer, region, trip);
	const to = cityOfTrip(seed, trailer, region, trip + 1);
	const scatter = (noise - 0.5) * 0.0001;
	const parked = (city: City, heading: number): Position => ({
		latitude: round(city.lat + scatter, 6),
		longitude: round(city.lon - scatter, 6),
		speedKph: 0,
		heading: Math.round(heading),
		moving: false,
	});
	if (from === to) return parked(from, 0);

	const course = bearing(from, to);
	const loadMs = (1 + 2 * unit(seed, SALT.tripDwell, trailer, trip)) * HOUR_MS;
	const cruiseKph = 85 + 15 * unit(seed, SALT.tripCruise, trailer, trip);
	const driveMs = ((distanceKm(from, to) * ROAD_FACTOR) / cruiseKph) * HOUR_MS;
	const restAtMs = loadMs + driveMs / 2;
	const arriveMs = loadMs + driveMs + REST_STOP_MS;
	if (local < loadMs) return parked(from, course);
	if (local >= arriveMs) return parked(to, course);
	if (local >= restAtMs && local < restAtMs + REST_STOP_MS) {
		return parked({ name: 'rest stop', lat: (from.lat + to.lat) / 2, lon: (from.lon + to.lon) / 2 }, course);
	}
	const driven = local < restAtMs ? local - loadMs : local - loadMs - REST_STOP_MS;
	const fraction = Math.min(1, driven / driveMs);
	return {
		latitude: round(from.lat + (to.lat - from.lat) * fraction + scatter, 6),
		longitude: round(from.lon + (to.lon - from.lon) * fraction - scatter, 6),
		speedKph: round(cruiseKph + (noise - 0.5) * 12, 1),
		heading: Math.round((course + (noise - 0.5) * 6 + 360) % 360),
		moving: true,
	};
}

export function round(value: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}
