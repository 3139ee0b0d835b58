import { SIMPLIFIED_FIELDS } from '../../../../nodes/FourSee/api';
import { kphToMph, simplifyRecord } from '../../../../nodes/FourSee/helpers/simplify';

describe('simplifyRecord', () => {
	it('keeps a GPS position to its handful of fields, in the documented order, with mph beside km/h', () => {
		const raw = {
			hdop: 0.9,
			heading: 270,
			satellites: 11,
			speedKph: 100,
			longitude: -83.1,
			latitude: 42.3,
			timestamp: '2026-01-01T08:00:00.000Z',
			trailerId: 'trl-00001',
			odometerKm: 123456,
		};
		const simple = simplifyRecord('gps', raw);
		expect(simple).toEqual({
			trailerId: 'trl-00001',
			timestamp: '2026-01-01T08:00:00.000Z',
			latitude: 42.3,
			longitude: -83.1,
			speedKph: 100,
			speedMph: 62.1,
			heading: 270,
		});
		expect(Object.keys(simple)).toEqual(['trailerId', 'timestamp', 'latitude', 'longitude', 'speedKph', 'speedMph', 'heading']);
		// The input record is left as it was.
		expect(raw).toHaveProperty('odometerKm', 123456);
	});

	it('keeps nested readings whole (lights, tires) and drops fields outside the list', () => {
		const lights = { stop: 'out', tail: 'ok' };
		const tires = [{ position: 'L1O', pressurePsi: 88.5, temperatureC: 30 }];
		expect(
			simplifyRecord('deviceTelemetry', { deviceId: 'dev-1', timestamp: 't', lights, tires, rssi: -70, firmware: '1.2' }),
		).toEqual({ deviceId: 'dev-1', timestamp: 't', lights, tires });
	});

	it('leaves out fields a record does not have, rather than adding empty ones', () => {
		expect(simplifyRecord('trailer', { id: 'trl-1', unitNumber: 'U1', make: 'Wabash', model: 'DuraPlate', year: 2020 })).toEqual({
			id: 'trl-1',
			unitNumber: 'U1',
		});
	});

	it('passes a record with none of its kind\'s fields on unchanged, instead of an empty item', () => {
		const other = { trailer_id: 'trl-1', lat: 42, lon: -83 };
		expect(simplifyRecord('gps', other)).toBe(other);
	});

	it('adds no mph when the speed is not a number', () => {
		expect(simplifyRecord('gps', { trailerId: 'a', speedKph: 'fast' })).toEqual({ trailerId: 'a', speedKph: 'fast' });
	});

	it('has a short list for every kind of record', () => {
		for (const fields of Object.values(SIMPLIFIED_FIELDS)) {
			expect(fields.length).toBeGreaterThanOrEqual(2);
			expect(fields.length).toBeLessThanOrEqual(10);
		}
	});

	it.each([
		[0, 0],
		[100, 62.1],
		[96.56, 60],
		[160.9344, 100],
	])('%d km/h is %d mph', (kph, mph) => {
		expect(kphToMph(kph)).toBe(mph);
	});
});
