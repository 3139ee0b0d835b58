import { api, byId, outputJson, runNode, testNotFound, unexpectedRequests, useNock } from '../setup';

useNock();

describe('Device > Get Telemetry', () => {
	test('reads the device telemetry window from Start, Return All until the API has no next', async () => {
		const reading = (second: number) => ({
			deviceId: 'dev-000001',
			timestamp: new Date(Date.UTC(2026, 1, 2, 3, 4, second)).toISOString(),
			lights: { stop: 'ok', tail: second > 10 ? 'out' : 'ok' },
		});
		const scope = api()
			.get('/api/v1/devices/telemetry/dev-000001')
			.query({ take: 2, next: '2026-02-02T03:04:00.000Z' })
			.reply(200, { data: [reading(0), reading(5)], next: reading(5).timestamp })
			.get('/api/v1/devices/telemetry/dev-000001')
			.query({ take: 2, next: reading(5).timestamp })
			.reply(200, { data: [reading(5), reading(15)] });

		const run = await runNode({
			resource: 'device',
			operation: 'getTelemetry',
			device: byId('dev-000001'),
			timeRange: 'between',
			start: '2026-02-02T03:04:00Z',
			returnAll: true,
			options: { pageSize: 2 },
		});

		expect(run.error).toBeUndefined();
		expect(outputJson(run)).toEqual([reading(0), reading(5), reading(15)]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	testNotFound({ resource: 'device', operation: 'getTelemetry', device: byId('dev-404') }, '/api/v1/devices/telemetry/dev-404', 'Device dev-404 not found');
});
