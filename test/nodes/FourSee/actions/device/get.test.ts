import { api, byId, nodeError, runNode, useNock } from '../setup';

useNock();

describe('Device > Get', () => {
	test('gets the details of one device from /devices/details/{device}', async () => {
		const device = { id: 'dev-000001', trailerId: 'trl-00001', type: 'tire sensor', firmwareVersion: '1.2.3' };
		const scope = api().get('/api/v1/devices/details/dev-000001').reply(200, device);
		const run = await runNode({ resource: 'device', operation: 'get', device: byId('dev-000001') });
		expect(run.output('4SEE')).toEqual([{ json: device, pairedItem: { item: 0 } }]);
		expect(scope.isDone()).toBe(true);
	});

	test('a 404 names what was not found, in words a user can act on', async () => {
		const scope = api().get('/api/v1/devices/details/dev-404').query(true).reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
		const run = await runNode({ resource: 'device', operation: 'get', device: byId('dev-404') });
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(nodeError(run)?.message).toBe('Device dev-404 not found');
		expect(scope.isDone()).toBe(true);
	});
});
