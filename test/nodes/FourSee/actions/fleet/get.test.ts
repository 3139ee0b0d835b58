import { api, byId, outputJson, runNode, testGetsOne, testNotFound, useNock } from '../setup';

useNock();

describe('Fleet > Get', () => {
	testGetsOne({ resource: 'fleet', operation: 'get', fleet: byId('fleet-001') }, '/api/v1/fleets/fleet-001', {
		id: 'fleet-001',
		name: 'North',
		createdAt: '2024-01-01T00:00:00Z',
	});

	test('a fleet picked from the list is fetched by the picked ID', async () => {
		const scope = api().get('/api/v1/fleets/fleet-002').reply(200, { id: 'fleet-002' });
		const run = await runNode({
			resource: 'fleet',
			operation: 'get',
			fleet: { __rl: true, mode: 'list', value: 'fleet-002', cachedResultName: 'South (fleet-002)' },
		});
		expect(outputJson(run)).toEqual([{ id: 'fleet-002' }]);
		expect(scope.isDone()).toBe(true);
	});

	testNotFound({ resource: 'fleet', operation: 'get', fleet: byId('fleet-404') }, '/api/v1/fleets/fleet-404', 'Fleet fleet-404 not found');
});
