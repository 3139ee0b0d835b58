import { compareRecords, withoutMeta } from './truth';

describe('comparing emitted records with the ground truth', () => {
	const a = { timestamp: '2026-01-01T00:00:00.000Z', lat: 1, lon: 2 };
	const b = { timestamp: '2026-01-01T00:01:00.000Z', lat: 3, lon: 4 };
	const c = { timestamp: '2026-01-01T00:02:00.000Z', lat: 5, lon: 6 };

	it('finds nothing wrong when every record came once, in any order and field order', () => {
		expect(compareRecords([{ lon: 4, lat: 3, timestamp: b.timestamp }, a], [a, b])).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
	});

	it('counts a record missing as lost, one emitted twice as duplicated, one not in the truth as unexpected', () => {
		expect(compareRecords([a, a, a, c], [a, b])).toEqual({ lost: 1, duplicated: 2, unexpected: 1 });
	});

	it('counts a record that is in the truth twice but came once as lost', () => {
		expect(compareRecords([a], [a, a])).toEqual({ lost: 1, duplicated: 0, unexpected: 0 });
	});

	it('takes the trigger metadata off an item before comparing', () => {
		expect(withoutMeta({ ...a, fourSee: { dedupeKey: 'k' } })).toEqual(a);
	});
});
