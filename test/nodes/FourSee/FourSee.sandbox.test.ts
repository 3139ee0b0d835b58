/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The 4SEE node end to end: workflow JSON run by n8n-core's real engine (WorkflowExecute),
 * with the real credential class (token from the sandbox's auth endpoint, stored and reused
 * across executions, refreshed after a 401), against the in-process sandbox. Every operation's
 * output is compared with the sandbox's own data: entity lists with a plain, independent HTTP
 * read of the same endpoints, telemetry with the sandbox's ground truth.
 */
import type { IDataObject } from 'n8n-workflow';

import { FourSeeApi } from '../../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../../nodes/FourSee/FourSee.node';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { advanceClock, configure, resetStats, scope as sandboxScope, stats, truth, type Scope } from '../../../sandbox/client';
import { CredentialStore, ITEMS_NODE_TYPE, itemsInto, runWorkflow, type WorkflowJson, type WorkflowRun } from '../../helpers/workflow';

let sandbox: Sandbox;
let store: CredentialStore;
let ids: Scope;
let rawToken: string;

/** Telemetry window inside the sandbox's history (its manual clock starts 2026-01-01). */
const START = '2025-12-31T06:00:00.000Z';
const END = '2025-12-31T09:30:00.000Z';

beforeAll(async () => {
	sandbox = await startSandbox({
		clock: 'manual',
		quiet: true,
		seed: 42,
		fleets: 2,
		trailersPerFleet: 23,
		devicesPerTrailer: 3,
		deliverSafeUnits: 11,
	});
	store = new CredentialStore({
		fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: `${sandbox.url}/`, sessionToken: '' },
	});
	ids = await sandboxScope(sandbox.url);
	const auth = await fetch(`${sandbox.url}/api/v1/customers/authenticate`, {
		method: 'POST',
		headers: { 'X-API-KEY': sandbox.apiKey },
	});
	rawToken = ((await auth.json()) as { token: string }).token;
});

afterAll(async () => {
	await sandbox.close();
});

/** Secrets seen so far: every API key the sandbox had and every session token n8n stored. */
const secrets = new Set<string>();

function rememberSecrets(): void {
	secrets.add(sandbox.apiKey);
	const token = store.data.fourSeeApi.sessionToken;
	if (typeof token === 'string' && token !== '') secrets.add(token);
}

/** Fails if an API key or token appears anywhere in what n8n recorded of the run. */
function expectNoSecrets(result: WorkflowRun, allowed: string[] = []): void {
	const recorded = JSON.stringify(result.run.data);
	for (const secret of secrets) {
		if (!allowed.includes(secret)) expect(recorded.includes(secret)).toBe(false);
	}
}

async function runJson(json: WorkflowJson): Promise<WorkflowRun> {
	rememberSecrets();
	const result = await runWorkflow(json, {
		nodeTypes: { fourSee: new FourSee() },
		credentialTypes: [new FourSeeApi()],
		credentials: store,
	});
	rememberSecrets();
	return result;
}

async function run(parameters: IDataObject, items: IDataObject[] = [{}]): Promise<WorkflowRun> {
	const result = await runJson(itemsInto({ type: 'fourSee', parameters }, items));
	if (parameters.resource !== 'apiKey') expectNoSecrets(result);
	return result;
}

function json(result: WorkflowRun): IDataObject[] {
	if (result.error) throw new Error(`run failed: ${result.error.message} ${result.error.description ?? ''}`);
	return result.output('4SEE').map((item) => item.json);
}

/** Independent read of a whole list with plain HTTP, as the ground truth for entity lists. */
async function rawList(path: string, qs: Record<string, string> = {}): Promise<IDataObject[]> {
	const out: IDataObject[] = [];
	let next: string | undefined;
	do {
		const params = new URLSearchParams({ ...qs, take: '500', ...(next ? { next } : {}) });
		const response = await fetch(`${sandbox.url}${path}?${params.toString()}`, {
			headers: { Authorization: `Bearer ${rawToken}` },
		});
		const body = (await response.json()) as { data: IDataObject[]; next?: string | null };
		out.push(...body.data);
		next = body.next ?? undefined;
	} while (next);
	return out;
}

async function rawOne(path: string): Promise<IDataObject> {
	const response = await fetch(`${sandbox.url}${path}`, { headers: { Authorization: `Bearer ${rawToken}` } });
	return (await response.json()) as IDataObject;
}

const id = (value: string) => ({ __rl: true, mode: 'id', value });
const fromList = (value: string) => ({ __rl: true, mode: 'list', value });

describe('every operation against the sandbox', () => {
	beforeAll(async () => {
		await resetStats(sandbox.url);
	});

	test('Fleet: Get Many (Return All) and Get', async () => {
		const expected = await rawList('/api/v1/fleets');
		expect(expected.map((f) => f.id)).toEqual(ids.fleets);
		expect(json(await run({ resource: 'fleet', operation: 'getMany', returnAll: true }))).toEqual(expected);
		expect(json(await run({ resource: 'fleet', operation: 'get', fleet: fromList('fleet-002') }))).toEqual([
			await rawOne('/api/v1/fleets/fleet-002'),
		]);
	});

	test('Trailer: Get Many over several pages, with and without Active Only, and Get', async () => {
		const all = await rawList('/api/v1/trailers/fleet-001');
		expect(all).toHaveLength(23);
		const got = json(await run({ resource: 'trailer', operation: 'getMany', fleet: id('fleet-001'), returnAll: true, options: { pageSize: 5 } }));
		expect(got).toEqual(all);

		const active = json(await run({ resource: 'trailer', operation: 'getMany', fleet: id('fleet-001'), activeOnly: true, returnAll: true, options: { pageSize: 4 } }));
		expect(active).toEqual(all.filter((t) => t.active === true));
		expect(active.some((t) => ids.inactiveTrailers.includes(String(t.id)))).toBe(false);

		const limited = json(await run({ resource: 'trailer', operation: 'getMany', fleet: id('fleet-001'), limit: 7, options: { pageSize: 5 } }));
		expect(limited).toEqual(all.slice(0, 7));

		expect(json(await run({ resource: 'trailer', operation: 'get', trailer: id('trl-00003') }))).toEqual([
			await rawOne('/api/v1/trailers/trl-00003'),
		]);
	});

	test('Trailer: Get GPS Telemetry over a window equals the ground truth, across page boundaries', async () => {
		const got = json(
			await run({
				resource: 'trailer',
				operation: 'getGpsTelemetry',
				trailer: id('trl-00002'),
				timeRange: 'between',
				start: START,
				end: END,
				returnAll: true,
				options: { pageSize: 37 },
			}),
		);
		const expected = (await truth(sandbox.url, { kind: 'gps', id: 'trl-00002', from: START, to: END })).records.filter(
			(r) => r.timestamp !== END,
		);
		expect(expected.length).toBeGreaterThan(100);
		expect(got).toEqual(expected);
	});

	test('Device: Get Many, Get, Get Telemetry (records sharing a timestamp across pages, once each)', async () => {
		const devices = await rawList('/api/v1/devices/trl-00005');
		expect(json(await run({ resource: 'device', operation: 'getMany', trailer: id('trl-00005'), returnAll: true, options: { pageSize: 2 } }))).toEqual(devices);
		expect(json(await run({ resource: 'device', operation: 'getMany', trailer: id('trl-00005'), activeOnly: true, returnAll: true }))).toEqual(
			devices.filter((d) => d.active === true),
		);
		const device = String(devices[1].id);
		expect(json(await run({ resource: 'device', operation: 'get', device: id(device) }))).toEqual([
			await rawOne(`/api/v1/devices/details/${device}`),
		]);
		const got = json(
			await run({
				resource: 'device',
				operation: 'getTelemetry',
				device: id(device),
				timeRange: 'between',
				start: START,
				end: END,
				returnAll: true,
				options: { pageSize: 3 },
			}),
		);
		const expected = (await truth(sandbox.url, { kind: 'device', id: device, from: START, to: END })).records.filter(
			(r) => r.timestamp !== END,
		);
		expect(expected.length).toBeGreaterThan(10);
		expect(got).toEqual(expected);
	});

	test('DeliverSafe: Get Many, Get, Get Telemetry', async () => {
		const units = await rawList('/api/v1/deliversafe');
		expect(units.map((u) => u.id)).toEqual(ids.deliverSafeUnits);
		expect(json(await run({ resource: 'deliverSafe', operation: 'getMany', returnAll: true, options: { pageSize: 4 } }))).toEqual(units);
		expect(json(await run({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: id('ds-0003') }))).toEqual([
			await rawOne('/api/v1/deliversafe/ds-0003'),
		]);
		const from = '2025-12-30T00:00:00.000Z';
		const got = json(
			await run({
				resource: 'deliverSafe',
				operation: 'getTelemetry',
				deliverSafeUnit: id('ds-0003'),
				timeRange: 'between',
				start: from,
				end: END,
				returnAll: true,
				options: { pageSize: 5 },
			}),
		);
		const expected = (await truth(sandbox.url, { kind: 'deliverSafe', id: 'ds-0003', from, to: END })).records.filter(
			(r) => r.timestamp !== END,
		);
		expect(expected.length).toBeGreaterThan(5);
		expect(got).toEqual(expected);
	});

	test('per-item parameters: one run, one fleet per input item, outputs paired to their items', async () => {
		const result = await run(
			{ resource: 'trailer', operation: 'getMany', fleet: id('={{ $json.fleet }}'), limit: '={{ $json.n }}' },
			[
				{ fleet: 'fleet-002', n: 2 },
				{ fleet: 'fleet-001', n: 1 },
			],
		);
		const items = result.output('4SEE');
		expect(items.map((i) => [i.json.fleetId, i.pairedItem])).toEqual([
			['fleet-002', { item: 0 }],
			['fleet-002', { item: 0 }],
			['fleet-001', { item: 1 }],
		]);
	});

	test('a workflow chaining two 4SEE nodes: the active trailers of a fleet, then each one\'s GPS fixes', async () => {
		const workflow: WorkflowJson = {
			nodes: [
				{ id: '1', name: 'Start', type: ITEMS_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: { items: '[{}]' } },
				{
					id: '2',
					name: 'Trailers',
					type: 'n8n-nodes-4see.fourSee',
					typeVersion: 1,
					position: [200, 0],
					credentials: { fourSeeApi: { id: '1', name: '4SEE API' } },
					parameters: { resource: 'trailer', operation: 'getMany', fleet: id('fleet-002'), activeOnly: true, limit: 3 },
				},
				{
					id: '3',
					name: 'GPS',
					type: 'n8n-nodes-4see.fourSee',
					typeVersion: 1,
					position: [400, 0],
					credentials: { fourSeeApi: { id: '1', name: '4SEE API' } },
					parameters: {
						resource: 'trailer',
						operation: 'getGpsTelemetry',
						trailer: id('={{ $json.id }}'),
						timeRange: 'between',
						start: START,
						end: '2025-12-31T06:10:00.000Z',
						returnAll: true,
					},
				},
			],
			connections: {
				Start: { main: [[{ node: 'Trailers', type: 'main', index: 0 }]] },
				Trailers: { main: [[{ node: 'GPS', type: 'main', index: 0 }]] },
			},
		};
		const result = await runJson(workflow);
		expect(result.error).toBeUndefined();
		expectNoSecrets(result);
		const trailers = result.output('Trailers').map((i) => String(i.json.id));
		expect(trailers).toHaveLength(3);
		const fixes = result.output('GPS');
		const expected: Array<[string, number]> = [];
		for (const [index, trailer] of trailers.entries()) {
			const records = (await truth(sandbox.url, { kind: 'gps', id: trailer, from: START, to: '2025-12-31T06:10:00.000Z' })).records;
			for (const record of records.filter((r) => r.timestamp !== '2025-12-31T06:10:00.000Z')) {
				expected.push([`${trailer}@${String(record.timestamp)}`, index]);
			}
		}
		expect(expected.length).toBeGreaterThan(3);
		expect(fixes.map((i) => [`${String(i.json.trailerId)}@${String(i.json.timestamp)}`, (i.pairedItem as { item: number }).item])).toEqual(expected);
	});

	test('all these executions shared one stored token: a single login', async () => {
		expect((await stats(sandbox.url)).authCalls).toBe(1);
	});
});

describe('under pressure', () => {
	afterEach(async () => {
		await configure(sandbox.url, { burst: 100, refillPerSecond: 20, latencyMs: 0 });
	});

	test('a run that meets 429s waits them out and returns every record', async () => {
		await configure(sandbox.url, { burst: 2, refillPerSecond: 25 });
		await resetStats(sandbox.url);
		const all = await rawList('/api/v1/trailers/fleet-002');
		const got = json(await run({ resource: 'trailer', operation: 'getMany', fleet: id('fleet-002'), returnAll: true, options: { pageSize: 2 } }));
		expect(got).toEqual(all);
		const after = await stats(sandbox.url);
		expect(after.rateLimited).toBeGreaterThan(0);
	});

	test('a token that expires midway costs one extra login and loses no record', async () => {
		const expected = await rawList('/api/v1/trailers/fleet-001');
		await configure(sandbox.url, { latencyMs: 25 });
		await resetStats(sandbox.url);
		const before = await stats(sandbox.url);
		const pending = run({ resource: 'trailer', operation: 'getMany', fleet: id('fleet-001'), returnAll: true, options: { pageSize: 2 } });
		// Let a few pages through, then move the simulated clock past the token's lifetime.
		for (let i = 0; i < 400 && ((await stats(sandbox.url)).requests.total - before.requests.total) < 4; i++) {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		await advanceClock(sandbox.url, 1801);
		const got = json(await pending);
		const after = await stats(sandbox.url);
		expect(got).toEqual(expected);
		expect(after.authCalls - before.authCalls).toBe(1);
		expect(after.responses['401'] ?? 0).toBeGreaterThanOrEqual(1);
		// The raw reader's token expired too; get a fresh one for later tests.
		const auth = await fetch(`${sandbox.url}/api/v1/customers/authenticate`, { method: 'POST', headers: { 'X-API-KEY': sandbox.apiKey } });
		rawToken = ((await auth.json()) as { token: string }).token;
	});
});

describe('API Key > Rotate against the sandbox', () => {
	test('the new key is in the output and works; the old one no longer does', async () => {
		const oldKey = sandbox.apiKey;
		const result = await run({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		const [item] = json(result);
		// The new key is meant to be in the output; nothing else secret is.
		expectNoSecrets(result, [String(item.newApiKey)]);
		expect(item.newApiKey).toBe(sandbox.apiKey);
		expect(item.newApiKey).not.toBe(oldKey);
		expect(String(item.note)).toMatch(/credential/);
		const login = (key: string) =>
			fetch(`${sandbox.url}/api/v1/customers/authenticate`, { method: 'POST', headers: { 'X-API-KEY': key } });
		expect((await login(String(item.newApiKey))).status).toBe(200);
		expect((await login(oldKey)).status).toBe(401);
	});

	test('rotating twice with the same credential: the second run is refused before rotating, and the old key\'s token is not sent again', async () => {
		// A credential of its own holding the current key; a run stores a token for it.
		const mine = new CredentialStore({
			fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' },
		});
		const runWith = async (parameters: IDataObject) => {
			const result = await runWorkflow(itemsInto({ type: 'fourSee', parameters }, [{}]), {
				nodeTypes: { fourSee: new FourSee() },
				credentialTypes: [new FourSeeApi()],
				credentials: mine,
			});
			for (const secret of [mine.data.fourSeeApi.apiKey, mine.data.fourSeeApi.sessionToken]) {
				if (typeof secret === 'string' && secret !== '') secrets.add(secret);
			}
			return result;
		};
		expect((await runWith({ resource: 'fleet', operation: 'getMany', returnAll: true })).error).toBeUndefined();
		const storedToken = String(mine.data.fourSeeApi.sessionToken);
		await resetStats(sandbox.url);

		const first = await runWith({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(first.error).toBeUndefined();
		const second = await runWith({ resource: 'apiKey', operation: 'rotate', confirmRotation: true });
		expect(second.error?.message).toBe('4SEE rejected the API key: if you rotated it, put the new key into the credential');
		expect(second.error?.description).toMatch(/^Nothing was rotated/);
		expect(JSON.stringify(second.run.data.resultData)).not.toContain(String(json(first)[0].newApiKey));
		expectNoSecrets(second);
		const counted = await stats(sandbox.url);
		expect(counted.rotateCalls).toBe(1);
		// One fresh login per rotation attempt, nothing else.
		expect(counted.authCalls).toBe(2);
		// The sandbox does not revoke tokens on rotation: the stored token still works there...
		const direct = await fetch(`${sandbox.url}/api/v1/fleets`, { headers: { Authorization: `Bearer ${storedToken}` } });
		expect(direct.status).toBe(200);
		// ...but the package does not send it again: the next run logs in and is refused.
		await resetStats(sandbox.url);
		const after = await runWith({ resource: 'fleet', operation: 'getMany', returnAll: true });
		expect(after.error?.message).toBe('The 4SEE auth server rejected the API key');
		const afterStats = await stats(sandbox.url);
		expect(afterStats.authCalls).toBe(1);
		expect(afterStats.requests.byRoute['GET /api/v1/fleets'] ?? 0).toBe(0);
	});
});
