import { itemsInto } from '../../../../helpers/workflow';
import { api, byId, outputJson, runNode, runWorkflowJson, testNotFound, unexpectedRequests, useNock } from '../setup';

useNock();

const HOUR = 3_600_000;

describe('Trailer > Get GPS Telemetry', () => {
	test('Between: starts paging at Start and drops what lies at or after End, without a further request', async () => {
		const fix = (minute: number) => ({
			trailerId: 'trl-00001',
			timestamp: new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString(),
			latitude: 42,
			longitude: -83,
		});
		const scope = api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query({ take: 50, next: '2026-01-01T08:00:00.000Z' })
			.reply(200, { data: [fix(0), fix(10), fix(20)], next: fix(20).timestamp })
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query({ take: 50, next: fix(20).timestamp })
			.reply(200, { data: [fix(20), fix(30), fix(40)], next: fix(40).timestamp });

		const run = await runNode({
			resource: 'trailer',
			operation: 'getGpsTelemetry',
			trailer: byId('trl-00001'),
			timeRange: 'between',
			start: '2026-01-01T08:00:00Z',
			end: '2026-01-01T08:35:00Z',
			returnAll: true,
		});

		expect(run.error).toBeUndefined();
		// fix(20) came twice (page boundary on a shared timestamp) and is emitted once.
		expect(outputJson(run)).toEqual([fix(0), fix(10), fix(20), fix(30)]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Between: a Start picked without a zone is read in the workflow\'s time zone', async () => {
		const scope = api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query({ take: 50, next: '2026-01-15T14:00:00.000Z' })
			.reply(200, { data: [] });
		const json = itemsInto(
			{
				type: 'fourSee',
				parameters: {
					resource: 'trailer',
					operation: 'getGpsTelemetry',
					trailer: byId('trl-00001'),
					timeRange: 'between',
					start: '2026-01-15T08:00:00',
					end: '2026-01-15T09:00:00',
					returnAll: true,
				},
			},
		);
		json.settings = { executionOrder: 'v1', timezone: 'America/Chicago' };
		const run = await runWorkflowJson(json);
		expect(run.error).toBeUndefined();
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('Last Hours: the first next is now minus N hours; Limit asks only for what it needs', async () => {
		let firstNext = '';
		const before = Date.now();
		const scope = api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query((q) => {
				firstNext = String(q.next);
				return q.take === '2';
			})
			.reply(200, {
				data: [
					{ trailerId: 'trl-00001', timestamp: new Date(before - 5 * HOUR).toISOString() },
					{ trailerId: 'trl-00001', timestamp: new Date(before - 4 * HOUR).toISOString() },
				],
				next: 'later',
			});

		const run = await runNode({
			resource: 'trailer',
			operation: 'getGpsTelemetry',
			trailer: byId('trl-00001'),
			timeRange: 'lastHours',
			lastHours: 6,
			limit: 2,
		});
		const after = Date.now();

		expect(outputJson(run)).toHaveLength(2);
		const startMs = Date.parse(firstNext);
		expect(startMs).toBeGreaterThanOrEqual(before - 6 * HOUR);
		expect(startMs).toBeLessThanOrEqual(after - 6 * HOUR);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	testNotFound({ resource: 'trailer', operation: 'getGpsTelemetry', trailer: byId('trl-404') }, '/api/v1/trailers/telemetry/gps/trl-404', 'Trailer trl-404 not found');

	test('Latest Position Only: one item per input trailer, the newest of the window across every page, a late upload included', async () => {
		const fix = (trailer: string, minute: number) => ({
			trailerId: trailer,
			timestamp: new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString(),
			latitude: 42 + minute / 100,
			longitude: -83,
			speedKph: minute,
		});
		const scope = api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query({ take: 50, next: '2026-01-01T08:00:00.000Z' })
			.reply(200, { data: [fix('trl-00001', 0), fix('trl-00001', 40)], next: fix('trl-00001', 40).timestamp })
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			// A late upload: served after minute 40, but older.
			.query({ take: 50, next: fix('trl-00001', 40).timestamp })
			.reply(200, { data: [fix('trl-00001', 40), fix('trl-00001', 20)] })
			.get('/api/v1/trailers/telemetry/gps/trl-00002')
			.query(true)
			.reply(200, { data: [fix('trl-00002', 5), fix('trl-00002', 6)] })
			.get('/api/v1/trailers/telemetry/gps/trl-00003')
			.query(true)
			.reply(200, { data: [] });

		const run = await runNode(
			{
				resource: 'trailer',
				operation: 'getGpsTelemetry',
				trailer: byId('={{ $json.id }}'),
				timeRange: 'between',
				start: '2026-01-01T08:00:00Z',
				end: '2026-01-01T09:00:00Z',
				latestOnly: true,
				// Ignored with Latest Position Only: it is hidden in the editor.
				returnAll: false,
				limit: 1,
			},
			{ items: [{ id: 'trl-00001' }, { id: 'trl-00002' }, { id: 'trl-00003' }] },
		);

		expect(run.error).toBeUndefined();
		const items = run.output('4SEE');
		// A trailer with no position in the window gets no item (nothing to write).
		expect(items.map((item) => item.json)).toEqual([fix('trl-00001', 40), fix('trl-00002', 6)]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
});
