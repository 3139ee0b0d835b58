import { api, outputJson, records, runNode, unexpectedRequests, useNock } from '../setup';

useNock();

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

	test('items paired to their input item; a bare JSON array answer is one last page', async () => {
		const scope = api().get('/api/v1/fleets').query({ take: 50 }).reply(200, records('fleet', 0, 2));
		const run = await runNode({ resource: 'fleet', operation: 'getMany' });
		expect(run.output('4SEE')).toEqual(records('fleet', 0, 2).map((json) => ({ json, pairedItem: { item: 0 } })));
		expect(scope.isDone()).toBe(true);
	});
});
