/**
 * The end-to-end suite of issue 6, run once per n8n major version (n8n-2.e2e.ts, n8n-1.e2e.ts).
 * Tests run in the order written: they share one n8n and one sandbox, and the later ones
 * (restart, short token lifetime, key rotation) change state the earlier ones rely on.
 */
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { devExampleWorkflows, exampleWorkflows, sandboxCredential, type CredentialJson, type WorkflowJson } from '../../scripts/lib/examples';
import { control, E2eEnv, waitFor } from './harness';
import { scanner } from '../helpers/canary';
import { SandboxReader } from './sandboxReader';
import { ensureChromium, takeScreenshots } from './screenshots';
import {
	ACTION_NODE,
	chainConnections,
	credentialRef,
	CREDENTIAL_TYPE,
	forwardNode,
	type NodeJson,
	fourSeeNode,
	httpRequestNode,
	TOOL_NODE,
	TRIGGER_NODE,
	waitNode,
	webhookWorkflow,
	workflowId,
} from './workflows';

type Item = Record<string, unknown>;

/**
 * The trigger's schedule. n8n polls once at activation and at start-up, then on this schedule.
 * 1.x refuses only a `*` in the seconds field, so a list of seconds polls every 10 s and keeps
 * the test short; 2.x accepts nothing more often than once a minute.
 */
function pollTimes(major: 1 | 2): Record<string, unknown> {
	return major === 1
		? { item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }] }
		: { item: [{ mode: 'everyMinute' }] };
}

/** A record as the API serves it: the trigger's item without its metadata. */
function recordOf(item: Item): string {
	const { fourSee: _meta, ...record } = item;
	return canonical(record);
}

function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Item).sort(([a], [b]) => a.localeCompare(b));
		return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

function gpsFix(at: Date, n: number): Item {
	return { timestamp: at.toISOString(), latitude: 41.5 + n / 1000, longitude: -87.6 - n / 1000, speedKph: 50 + n, heading: 90 };
}

const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });

/** A time window in the past with odd milliseconds, so no record sits exactly on an edge. */
function window(hoursBack: number, hours: number): { start: string; end: string } {
	const end = Date.now() - (hoursBack - hours) * 3_600_000 - 60_000 + 137;
	return { start: new Date(end - hours * 3_600_000).toISOString(), end: new Date(end).toISOString() };
}

export function badCredential(sandboxUrl: string): CredentialJson {
	return {
		id: 'FourSeeBadKey001',
		name: '4SEE wrong key',
		type: CREDENTIAL_TYPE,
		data: { apiKey: 'not-the-key-0000', authUrl: sandboxUrl, baseUrl: sandboxUrl },
	};
}

/**
 * Every "resource > operation" the action node offers, read from its description (what the
 * editor lists), so an operation added to the node without an e2e case fails the suite.
 */
function operationsOfTheNode(): string[] {
	const { properties } = new FourSee().description;
	const resources = properties.find((property) => property.name === 'resource')!.options as Array<{ value: string }>;
	const pairs: string[] = [];
	for (const { value: resource } of resources) {
		const operation = properties.find(
			(property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource),
		);
		for (const option of (operation?.options ?? []) as Array<{ value: string }>) pairs.push(`${resource} > ${option.value}`);
	}
	return pairs.sort();
}

interface OperationCase {
	title: string;
	parameters: Item;
	expected: () => Promise<Item[]>;
}

export function defineE2eSuite(major: 1 | 2): void {
	describe(`n8n ${major}.x with n8n-nodes-4see, against the sandbox`, () => {
		const env = new E2eEnv(major);
		let good: CredentialJson;
		let bad: CredentialJson;
		let reader: SandboxReader;
		let scope: control.Scope;
		const workflows: WorkflowJson[] = [];
		const webhookWorkflows: string[] = [];
		const operations: OperationCase[] = [];
		/** "resource > operation" of every operation whose workflow ran and output what it should. */
		const passed = new Set<string>();
		const triggerWorkflowId = workflowId('e2e trigger gps');
		const deliverSafeTriggerId = workflowId('e2e trigger deliversafe');
		const deliverSafeEvents = ['door_opened', 'tamper'];
		let watchedUnit = '';
		let watchedTrailer = '';
		let triggerStart = '';

		const addWebhookWorkflow = (workflow: WorkflowJson) => {
			workflows.push(workflow);
			webhookWorkflows.push(workflow.id);
			return workflow;
		};
		const operationPath = (title: string) => `e2e-op-${workflowId(title)}`;

		/** Every operation of the action node, with what the sandbox says it must output. */
		function defineOperations(): void {
			const [fleet] = scope.fleets;
			const trailer = scope.trailers[1];
			const device = scope.devices[0];
			const unit = scope.deliverSafeUnits[0];
			const gpsWindow = window(3, 2);
			const deviceWindow = window(6, 4);
			const unitWindow = window(30, 24);
			const between = (w: { start: string; end: string }) => ({ timeRange: 'between', start: w.start, end: w.end });
			const truth = async (kind: control.TelemetryKind, id: string, w: { start: string; end: string }) =>
				(await control.truth(env.sandbox.url, { kind, id, from: w.start, to: w.end })).records.filter(
					// The node's End is exclusive; the sandbox's `to` is inclusive.
					(record) => String(record.timestamp) < w.end,
				);
			const add = (title: string, parameters: Item, expected: () => Promise<Item[]>) => {
				operations.push({ title, parameters, expected });
			};

			add('Fleet > Get', { resource: 'fleet', operation: 'get', fleet: byId(fleet) }, async () => [
				await reader.record(`/api/v1/fleets/${fleet}`),
			]);
			add('Fleet > Get Many (Return All)', { resource: 'fleet', operation: 'getMany', returnAll: true }, () =>
				reader.all('/api/v1/fleets'),
			);
			add('Fleet > Get Many (Limit 2)', { resource: 'fleet', operation: 'getMany', returnAll: false, limit: 2 }, async () =>
				(await reader.all('/api/v1/fleets')).slice(0, 2),
			);
			add('Trailer > Get', { resource: 'trailer', operation: 'get', trailer: byId(trailer) }, async () => [
				await reader.record(`/api/v1/trailers/${trailer}`),
			]);
			add(
				'Trailer > Get Many (Return All)',
				{ resource: 'trailer', operation: 'getMany', fleet: byId(fleet), activeOnly: false, returnAll: true },
				() => reader.all(`/api/v1/trailers/${fleet}`),
			);
			add(
				'Trailer > Get Many (Active Only)',
				{ resource: 'trailer', operation: 'getMany', fleet: byId(fleet), activeOnly: true, returnAll: true },
				async () => (await reader.all(`/api/v1/trailers/${fleet}`)).filter((t) => t.active === true),
			);
			add(
				'Trailer > Get GPS Telemetry (Return All, between start and end)',
				{ resource: 'trailer', operation: 'getGpsTelemetry', trailer: byId(trailer), ...between(gpsWindow), returnAll: true },
				() => truth('gps', trailer, gpsWindow),
			);
			add('Device > Get', { resource: 'device', operation: 'get', device: byId(device) }, async () => [
				await reader.record(`/api/v1/devices/details/${device}`),
			]);
			add(
				'Device > Get Many (Return All)',
				{ resource: 'device', operation: 'getMany', trailer: byId(scope.trailers[0]), activeOnly: false, returnAll: true },
				() => reader.all(`/api/v1/devices/${scope.trailers[0]}`),
			);
			add(
				'Device > Get Telemetry (Limit 7)',
				{ resource: 'device', operation: 'getTelemetry', device: byId(device), ...between(deviceWindow), returnAll: false, limit: 7 },
				async () => (await truth('device', device, deviceWindow)).slice(0, 7),
			);
			add('DeliverSafe > Get', { resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId(unit) }, async () => [
				await reader.record(`/api/v1/deliversafe/${unit}`),
			]);
			add('DeliverSafe > Get Many (Return All)', { resource: 'deliverSafe', operation: 'getMany', returnAll: true }, () =>
				reader.all('/api/v1/deliversafe'),
			);
			add(
				'DeliverSafe > Get Telemetry (Return All)',
				{ resource: 'deliverSafe', operation: 'getTelemetry', deliverSafeUnit: byId(unit), ...between(unitWindow), returnAll: true },
				() => truth('deliverSafe', unit, unitWindow),
			);
			for (const operation of operations) {
				addWebhookWorkflow(
					webhookWorkflow(`e2e ${operation.title}`, operationPath(operation.title), [
						fourSeeNode('4SEE', { ...operation.parameters, options: {} }, good),
					]),
				);
			}
		}

		beforeAll(async () => {
			await env.setup();
			const url = env.sandbox.url;
			good = sandboxCredential(url, env.sandbox.apiKey);
			bad = badCredential(url);
			reader = new SandboxReader(url, env.sandbox.apiKey);
			await reader.login();
			scope = await control.scope(url);

			defineOperations();
			addWebhookWorkflow(
				webhookWorkflow('e2e http request with 4SEE credential', 'e2e-http-request', [
					httpRequestNode('HTTP Request', `${url}/api/v1/fleets?take=500`, good),
				]),
			);
			// Fetches, waits longer than a short-lived token lives, fetches again.
			addWebhookWorkflow(
				webhookWorkflow('e2e outlives its token', 'e2e-outlives-token', [
					fourSeeNode('Fleets', { resource: 'fleet', operation: 'getMany', returnAll: true, options: {} }, good),
					{ ...waitNode('Wait', 6), executeOnce: true },
					fourSeeNode(
						'Trailers',
						{ resource: 'trailer', operation: 'getMany', fleet: byId(scope.fleets[0]), activeOnly: false, returnAll: true, options: {} },
						good,
					),
				]),
			);
			addWebhookWorkflow(
				webhookWorkflow('e2e rotate key', 'e2e-rotate', [
					fourSeeNode('Rotate', { resource: 'apiKey', operation: 'rotate', confirmRotation: true, options: {} }, good),
				]),
			);

			watchedTrailer = scope.trailers[0];
			// From a fixed date rather than "now", so the expected records are exactly the sandbox's
			// records of the trailer from that time on.
			triggerStart = new Date(Date.now() - 5_000).toISOString();
			const triggerNodes: NodeJson[] = [
				{
					id: 'c4f5d2de-0000-4000-8000-000000000001',
					name: '4SEE Trigger',
					type: TRIGGER_NODE,
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						pollTimes: pollTimes(major),
						event: 'gpsPosition',
						gpsScope: 'trailer',
						trailer: byId(watchedTrailer),
						startFrom: 'date',
						startDate: triggerStart,
						options: {},
					},
					credentials: credentialRef(good),
				},
				{
					...forwardNode('Collect', `${env.collector.url}/trigger`),
					id: 'c4f5d2de-0000-4000-8000-000000000002',
					position: [240, 0],
				},
			];
			workflows.push({
				id: triggerWorkflowId,
				name: 'e2e trigger gps',
				nodes: triggerNodes,
				connections: chainConnections(triggerNodes),
				settings: {},
				active: false,
			});

			// A second trigger, activated with n8n's CLI while n8n is stopped (2.x: publish:workflow,
			// 1.x: update:workflow --active=true), with an event-type filter; its records are in the
			// sandbox before n8n starts, so the poll at start-up emits them.
			watchedUnit = scope.deliverSafeUnits[1];
			const unitEvents = ['door_opened', 'door_closed', 'door_opened', 'cargo_loaded', 'tamper'].map((event, i) => ({
				timestamp: new Date(Date.now() - 4_000 + i * 500).toISOString(),
				event,
				doorOpen: event === 'door_opened',
				temperatureC: 4 + i / 10,
			}));
			await control.appendTelemetry(url, { kind: 'deliverSafe', id: watchedUnit, records: unitEvents });
			const deliverSafeNodes: NodeJson[] = [
				{
					id: 'c4f5d2de-0000-4000-8000-000000000011',
					name: '4SEE Trigger',
					type: TRIGGER_NODE,
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						pollTimes: pollTimes(major),
						event: 'deliverSafeTelemetry',
						deliverSafeScope: 'unit',
						deliverSafeUnit: byId(watchedUnit),
						deliverSafeEvents,
						startFrom: 'date',
						startDate: triggerStart,
						options: {},
					},
					credentials: credentialRef(good),
				},
				{
					...forwardNode('Collect', `${env.collector.url}/deliversafe`),
					id: 'c4f5d2de-0000-4000-8000-000000000012',
					position: [240, 0],
				},
			];
			workflows.push({
				id: deliverSafeTriggerId,
				name: 'e2e trigger deliversafe',
				nodes: deliverSafeNodes,
				connections: chainConnections(deliverSafeNodes),
				settings: {},
				active: false,
			});

			await env.launch({
				credentials: [good, bad],
				workflows: [...devExampleWorkflows(), ...workflows],
				activeAtStart: [deliverSafeTriggerId],
			});
			for (const id of webhookWorkflows) await env.activate(id);
		}, 15 * 60 * 1000);

		afterAll(async () => {
			await env.teardown();
		}, 2 * 60 * 1000);

		test('the package loads: both nodes, the AI tool variant and the credential are listed', async () => {
			const nodes = (await env.rest.request('GET', '/types/nodes.json')) as Array<{ name: string; version: number | number[] }>;
			const names = new Set(nodes.map((node) => node.name));
			expect(names).toContain(ACTION_NODE);
			expect(names).toContain(TRIGGER_NODE);
			expect(names).toContain(TOOL_NODE);
			const credentials = (await env.rest.request('GET', '/types/credentials.json')) as Array<{ name: string }>;
			expect(credentials.map((c) => c.name)).toContain(CREDENTIAL_TYPE);
			expect(env.n8n.serverOutput).not.toMatch(/(error|failed).*(fourSee|n8n-nodes-4see)/i);

			// The example workflows use only node types and versions this n8n has (ours renamed to
			// CUSTOM.*, as npm start imports them)...
			const versions = new Map<string, number[]>();
			for (const node of nodes) {
				versions.set(node.name, [...(versions.get(node.name) ?? []), ...[node.version].flat()]);
			}
			// ...and are stored with the names a community-package install gives, for users to import.
			const ours = exampleWorkflows()
				.flatMap((workflow) => workflow.nodes.map((node) => node.type))
				.filter((type) => /fourSee/.test(type));
			expect(ours.length).toBeGreaterThanOrEqual(4);
			for (const type of ours) expect(type).toMatch(/^n8n-nodes-4see\.fourSee(Trigger|Tool)?$/);
			for (const workflow of devExampleWorkflows()) {
				for (const node of workflow.nodes) {
					expect({ workflow: workflow.name, node: node.name, known: versions.get(node.type)?.includes(node.typeVersion) }).toEqual(
						{ workflow: workflow.name, node: node.name, known: true },
					);
				}
			}
		});

		test("a trigger activated with n8n's CLI emits, at start-up, each chosen DeliverSafe event once", async () => {
			const expected = (await control.truth(env.sandbox.url, { kind: 'deliverSafe', id: watchedUnit, from: triggerStart })).records
				.filter((record) => deliverSafeEvents.includes(String(record.event)))
				.map(canonical);
			expect(expected.length).toBeGreaterThanOrEqual(3);
			const received = () => env.collector.bodies('/deliversafe').map(recordOf);
			await waitFor('the DeliverSafe events', () => {
				const seen = new Set(received());
				return expected.every((record) => seen.has(record)) ? true : undefined;
			});
			// Stopped before the token-counting tests, so its polls cannot add logins to theirs.
			await env.deactivate(deliverSafeTriggerId);
			expect(received().sort()).toEqual([...expected].sort());
		});

		test("the credential's Test passes with the sandbox's key", async () => {
			const result = (await env.rest.request('POST', '/rest/credentials/test', {
				credentials: { id: good.id, name: good.name, type: good.type, data: good.data },
			})) as { data: { status: string; message: string } };
			expect(result.data).toEqual(expect.objectContaining({ status: 'OK' }));
		});

		test("the credential's Test fails with a wrong key, saying the key was rejected, without echoing it", async () => {
			const result = (await env.rest.request('POST', '/rest/credentials/test', {
				credentials: { id: bad.id, name: bad.name, type: bad.type, data: bad.data },
			})) as { data: { status: string; message: string } };
			expect(result.data.status).toBe('Error');
			expect(result.data.message).toMatch(/rejected the API key/i);
			expect(JSON.stringify(result)).not.toContain(bad.data.apiKey);
		});

		test('several separate executions cost one token request: n8n keeps the token', async () => {
			await control.expireTokens(env.sandbox.url);
			const before = (await env.stats()).authCalls;
			const path = operationPath('Fleet > Get Many (Return All)');
			for (let i = 0; i < 3; i++) {
				expect((await env.webhookItems(path)).map((fleet) => fleet.id)).toEqual(scope.fleets);
			}
			expect((await env.stats()).authCalls - before).toBe(1);
		});

		describe('every operation of the action node outputs what the sandbox holds', () => {
			test.each([
				'Fleet > Get',
				'Fleet > Get Many (Return All)',
				'Fleet > Get Many (Limit 2)',
				'Trailer > Get',
				'Trailer > Get Many (Return All)',
				'Trailer > Get Many (Active Only)',
				'Trailer > Get GPS Telemetry (Return All, between start and end)',
				'Device > Get',
				'Device > Get Many (Return All)',
				'Device > Get Telemetry (Limit 7)',
				'DeliverSafe > Get',
				'DeliverSafe > Get Many (Return All)',
				'DeliverSafe > Get Telemetry (Return All)',
			])('%s', async (title) => {
				const operation = operations.find((candidate) => candidate.title === title)!;
				const items = await env.webhookItems(operationPath(title));
				const expected = await operation.expected();
				expect(expected.length).toBeGreaterThan(0);
				expect(items).toEqual(expected);
				passed.add(`${operation.parameters.resource} > ${operation.parameters.operation}`);
			});
		});

		test("n8n's HTTP Request node calls the API with our credential as a predefined credential type", async () => {
			const items = await env.webhookItems('e2e-http-request');
			// The node answers the API's page envelope as one item.
			const page = items[0] as { data: Array<{ id: string }> };
			expect(page.data.map((fleet) => fleet.id)).toEqual(scope.fleets);
		});

		test('a workflow with the node as an AI agent tool loads, with the tool variant and its parameters', async () => {
			const example = devExampleWorkflows().find((workflow) => workflow.nodes.some((node) => node.type === TOOL_NODE))!;
			const stored = (await env.rest.request('GET', `/rest/workflows/${example.id}`)) as {
				data: { nodes: Array<{ type: string; parameters: Item }>; connections: Record<string, Item> };
			};
			const tools = stored.data.nodes.filter((node) => node.type === TOOL_NODE);
			expect(tools.length).toBe(2);
			// n8n builds the tool variant from the node at start-up; the editor reads it from here.
			const nodes = (await env.rest.request('GET', '/types/nodes.json')) as Array<{
				name: string;
				outputs: unknown;
				properties: Array<{ name: string }>;
			}>;
			const tool = nodes.find((node) => node.name === TOOL_NODE)!;
			expect(tool).toBeDefined();
			expect(JSON.stringify(tool.outputs)).toContain('ai_tool');
			const parameterNames = tool.properties.map((property) => property.name);
			expect(parameterNames).toEqual(expect.arrayContaining(['toolDescription', 'resource', 'operation', 'trailer']));
			// Wired into the agent as tools.
			for (const node of stored.data.nodes.filter((n) => n.type === TOOL_NODE)) {
				const name = (node as unknown as { name: string }).name;
				expect(JSON.stringify(stored.data.connections[name])).toContain('ai_tool');
			}
		});

		test('the trigger, active, emits new telemetry on real polls, and after a restart resumes from its cursor with no duplicate and no loss', async () => {
			try {
				await triggerAcrossRestart();
			} finally {
				// Whatever failed, the tests after this one need n8n running.
				if (!env.n8n.running) await env.start();
			}
		}, 6 * 60 * 1000);

		async function triggerAcrossRestart(): Promise<void> {
			const url = env.sandbox.url;
			const collectedRecords = () => env.collector.bodies('/trigger').map(recordOf);
			const hasAll = (records: Item[]) => {
				const seen = new Set(collectedRecords());
				return records.every((record) => seen.has(canonical({ ...record, trailerId: watchedTrailer })));
			};

			// Appended before activation: the poll n8n runs when it activates the workflow emits them.
			const first = [gpsFix(new Date(Date.now() - 1_000), 1), gpsFix(new Date(Date.now() - 1_000), 2)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: first });
			await env.activate(triggerWorkflowId);
			await waitFor('the records of the activation poll', () => (hasAll(first) ? true : undefined), { timeoutMs: 30_000 });

			// Appended while active: a scheduled poll (every 10 s on 1.x, every minute on 2.x) emits it.
			const scheduled = [gpsFix(new Date(), 3)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: scheduled });
			await waitFor('the record of a scheduled poll', () => (hasAll(scheduled) ? true : undefined), { timeoutMs: 90_000 });

			// n8n is down: records arrive meanwhile, and a separate `n8n execute` process runs the
			// spreadsheet example. It needs no new token: n8n stored the one it has in its database.
			await env.stop();
			const during = [gpsFix(new Date(), 4), gpsFix(new Date(), 5), gpsFix(new Date(Date.now() - 500), 6)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: during });
			const fleetTrailers = await reader.all(`/api/v1/trailers/${scope.fleets[0]}`);
			const authBefore = (await env.stats()).authCalls;
			const run = await env.n8n.cli(['execute', '--id=FourSeeExample01', '--rawOutput']);
			scanner.scan('the output of `n8n execute` (the spreadsheet example)', run);
			expect((await env.stats()).authCalls).toBe(authBefore);
			expect(run.stdout).toContain('trailers.csv');
			for (const trailer of fleetTrailers) expect(run.stdout).toContain(String(trailer.id));

			const cut = new Date().toISOString();
			await env.start();
			await waitFor('the records appended during the restart', () => (hasAll(during) ? true : undefined), { timeoutMs: 90_000 });

			// Everything the sandbox holds for the trailer from the start date up to the restart (which
			// the start-up poll covered) must have arrived, exactly once.
			const truth = await control.truth(url, { kind: 'gps', id: watchedTrailer, from: triggerStart, to: cut });
			const expected = truth.records.map(canonical);
			await waitFor(
				'every record of the trailer since the start date',
				() => {
					const seen = new Set(collectedRecords());
					return expected.every((record) => seen.has(record)) ? true : undefined;
				},
				{ timeoutMs: 30_000 },
			);
			const counts = new Map<string, number>();
			for (const record of collectedRecords()) counts.set(record, (counts.get(record) ?? 0) + 1);
			expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
			const all = new Set((await control.truth(url, { kind: 'gps', id: watchedTrailer, from: triggerStart })).records.map(canonical));
			expect(collectedRecords().filter((record) => !all.has(record))).toEqual([]);
			expect(expected.length).toBeGreaterThanOrEqual(first.length + scheduled.length + during.length);

			// The following tests change the token lifetime and the key: the trigger stops here.
			await env.deactivate(triggerWorkflowId);
		}

		test('with a short token lifetime, an execution that outlives its token still completes', async () => {
			const url = env.sandbox.url;
			await control.configure(url, { tokenTtlSeconds: 3 });
			await control.expireTokens(url);
			const before = await env.stats();
			try {
				const items = await env.webhookItems('e2e-outlives-token');
				// Counted before the reader below logs in again for the expected records.
				const after = await env.stats();
				expect(items).toEqual(await reader.all(`/api/v1/trailers/${scope.fleets[0]}`));
				// A token for the first request, and a fresh one after the wait outlived it.
				expect(after.authCalls - before.authCalls).toBeGreaterThanOrEqual(2);
				expect((after.responses['401'] ?? 0) - (before.responses['401'] ?? 0)).toBeGreaterThanOrEqual(1);
			} finally {
				await control.configure(url, { tokenTtlSeconds: 1800 });
			}
		});

		if (major === 2) {
			describe('in the editor', () => {
				// Installing Debian's chromium on a fresh machine takes minutes: its own step and timeout,
				// failing this block with apt-get's message when it cannot be installed.
				beforeAll(() => ensureChromium(), 15 * 60 * 1000);

				test('screenshots of the nodes in the editor (Debian chromium, headless)', async () => {
					const trailers = await reader.all(`/api/v1/trailers/${scope.fleets[0]}`);
					const files = await takeScreenshots(env, trailers.length);
					expect(files.length).toBeGreaterThanOrEqual(3);
				}, 5 * 60 * 1000);
			});
		}

		test('API Key > Rotate returns the new key and says to update the credential (last: the old key dies)', async () => {
			const oldKey = env.sandbox.apiKey;
			const [item] = await env.webhookItems('e2e-rotate');
			expect(item.rotated).toBe(true);
			expect(item.newApiKey).toBe(env.sandbox.apiKey);
			expect(item.newApiKey).not.toBe(oldKey);
			expect(String(item.note)).toMatch(/credential/i);
			passed.add('apiKey > rotate');
		});

		test("no operation of the node left untested: every resource and operation in the node's description passed above", () => {
			expect([...passed].sort()).toEqual(operationsOfTheNode());
		});
	});
}
