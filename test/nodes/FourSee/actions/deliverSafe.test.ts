import { api, byId, outputJson, records, runNode, unexpectedRequests, useNock } from './setup';

useNock();

describe('DeliverSafe', () => {
	test('Get reads /deliversafe/{id}', async () => {
		const unit = { id: 'ds-0001', trailerId: 'trl-00001', name: 'Rear door', status: 'armed' };
		const scope = api().get('/api/v1/deliversafe/ds-0001').reply(200, unit);
		const run = await runNode({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('ds-0001') });
		expect(outputJson(run)).toEqual([unit]);
		expect(scope.isDone()).toBe(true);
	});

	test('Get Many pages /deliversafe with take and next', async () => {
		const scope = api()
			.get('/api/v1/deliversafe')
			.query({ take: 500 })
			.reply(200, { data: records('ds', 0, 3), next: 'n2' })
			.get('/api/v1/deliversafe')
			.query({ take: 500, next: 'n2' })
			.reply(200, { data: [] });
		const run = await runNode({ resource: 'deliverSafe', operation: 'getMany', returnAll: true });
		expect(outputJson(run)).toEqual(records('ds', 0, 3));
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Get Telemetry reads the events in the window and stops at the Limit', async () => {
		const event = (minute: number, name: string) => ({
			deliverSafeId: 'ds-0001',
			timestamp: new Date(Date.UTC(2026, 2, 3, 10, minute)).toISOString(),
			event: name,
		});
		const scope = api()
			.get('/api/v1/deliversafe/telemetry/ds-0001')
			.query({ take: 2, next: '2026-03-03T10:00:00.000Z' })
			.reply(200, { data: [event(1, 'door_opened'), event(2, 'door_closed')], next: event(2, 'x').timestamp });
		const run = await runNode({
			resource: 'deliverSafe',
			operation: 'getTelemetry',
			deliverSafeUnit: byId('ds-0001'),
			timeRange: 'between',
			start: '2026-03-03T10:00:00Z',
			end: '2026-03-03T11:00:00Z',
			limit: 2,
		});
		expect(outputJson(run)).toEqual([event(1, 'door_opened'), event(2, 'door_closed')]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
});
