import { api, byId, nodeError, runNode, useNock } from '../setup';

useNock();

describe('Trailer > Get', () => {
	test('gets one trailer by ID; the browse-only fleet picker is not needed', async () => {
		const trailer = { id: 'trl-00001', fleetId: 'fleet-001', unitNumber: 'U1', vin: 'V', active: true };
		const scope = api().get('/api/v1/trailers/trl-00001').reply(200, trailer);
		const run = await runNode({ resource: 'trailer', operation: 'get', trailer: byId('trl-00001') });
		expect(run.error).toBeUndefined();
		expect(run.output('4SEE')).toEqual([{ json: trailer, pairedItem: { item: 0 } }]);
		expect(scope.isDone()).toBe(true);
	});

	test('a 404 names what was not found, in words a user can act on', async () => {
		const scope = api().get('/api/v1/trailers/trl-404').query(true).reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
		const run = await runNode({ resource: 'trailer', operation: 'get', trailer: byId('trl-404') });
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(nodeError(run)?.message).toBe('Trailer trl-404 not found');
		expect(scope.isDone()).toBe(true);
	});
});
