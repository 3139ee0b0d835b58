import { api, byId, outputJson, records, runNode, testNotFound, unexpectedRequests, useNock } from '../setup';

useNock();

describe('Device > Get Many', () => {
	test('lists the devices of the trailer with activeOnly, across pages, up to the Limit', async () => {
		const scope = api()
			.get('/api/v1/devices/trl-00001')
			.query({ take: 4, activeOnly: 'true' })
			.reply(200, { data: records('dev', 0, 2), next: 'short-page' })
			.get('/api/v1/devices/trl-00001')
			.query({ take: 2, activeOnly: 'true', next: 'short-page' })
			.reply(200, { data: records('dev', 2, 4), next: 'beyond' });

		const run = await runNode({
			resource: 'device',
			operation: 'getMany',
			trailer: byId('trl-00001'),
			activeOnly: true,
			limit: 4,
			options: { pageSize: 4 },
		});

		expect(outputJson(run)).toEqual(records('dev', 0, 4));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	testNotFound({ resource: 'device', operation: 'getMany', trailer: byId('trl-404') }, '/api/v1/devices/trl-404', 'Trailer trl-404 not found');
});
