import { api, byId, nodeError, outputJson, runNode, useNock } from '../setup';

useNock();

describe('DeliverSafe > Get', () => {
	test('Get reads /deliversafe/{id}', async () => {
		const unit = { id: 'ds-0001', trailerId: 'trl-00001', name: 'Rear door', status: 'armed' };
		const scope = api().get('/api/v1/deliversafe/ds-0001').reply(200, unit);
		const run = await runNode({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('ds-0001') });
		expect(outputJson(run)).toEqual([unit]);
		expect(scope.isDone()).toBe(true);
	});

	test('a 404 names what was not found, in words a user can act on', async () => {
		const scope = api().get('/api/v1/deliversafe/ds-404').query(true).reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
		const run = await runNode({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('ds-404') });
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(nodeError(run)?.message).toBe('DeliverSafe unit ds-404 not found');
		expect(scope.isDone()).toBe(true);
	});
});
