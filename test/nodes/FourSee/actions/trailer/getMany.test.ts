import { api, byId, outputJson, records, runNode, testNotFound, unexpectedRequests, useNock } from '../setup';

useNock();

describe('Trailer > Get Many', () => {
	test('lists the trailers of the fleet, sending activeOnly=true only when Active Only is on', async () => {
		const scope = api()
			.get('/api/v1/trailers/fleet-001')
			.query({ take: 3, activeOnly: 'true' })
			.reply(200, { data: records('trl', 0, 3), next: 'n2' })
			.get('/api/v1/trailers/fleet-001')
			.query({ take: 3, activeOnly: 'true', next: 'n2' })
			.reply(200, { data: records('trl', 3, 4), next: null });

		const run = await runNode({
			resource: 'trailer',
			operation: 'getMany',
			fleet: byId('fleet-001'),
			activeOnly: true,
			returnAll: true,
			options: { pageSize: 3 },
		});

		expect(outputJson(run)).toEqual(records('trl', 0, 4));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('without Active Only no activeOnly parameter is sent', async () => {
		const scope = api()
			.get('/api/v1/trailers/fleet-001')
			.query((q) => q.activeOnly === undefined && q.take === '5')
			.reply(200, { data: records('trl', 0, 5), next: 'more' });
		const run = await runNode({ resource: 'trailer', operation: 'getMany', fleet: byId('fleet-001'), limit: 5 });
		expect(outputJson(run)).toHaveLength(5);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	testNotFound({ resource: 'trailer', operation: 'getMany', fleet: byId('fleet-404') }, '/api/v1/trailers/fleet-404', 'Fleet fleet-404 not found');
});
