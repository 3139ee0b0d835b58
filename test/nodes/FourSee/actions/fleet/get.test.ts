import { api, byId, nodeError, outputJson, runNode, unexpectedRequests, useNock } from '../setup';

useNock();

describe('Fleet > Get', () => {
	test('gets one fleet by ID and outputs it unchanged, paired with its input item', async () => {
		const fleet = { id: 'fleet-001', name: 'North', createdAt: '2024-01-01T00:00:00Z' };
		const scope = api().get('/api/v1/fleets/fleet-001').reply(200, fleet);

		const run = await runNode({ resource: 'fleet', operation: 'get', fleet: byId('fleet-001') });

		expect(run.error).toBeUndefined();
		expect(run.output('4SEE')).toEqual([{ json: fleet, pairedItem: { item: 0 } }]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
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

	test('a 404 names what was not found, in words a user can act on', async () => {
		const scope = api().get('/api/v1/fleets/fleet-404').query(true).reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
		const run = await runNode({ resource: 'fleet', operation: 'get', fleet: byId('fleet-404') });
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(nodeError(run)?.message).toBe('Fleet fleet-404 not found');
		expect(scope.isDone()).toBe(true);
	});
});
