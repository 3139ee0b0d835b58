import { api, outputJson, records, runNode, unexpectedRequests, useNock } from '../setup';

useNock();

describe('DeliverSafe > Get Many', () => {
	test('Get Many pages /deliversafe with take and next', async () => {
		const scope = api()
			.get('/api/v1/deliversafe')
			.query({ take: 50 })
			.reply(200, { data: records('ds', 0, 3), next: 'n2' })
			.get('/api/v1/deliversafe')
			.query({ take: 50, next: 'n2' })
			.reply(200, { data: [] });
		const run = await runNode({ resource: 'deliverSafe', operation: 'getMany', returnAll: true });
		expect(outputJson(run)).toEqual(records('ds', 0, 3));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Limit stops paging early even when the API offers more', async () => {
		const scope = api()
			.get('/api/v1/deliversafe')
			.query({ take: 3 })
			.reply(200, { items: records('ds', 0, 3), nextToken: 'more' });
		const run = await runNode({ resource: 'deliverSafe', operation: 'getMany', limit: 3 });
		expect(outputJson(run)).toEqual(records('ds', 0, 3));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
});
