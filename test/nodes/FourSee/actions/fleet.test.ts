import { records, api, byId, outputJson, runNode, unexpectedRequests, useNock } from './setup';

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
});

describe('Fleet > Get Many', () => {
	test('default Limit 50 costs one request with take=50, even when more pages exist', async () => {
		const scope = api()
			.get('/api/v1/fleets')
			.query({ take: 50 })
			.reply(200, { data: records('fleet', 0, 50), next: 'more' });

		const run = await runNode({ resource: 'fleet', operation: 'getMany' });

		expect(outputJson(run)).toEqual(records('fleet', 0, 50));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Return All follows next across several pages and stops on the last', async () => {
		const scope = api()
			.get('/api/v1/fleets')
			.query({ take: 2 })
			.reply(200, { data: records('fleet', 0, 2), next: 'p2' })
			.get('/api/v1/fleets')
			.query({ take: 2, next: 'p2' })
			.reply(200, { data: records('fleet', 2, 4), next: 'p3' })
			.get('/api/v1/fleets')
			.query({ take: 2, next: 'p3' })
			.reply(200, { data: records('fleet', 4, 5) });

		const run = await runNode({
			resource: 'fleet',
			operation: 'getMany',
			returnAll: true,
			options: { pageSize: 2 },
		});

		expect(outputJson(run)).toEqual(records('fleet', 0, 5));
		expect(run.output('4SEE').every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Limit asks only for what is still missing and stops early', async () => {
		const scope = api()
			.get('/api/v1/fleets')
			.query({ take: 2 })
			.reply(200, { data: records('fleet', 0, 2), next: 'p2' })
			.get('/api/v1/fleets')
			.query({ take: 1, next: 'p2' })
			.reply(200, { data: records('fleet', 2, 3), next: 'p3' });

		const run = await runNode({ resource: 'fleet', operation: 'getMany', limit: 3, options: { pageSize: 2 } });

		expect(outputJson(run)).toEqual(records('fleet', 0, 3));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
});
