import { api, byId, outputJson, records, runNode, unexpectedRequests, useNock } from './setup';

useNock();

describe('Device > Get', () => {
	test('gets the details of one device from /devices/details/{device}', async () => {
		const device = { id: 'dev-000001', trailerId: 'trl-00001', type: 'tire sensor', firmwareVersion: '1.2.3' };
		const scope = api().get('/api/v1/devices/details/dev-000001').reply(200, device);
		const run = await runNode({ resource: 'device', operation: 'get', device: byId('dev-000001') });
		expect(run.output('4SEE')).toEqual([{ json: device, pairedItem: { item: 0 } }]);
		expect(scope.isDone()).toBe(true);
	});
});

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
});

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
});
