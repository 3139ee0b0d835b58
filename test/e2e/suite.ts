/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The end-to-end suite of issue 6, run once per n8n major version (n8n-2.e2e.ts, n8n-1.e2e.ts).
 * Tests run in the order written: they share one n8n and one sandbox, and the later ones
 * (restart, short token lifetime, key rotation) change state the earlier ones rely on.
 */
import { canonicalJson } from '../../nodes/FourSee/helpers/canonicalJson';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DateTime } from 'luxon';

import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { devExampleWorkflows, exampleWorkflows, sandboxCredential, type CredentialJson, type WorkflowJson } from '../../scripts/lib/examples';
import { control, E2eEnv, waitFor } from './harness';
import { activationOnBigFleet, expectQuickActivation, longPollPlan, longPollWorkflows, longSweepAcrossSigterm } from './longPolls';
import { scanner } from '../helpers/canary';
import { SandboxReader } from './sandboxReader';
import { ensureChromium, takeScreenshots } from './screenshots';
import { tokenBindingScenario } from './tokenBinding';
import { withStandInCredentials } from './standIns';
import { kphToMph } from '../../nodes/FourSee/helpers/simplify';
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
	return canonicalJson(record);
}

function gpsFix(at: Date, n: number): Item {
	return { timestamp: at.toISOString(), latitude: 41.5 + n / 1000, longitude: -87.6 - n / 1000, speedKph: 50 + n, heading: 90 };
}

const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });

/** What the examples name: the sandbox's first fleet, the stand-in spreadsheet, the chat trigger. */
const EXAMPLE_FLEET = 'fleet-001';
const SHEET_ID = '4SEE-trailer-positions';
const CHAT_WEBHOOK_ID = '0b6a3c57-6a4e-4f7e-9d1c-000000000401';

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
	/** The workflow's settings (its time zone). */
	settings?: Item;
}

/** A zone with daylight-saving time, far from UTC and from the machine's zone. */
const WORKFLOW_ZONE = 'America/Chicago';

/** An instant as n8n's date picker stores it: wall-clock time in the workflow's zone, no offset. */
function wallClock(instant: string, zone: string): string {
	return DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
}

export function defineE2eSuite(major: 1 | 2): void {
	describe(`n8n ${major}.x with n8n-nodes-4see, against the sandbox`, () => {
		const env = new E2eEnv(major);
		// Issue 11: a token stays with the URLs it was obtained for (its own block, tokenBinding.ts).
		const tokenBinding = tokenBindingScenario(env);
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
		const longPolls = longPollPlan(major);
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
			const add = (title: string, parameters: Item, expected: () => Promise<Item[]>, settings?: Item) => {
				operations.push({ title, parameters, expected, settings });
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
			// The same window written as the date picker stores it, read in the workflow's zone.
			add(
				'Trailer > Get GPS Telemetry (between picker times in the workflow zone)',
				{
					resource: 'trailer',
					operation: 'getGpsTelemetry',
					trailer: byId(trailer),
					timeRange: 'between',
					start: wallClock(gpsWindow.start, WORKFLOW_ZONE),
					end: wallClock(gpsWindow.end, WORKFLOW_ZONE),
					returnAll: true,
				},
				() => truth('gps', trailer, gpsWindow),
				{ timezone: WORKFLOW_ZONE },
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
				const workflow = webhookWorkflow(`e2e ${operation.title}`, operationPath(operation.title), [
					fourSeeNode('4SEE', { ...operation.parameters, options: {} }, good),
				]);
				addWebhookWorkflow({ ...workflow, settings: operation.settings ?? workflow.settings });
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

			workflows.push(...longPollWorkflows(longPolls, env, good, scope.fleets));

			const binding = await tokenBinding.prepare();
			for (const workflow of binding.workflows) addWebhookWorkflow(workflow);

			env.standIns.addSheet(SHEET_ID, 'Trailers');
			await env.launch({
				credentials: [good, bad, ...binding.credentials, ...env.standIns.credentials()],
				workflows: [...devExampleWorkflows().map(withStandInCredentials), ...workflows],
				activeAtStart: [deliverSafeTriggerId],
			});
			for (const id of webhookWorkflows) await env.activate(id);
		}, 15 * 60 * 1000);

		afterAll(async () => {
			await tokenBinding.close();
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
				.map(canonicalJson);
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

		tokenBinding.defineTests();

		describe('every operation of the action node outputs what the sandbox holds', () => {
			test.each([
				'Fleet > Get',
				'Fleet > Get Many (Return All)',
				'Fleet > Get Many (Limit 2)',
				'Trailer > Get',
				'Trailer > Get Many (Return All)',
				'Trailer > Get Many (Active Only)',
				'Trailer > Get GPS Telemetry (Return All, between start and end)',
				'Trailer > Get GPS Telemetry (between picker times in the workflow zone)',
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

		test("the package's luxon is n8n's own copy, and reads a picker time in a zone with n8n's Node.js", () => {
			// luxon is a peer n8n provides, not a dependency of ours: from where n8n loads the
			// package, it must resolve inside the n8n install, never in this repo's node_modules.
			const helpers = path.join(env.stagedPackage, 'dist', 'nodes', 'FourSee', 'helpers');
			const script = [
				"const { parseDateTime } = require('./time.js');",
				"console.log(JSON.stringify({ luxon: require.resolve('luxon'), read: parseDateTime('2026-03-08T02:30:00', 'America/Chicago').toISOString() }));",
			].join('\n');
			const { NODE_PATH: _ignored, ...environment } = process.env;
			const out = JSON.parse(execFileSync(env.runtime.nodeBin, ['-e', script], { cwd: helpers, env: environment, encoding: 'utf8' })) as {
				luxon: string;
				read: string;
			};
			expect(fs.realpathSync(out.luxon).startsWith(fs.realpathSync(env.runtime.dir) + path.sep)).toBe(true);
			expect(out.read).toBe('2026-03-08T08:30:00.000Z');
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
			expect(tools.length).toBe(4);
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
		}, 9 * 60 * 1000);

		/**
		 * The Google Sheets example as `n8n execute` runs it (its schedule trigger fires once): the
		 * stand-in sheet gets one row per active trailer of the fleet with its latest position; run
		 * again after a trailer moved, that trailer's row is updated in place and no row is added.
		 */
		async function runSheetsExample(): Promise<void> {
			const sheet = env.standIns.sheets.get(SHEET_ID)!;
			const trailers = (await reader.all(`/api/v1/trailers/${EXAMPLE_FLEET}`)).filter((trailer) => trailer.active === true);
			const execute = async () => {
				const before = new Date().toISOString();
				const run = await env.n8n.cli(['execute', '--id=FourSeeExample03', '--rawOutput']).catch((error: Error) => {
					throw new Error(`${error.message}\nrequests the stand-ins did not understand: ${JSON.stringify(env.standIns.unexpected)}`);
				});
				scanner.scan('the output of `n8n execute` (the Google Sheets example)', run);
				return before;
			};
			const expectRows = async (before: string) => {
				const rows = sheet.records();
				expect(rows.map((row) => row['Trailer ID']).sort()).toEqual(trailers.map((trailer) => String(trailer.id)).sort());
				for (const trailer of trailers) {
					const row = rows.find((candidate) => candidate['Trailer ID'] === trailer.id)!;
					const fixes = (await control.truth(env.sandbox.url, { kind: 'gps', id: String(trailer.id), from: new Date(Date.parse(before) - 3 * 3_600_000).toISOString() })).records;
					const fix = fixes.find((candidate) => candidate.timestamp === row['Position Time']);
					// A position the API holds for the trailer, and none newer before the run began.
					expect({ trailer: trailer.id, found: fix !== undefined }).toEqual({ trailer: trailer.id, found: true });
					expect(fixes.filter((other) => String(other.timestamp) > String(fix!.timestamp) && String(other.timestamp) <= before)).toEqual([]);
					expect(row).toEqual(
						expect.objectContaining({
							'Unit Number': trailer.unitNumber,
							VIN: trailer.vin,
							Latitude: fix!.latitude,
							Longitude: fix!.longitude,
							'Speed (km/h)': fix!.speedKph,
							'Speed (mph)': kphToMph(Number(fix!.speedKph)),
						}),
					);
				}
			};
			await expectRows(await execute());
			expect(sheet.rows[0]).toEqual(expect.arrayContaining(['Trailer ID', 'Unit Number', 'Position Time', 'Speed (mph)']));
			const rowsBefore = sheet.rows.length;
			const moved = String(trailers[trailers.length - 1].id);
			const fix = { timestamp: new Date().toISOString(), latitude: 38.7361, longitude: -85.3802, speedKph: 0, heading: 0 };
			await control.appendTelemetry(env.sandbox.url, { kind: 'gps', id: moved, records: [fix] });
			await expectRows(await execute());
			expect(sheet.rows.length).toBe(rowsBefore);
			expect(sheet.records().find((row) => row['Trailer ID'] === moved)).toEqual(
				expect.objectContaining({ 'Position Time': fix.timestamp, Latitude: fix.latitude, Longitude: fix.longitude }),
			);
			expect(env.standIns.unexpected).toEqual([]);
		}

		async function triggerAcrossRestart(): Promise<void> {
			const url = env.sandbox.url;
			const collectedRecords = () => env.collector.bodies('/trigger').map(recordOf);
			const hasAll = (records: Item[]) => {
				const seen = new Set(collectedRecords());
				return records.every((record) => seen.has(canonicalJson({ ...record, trailerId: watchedTrailer })));
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
			// nightly Google Sheets example, twice. It needs no new token: n8n stored the one it has in
			// its database.
			await env.stop();
			const during = [gpsFix(new Date(), 4), gpsFix(new Date(), 5), gpsFix(new Date(Date.now() - 500), 6)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: during });
			const authBefore = (await env.stats()).authCalls;
			await runSheetsExample();
			expect((await env.stats()).authCalls).toBe(authBefore);

			const cut = new Date().toISOString();
			await env.start();
			await waitFor('the records appended during the restart', () => (hasAll(during) ? true : undefined), { timeoutMs: 90_000 });

			// Everything the sandbox holds for the trailer from the start date up to the restart (which
			// the start-up poll covered) must have arrived, exactly once.
			const truth = await control.truth(url, { kind: 'gps', id: watchedTrailer, from: triggerStart, to: cut });
			const expected = truth.records.map(canonicalJson);
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
			const all = new Set((await control.truth(url, { kind: 'gps', id: watchedTrailer, from: triggerStart })).records.map(canonicalJson));
			expect(collectedRecords().filter((record) => !all.has(record))).toEqual([]);
			expect(expected.length).toBeGreaterThanOrEqual(first.length + scheduled.length + during.length);

			// The following tests change the token lifetime and the key: the trigger stops here.
			await env.deactivate(triggerWorkflowId);
		}

		test('a sweep that outlasts its interval skips the ticks meanwhile and emits every record once; SIGTERM mid-poll and a start lose nothing, repeat nothing, blame no stream', async () => {
			const trailers = await reader.all(`/api/v1/trailers/${scope.fleets[1]}`);
			const report = await longSweepAcrossSigterm(env, longPolls, trailers);
			console.log(`n8n ${major}.x, long sweep: ${JSON.stringify(report)}`);
			expect(report.skippedTicks).toBeGreaterThanOrEqual(1);
			expect(report.activationMs).toBeLessThan(20_000);
			// Three records added per trailer (before, during the long poll, before the stop), plus
			// what the sandbox generated meanwhile.
			expect(report.expected).toBeGreaterThanOrEqual(3 * report.activeTrailers);
			expect(report).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
		}, 12 * 60 * 1000);

		test('activating a trigger on a fleet of 2,000 trailers ends in seconds: from now it reads no telemetry, minutes back it stops at its activation time limit', async () => {
			const report = await activationOnBigFleet(env);
			console.log(`n8n ${major}.x, activation on ${report.trailers} trailers: ${JSON.stringify(report)}`);
			expectQuickActivation(report);
		}, 5 * 60 * 1000);

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

		test('the alert examples, active: one Slack message when a stop light goes out, one email when a trailer enters the yard', async () => {
			const url = env.sandbox.url;
			const trailers = (await reader.all(`/api/v1/trailers/${EXAMPLE_FLEET}`)).filter((trailer) => trailer.active === true);
			let monitor = '';
			let monitorTrailer = '';
			for (const trailer of trailers) {
				const devices = await reader.all(`/api/v1/devices/${trailer.id}`);
				const found = devices.find((device) => device.type === 'light_monitor' && device.active === true);
				if (found) {
					monitor = String(found.id);
					monitorTrailer = String(trailer.id);
					break;
				}
			}
			expect(monitor).not.toBe('');
			const arriving = String(trailers[0].id);
			await env.activate('FourSeeExample01');
			await env.activate('FourSeeExample02');
			try {
				// After the activation polls: the records are newer than where the triggers start.
				await new Promise((resolve) => setTimeout(resolve, 3_000));
				const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
				const lights = (stop: string) => ({ stop, tail: 'ok', turnLeft: 'ok', turnRight: 'ok', clearance: 'ok', marker: 'ok' });
				await control.appendTelemetry(url, {
					kind: 'device',
					id: monitor,
					records: [
						{ timestamp: at(1_500), lights: lights('ok'), blueLineVoltage: 13.1 },
						{ timestamp: at(1_000), lights: lights('out'), blueLineVoltage: 13.1 },
					],
				});
				// 2 km north of the example's yard, then 110 m from its centre.
				const yard = { latitude: 38.7359, longitude: -85.38 };
				const inside = { timestamp: at(1_000), latitude: yard.latitude + 0.001, longitude: yard.longitude, speedKph: 12, heading: 180 };
				await control.appendTelemetry(url, {
					kind: 'gps',
					id: arriving,
					records: [{ timestamp: at(1_500), latitude: yard.latitude + 0.02, longitude: yard.longitude, speedKph: 40, heading: 180 }, inside],
				});

				const slack = await waitFor(
					'the Slack alert of the light-out example',
					() => env.standIns.slack.find((message) => message.text.includes(monitor)),
					{ timeoutMs: 5 * 60_000 },
				);
				expect(slack.channel).toBe('#fleet-alerts');
				expect(slack.text).toContain(`Stop light OUT on trailer ${monitorTrailer}`);
				const email = await waitFor(
					'the email of the geofence example',
					() => env.standIns.emails.find((message) => message.subject.includes(arriving)),
					{ timeoutMs: 5 * 60_000 },
				);
				expect(email).toEqual(
					expect.objectContaining({ from: '4see-alerts@example.com', to: ['dispatch@example.com'], subject: `Trailer ${arriving} entered the yard` }),
				);
				expect(email.body).toContain(`https://www.google.com/maps?q=${inside.latitude},${inside.longitude}`);
				expect(email.body).toContain(`at ${kphToMph(inside.speedKph)} mph (${inside.speedKph} km/h)`);
				// Once each: the light's later readings and the positions inside the yard fire nothing more.
				expect(env.standIns.slack.filter((message) => message.text.includes(monitor))).toHaveLength(1);
				expect(env.standIns.emails.filter((message) => message.subject.includes(arriving))).toHaveLength(1);
			} finally {
				await env.deactivate('FourSeeExample01');
				await env.deactivate('FourSeeExample02');
			}
		}, 12 * 60 * 1000);

		test('the AI agent example: the agent asks the GPS tool with its own trailer id and hours, and gets simplified positions', async () => {
			const trailer = scope.trailers[1];
			env.standIns.chatScript = (request) => {
				const messages = request.messages as Array<{ role: string }>;
				if (!messages.some((message) => message.role === 'tool')) {
					return { toolCall: { name: /GPS_positions/i, arguments: { trailerId: trailer, hours: 2 } } };
				}
				return { content: `Here is where ${trailer} was.` };
			};
			await env.activate('FourSeeExample04');
			try {
				const asked = Date.now();
				// The example's chat is for logged-in n8n users: the request carries the owner's session.
				// n8n registers the webhook a moment after answering the activation: until then it is
				// "not registered" (and nothing ran), so only that answer is asked again.
				const ask = () =>
					fetch(`${env.n8n.url}/webhook/${CHAT_WEBHOOK_ID}/chat`, {
						method: 'POST',
						headers: { 'content-type': 'application/json', cookie: env.rest.authCookie, 'browser-id': 'n8n-nodes-4see-harness' },
						body: JSON.stringify({ action: 'sendMessage', sessionId: 'e2e-session', chatInput: `Where was ${trailer} in the last 2 hours?` }),
					});
				let response = await ask();
				let answerText = await response.text();
				for (let tries = 0; response.status === 404 && answerText.includes('is not registered') && tries < 60; tries++) {
					await new Promise((resolve) => setTimeout(resolve, 1_000));
					response = await ask();
					answerText = await response.text();
				}
				scanner.scan('the answer of the AI agent example', answerText);
				expect({ status: response.status, answerText }).toEqual({ status: 200, answerText: expect.stringContaining('output') });
				const answer = JSON.parse(answerText) as { output?: string } | Array<{ output?: string }>;
				expect((Array.isArray(answer) ? answer[0] : answer).output).toBe(`Here is where ${trailer} was.`);
				const requests = env.standIns.chatRequests;
				expect(requests.length).toBeGreaterThanOrEqual(2);
				const names = ((requests[0].tools ?? []) as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
				expect(names.length).toBe(4);
				const toolMessage = (requests[requests.length - 1].messages as Array<{ role: string; content: unknown }>).find(
					(message) => message.role === 'tool',
				)!;
				const text = typeof toolMessage.content === 'string' ? toolMessage.content : JSON.stringify(toolMessage.content);
				// Simplified: mph beside km/h, the API's full record never; the window is the agent's 2 hours.
				const truth = (await control.truth(env.sandbox.url, { kind: 'gps', id: trailer, from: new Date(asked - 2 * 3_600_000 - 60_000).toISOString() })).records;
				expect(truth.length).toBeGreaterThan(0);
				expect(text).toContain('speedMph');
				expect(text).toContain(String(truth.find((record) => Date.parse(String(record.timestamp)) >= asked - 2 * 3_600_000 + 60_000)!.timestamp));
				expect(text).not.toContain(String(truth.find((record) => Date.parse(String(record.timestamp)) < asked - 2 * 3_600_000 - 30_000)?.timestamp ?? 'none-older'));
				expect(env.standIns.unexpected).toEqual([]);
			} finally {
				await env.deactivate('FourSeeExample04');
			}
		}, 5 * 60 * 1000);

		if (major === 2) {
			describe('in the editor', () => {
				// Installing Debian's chromium on a fresh machine takes minutes: its own step and timeout,
				// failing this block with apt-get's message when it cannot be installed.
				beforeAll(() => ensureChromium(), 15 * 60 * 1000);

				test('screenshots of the nodes in the editor (Debian chromium, headless)', async () => {
					const trailers = (await reader.all(`/api/v1/trailers/${EXAMPLE_FLEET}`)).filter((trailer) => trailer.active === true);
					const files = await takeScreenshots(env, trailers.length);
					expect(files.length).toBe(9);
					expect(env.standIns.unexpected).toEqual([]);
				}, 8 * 60 * 1000);
			});
		}

		test('API Key > Rotate returns the new key and says to update the credential (last: the old key dies)', async () => {
			const oldKey = env.sandbox.apiKey;
			const rotationsBefore = (await env.stats()).rotateCalls;
			const [item] = await env.webhookItems('e2e-rotate');
			expect(item.rotated).toBe(true);
			expect(item.newApiKey).toBe(env.sandbox.apiKey);
			expect(item.newApiKey).not.toBe(oldKey);
			expect(String(item.note)).toMatch(/credential/i);
			// The credential still holds the old key (and n8n its token): running it again is refused
			// by Rotate's own login, before anything is rotated; the new key stays the valid one.
			expect((await env.webhook('e2e-rotate')).status).not.toBe(200);
			expect(await env.lastExecutionError()).toContain(
				'4SEE rejected the API key: if you rotated it, put the new key into the credential',
			);
			expect((await env.stats()).rotateCalls - rotationsBefore).toBe(1);
			expect(env.sandbox.apiKey).toBe(item.newApiKey);
			passed.add('apiKey > rotate');
		});

		test("no operation of the node left untested: every resource and operation in the node's description passed above", () => {
			expect([...passed].sort()).toEqual(operationsOfTheNode());
		});
	});
}
