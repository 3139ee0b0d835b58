/**
 * What users rely on across operations: per-item parameters in order, pairedItem,
 * continueOnFail, flatten, additional query parameters, and the rate-limit settings.
 */
import { API_KEY, TOKEN, api, byId, nodeError, outputJson, records, runNode, unexpectedRequests, useNock } from './setup';

useNock();

test('each input item uses its own parameters (expressions per item), in input order, each output paired to its item', async () => {
	const scope = api()
		.get('/api/v1/trailers/fleet-001')
		.query({ take: 2 })
		.reply(200, { data: records('a', 0, 2), next: 'x' })
		.get('/api/v1/trailers/fleet-002')
		.query({ take: 1, activeOnly: 'true' })
		.reply(200, { data: records('b', 0, 1) });

	const run = await runNode(
		{
			resource: 'trailer',
			operation: 'getMany',
			fleet: byId('={{ $json.fleet }}'),
			activeOnly: '={{ $json.active }}',
			limit: '={{ $json.n }}',
		},
		{
			items: [
				{ fleet: 'fleet-001', active: false, n: 2 },
				{ fleet: 'fleet-002', active: true, n: 1 },
			],
		},
	);

	expect(run.error).toBeUndefined();
	expect(run.output('4SEE')).toEqual([
		{ json: { id: 'a-0', n: 0 }, pairedItem: { item: 0 } },
		{ json: { id: 'a-1', n: 1 }, pairedItem: { item: 0 } },
		{ json: { id: 'b-0', n: 0 }, pairedItem: { item: 1 } },
	]);
	expect(scope.isDone()).toBe(true);
});

test('continueOnFail: a failed item becomes an error item paired to it, and the next items still run', async () => {
	const scope = api()
		.get('/api/v1/fleets/fleet-404')
		.reply(404, { title: 'Not Found', status: 404, detail: 'No fleet fleet-404' }, { 'Content-Type': 'application/problem+json' })
		.get('/api/v1/fleets/fleet-003')
		.reply(200, { id: 'fleet-003' });

	const run = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}') },
		{ items: [{ id: 'bad/id' }, { id: 'fleet-404' }, { id: 'fleet-003' }], settings: { onError: 'continueRegularOutput' } },
	);

	expect(run.error).toBeUndefined();
	const out = run.output('4SEE');
	expect(out).toHaveLength(3);
	expect(out[0].pairedItem).toEqual({ item: 0 });
	expect(String(out[0].json.error)).toMatch(/Fleet .* is not a valid 4SEE ID/);
	expect(out[1].pairedItem).toEqual({ item: 1 });
	expect(String(out[1].json.error)).toMatch(/fleet-404/);
	expect(out[2]).toEqual({ json: { id: 'fleet-003' }, pairedItem: { item: 2 } });
	expect(scope.isDone()).toBe(true);
	expect(JSON.stringify(out)).not.toContain(TOKEN);
	expect(JSON.stringify(out)).not.toContain(API_KEY);
});

test('without continueOnFail the first failing item stops the node with an error that names the item', async () => {
	api().get('/api/v1/fleets/fleet-404').reply(404, { title: 'Not Found', status: 404 });
	// One item at a time, so "no later item is sent" is exact (several at once: concurrency.test.ts).
	const run = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}'), options: { concurrency: 1 } },
		{ items: [{ id: 'fleet-404' }, { id: 'fleet-005' }] },
	);
	const error = nodeError(run);
	expect(error?.name).toBe('NodeApiError');
	expect(error?.context?.itemIndex).toBe(0);
	expect(unexpectedRequests()).toEqual([]);
	expect(JSON.stringify(run.run.data.resultData)).not.toContain(TOKEN);
});

test('records are output unchanged by default and as dot-separated columns with Flatten Output', async () => {
	const trailer = { id: 'trl-1', location: { latitude: 42.1, longitude: -83.2 }, faultCodes: ['C1', 'C2'], tags: [] };
	api().get('/api/v1/trailers/trl-1').twice().reply(200, trailer);

	const plain = await runNode({ resource: 'trailer', operation: 'get', trailer: byId('trl-1') });
	expect(outputJson(plain)).toEqual([trailer]);

	const flat = await runNode({ resource: 'trailer', operation: 'get', trailer: byId('trl-1'), options: { flatten: true } });
	expect(outputJson(flat)).toEqual([
		{ id: 'trl-1', 'location.latitude': 42.1, 'location.longitude': -83.2, 'faultCodes.0': 'C1', 'faultCodes.1': 'C2', tags: [] },
	]);
});

test('additional query parameters go with every page request', async () => {
	const scope = api()
		.get('/api/v1/deliversafe')
		.query({ take: 1, status: 'armed', region: 'west' })
		.reply(200, { data: records('ds', 0, 1), next: 'n' })
		.get('/api/v1/deliversafe')
		.query({ take: 1, status: 'armed', region: 'west', next: 'n' })
		.reply(200, { data: records('ds', 1, 2) });

	const run = await runNode({
		resource: 'deliverSafe',
		operation: 'getMany',
		returnAll: true,
		options: {
			pageSize: 1,
			additionalQuery: { parameter: [{ name: 'status', value: 'armed' }, { name: 'region', value: 'west' }] },
		},
	});

	expect(outputJson(run)).toEqual(records('ds', 0, 2));
	expect(scope.isDone()).toBe(true);
	expect(unexpectedRequests()).toEqual([]);
});

test('a 429 with Retry-After is waited out and the run completes', async () => {
	const scope = api()
		.get('/api/v1/fleets')
		.query({ take: 50 })
		.reply(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '0' })
		.get('/api/v1/fleets')
		.query({ take: 50 })
		.reply(200, { data: records('fleet', 0, 3) });
	const run = await runNode({ resource: 'fleet', operation: 'getMany' });
	expect(outputJson(run)).toEqual(records('fleet', 0, 3));
	expect(scope.isDone()).toBe(true);
});

test('Retry Attempts = 1 turns off retrying: the first 429 fails the node with a rate-limit message', async () => {
	const scope = api()
		.get('/api/v1/fleets')
		.query({ take: 50 })
		.reply(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '0' });
	const run = await runNode({ resource: 'fleet', operation: 'getMany', options: { retryAttempts: 1 } });
	const error = nodeError(run);
	expect(error?.name).toBe('NodeApiError');
	expect(`${error?.message} ${error?.description ?? ''}`).toMatch(/rate limit/i);
	expect(scope.isDone()).toBe(true);
	expect(unexpectedRequests()).toEqual([]);
});

test('Max Wait bounds the wait: a Retry-After longer than it fails at once instead of hanging', async () => {
	api()
		.get('/api/v1/fleets')
		.query({ take: 50 })
		.reply(429, { title: 'Too Many Requests', status: 429 }, { 'Retry-After': '120' });
	const run = await runNode({ resource: 'fleet', operation: 'getMany', options: { maxWaitSeconds: 1 } });
	expect(nodeError(run)?.name).toBe('NodeApiError');
	expect(unexpectedRequests()).toEqual([]);
});
