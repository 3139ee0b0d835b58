import nock from 'nock';
import { AUTH, TOKEN, nodeError, outputJson, runNode, unexpectedRequests, useNock } from '../setup';

useNock();

describe('API Key > Rotate', () => {
	test('without Confirm Rotation nothing is sent and the error says how to confirm', async () => {
		const run = await runNode({ resource: 'apiKey', operation: 'rotate' });
		expect(nodeError(run)?.name).toBe('NodeOperationError');
		expect(run.error?.message).toMatch(/Confirm Rotation/);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('confirmed: PUT to the Auth URL; the output carries the new key and says to update the credential', async () => {
		const scope = nock(AUTH, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
			.put('/api/v1/customers/rotate')
			.reply(200, { apiKey: 'brand-new-key' });

		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });

		expect(run.error).toBeUndefined();
		const [item] = outputJson(run);
		expect(item.newApiKey).toBe('brand-new-key');
		expect(item.rotated).toBe(true);
		expect(item.note).toMatch(/old key no longer works/);
		expect(item.note).toMatch(/credential/);
		expect(run.output('4SEE')[0].pairedItem).toEqual({ item: 0 });
		expect(scope.isDone()).toBe(true);
	});

	test('a new key under another accepted field name is found too', async () => {
		nock(AUTH).put('/api/v1/customers/rotate').reply(200, { customerApiKey: 'k2' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(outputJson(run)[0].newApiKey).toBe('k2');
	});

	test('with several input items it refuses before sending anything: each rotation would void the last key', async () => {
		const run = await runNode(
			{ resource: 'apiKey', operation: 'rotate', confirmRotation: true },
			{ items: [{ a: 1 }, { a: 2 }] },
		);
		expect(nodeError(run)?.name).toBe('NodeOperationError');
		expect(run.error?.message).toMatch(/must run only once/);
		expect(unexpectedRequests()).toEqual([]);
	});

	test("with n8n's Execute Once setting, several input items rotate exactly once", async () => {
		const scope = nock(AUTH).put('/api/v1/customers/rotate').once().reply(200, { apiKey: 'only-one' });
		const run = await runNode(
			{ resource: 'apiKey', operation: 'rotate', confirmRotation: true },
			{ items: [{ a: 1 }, { a: 2 }, { a: 3 }], settings: { executeOnce: true } },
		);
		expect(outputJson(run)).toHaveLength(1);
		expect(outputJson(run)[0].newApiKey).toBe('only-one');
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});

	test('a 429 from the rotate limit is not waited out for an hour: it fails with a clear message', async () => {
		nock(AUTH)
			.put('/api/v1/customers/rotate')
			.reply(429, { title: 'Too Many Requests', status: 429, detail: 'Rotate limit: 3 per hour' }, { 'Retry-After': '3000' });
		const run = await runNode({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(run.error).toBeDefined();
		expect(`${run.error?.message} ${run.error?.description ?? ''}`).toMatch(/rate limit|429|too many/i);
		expect(JSON.stringify(run.run.data.resultData)).not.toContain(TOKEN);
	});
});
