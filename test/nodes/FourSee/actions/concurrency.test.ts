/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Read-only operations run for several input items at once (Concurrent Requests): never more in
 * flight than the option, output in input order with each item's pairedItem, Continue On Fail
 * per item, and without it no new item starts after a failure and the earliest failure is thrown.
 */
import { api, byId, nodeError, runNode, useNock } from './setup';

useNock();

/** Answers GET /api/v1/fleets/{id}, later ids sooner (so answers arrive out of input order), counting requests in flight. */
function fleets(count: number, failing: Set<number> = new Set()) {
	const seen = { inFlight: 0, most: 0, requests: 0 };
	const scope = api();
	for (let i = 0; i < count; i++) {
		scope.get(`/api/v1/fleets/fleet-${i}`).optionally().reply(async () => {
			seen.requests++;
			seen.inFlight++;
			seen.most = Math.max(seen.most, seen.inFlight);
			await new Promise((resolve) => setTimeout(resolve, 10 + (count - i) * 4));
			seen.inFlight--;
			if (failing.has(i)) return [404, { title: 'Not Found', status: 404, detail: `No fleet fleet-${i}` }];
			return [200, { id: `fleet-${i}` }];
		});
	}
	return seen;
}

const items = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `fleet-${i}` }));

test('items run at most Concurrent Requests at a time; the output keeps the input order and pairing', async () => {
	const seen = fleets(12);
	const run = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}'), options: { concurrency: 4 } },
		{ items: items(12) },
	);
	expect(run.error).toBeUndefined();
	expect(run.output('4SEE')).toEqual(items(12).map((item, i) => ({ json: { id: item.id }, pairedItem: { item: i } })));
	expect(seen.most).toBe(4);
	expect(seen.requests).toBe(12);
});

test('without the option, at most the default of 4 at a time; with 1, one after another', async () => {
	const seen = fleets(10);
	const run = await runNode({ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}') }, { items: items(10) });
	expect(run.error).toBeUndefined();
	expect(seen.most).toBe(4);

	const serial = fleets(6);
	const one = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}'), options: { concurrency: 1 } },
		{ items: items(6) },
	);
	expect(one.error).toBeUndefined();
	expect(serial.most).toBe(1);
});

test('Continue On Fail: a failed item becomes its error item in its place; the others still run', async () => {
	fleets(9, new Set([2, 6]));
	const run = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}'), options: { concurrency: 3 } },
		{ items: items(9), settings: { onError: 'continueRegularOutput' } },
	);
	expect(run.error).toBeUndefined();
	const out = run.output('4SEE');
	expect(out.map((item) => item.pairedItem)).toEqual(items(9).map((_, i) => ({ item: i })));
	expect(out.map((item) => (item.json.error === undefined ? item.json.id : 'error'))).toEqual([
		'fleet-0', 'fleet-1', 'error', 'fleet-3', 'fleet-4', 'fleet-5', 'error', 'fleet-7', 'fleet-8',
	]);
	expect(String(out[2].json.error)).toMatch(/fleet-2/);
});

test('without Continue On Fail: the earliest failed item is the error, and no item starts after it failed', async () => {
	const seen = fleets(20, new Set([1, 2]));
	const run = await runNode(
		{ resource: 'fleet', operation: 'get', fleet: byId('={{ $json.id }}'), options: { concurrency: 3 } },
		{ items: items(20) },
	);
	expect(run.error).toBeDefined();
	expect(nodeError(run)?.context?.itemIndex).toBe(1);
	expect(nodeError(run)?.message).toMatch(/fleet-1/);
	// The three first ones, and those started while they ran: far from all 20.
	expect(seen.requests).toBeLessThan(8);
});
