import { api, byId, outputJson, runNode, testNotFound, unexpectedRequests, useNock } from '../setup';

useNock();

describe('DeliverSafe > Get Telemetry', () => {
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

	testNotFound({ resource: 'deliverSafe', operation: 'getTelemetry', deliverSafeUnit: byId('ds-404') }, '/api/v1/deliversafe/telemetry/ds-404', 'DeliverSafe unit ds-404 not found');
});
