/**
 * The end-to-end suite of issue 6, run once per n8n major version (n8n-2.e2e.ts, n8n-1.e2e.ts).
 * Tests run in the order written: they share one n8n and one sandbox, and the later ones
 * (restart, key rotation) change state the earlier ones rely on.
 */
import { DEMO_API_KEY } from '../../sandbox';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { control, E2eEnv, waitFor } from './harness';
import {
	ACTION_NODE,
	chainConnections,
	credentialRef,
	CREDENTIAL_TYPE,
	forwardNode,
	httpRequestNode,
	TOOL_NODE,
	TRIGGER_NODE,
	webhookWorkflow,
	workflowId,
} from './workflows';

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
function recordOf(item: Record<string, unknown>): string {
	const { fourSee: _meta, ...record } = item;
	return canonical(record);
}

function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
		return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

function gpsFix(at: Date, n: number): Record<string, unknown> {
	return { timestamp: at.toISOString(), latitude: 41.5 + n / 1000, longitude: -87.6 - n / 1000, speedKph: 50 + n, heading: 90 };
}

export function credential(id: string, name: string, sandboxUrl: string, apiKey: string): CredentialJson {
	return { id, name, type: CREDENTIAL_TYPE, data: { apiKey, authUrl: sandboxUrl, baseUrl: sandboxUrl } };
}

export function defineE2eSuite(major: 1 | 2): void {
	describe(`n8n ${major}.x with n8n-nodes-4see, against the sandbox`, () => {
		const env = new E2eEnv(major);
		let good: CredentialJson;
		let bad: CredentialJson;
		const workflows: WorkflowJson[] = [];
		const webhookWorkflows: string[] = [];
		const triggerWorkflowId = workflowId('e2e trigger gps');
		let watchedTrailer = '';
		let triggerStart = '';

		const addWebhookWorkflow = (workflow: WorkflowJson) => {
			workflows.push(workflow);
			webhookWorkflows.push(workflow.id);
			return workflow;
		};

		beforeAll(async () => {
			await env.setup();
			const url = env.sandbox.url;
			good = credential('FourSeeSandbox01', '4SEE sandbox', url, env.sandbox.apiKey);
			bad = credential('FourSeeBadKey001', '4SEE wrong key', url, 'not-the-key-0000');

			addWebhookWorkflow(
				webhookWorkflow('e2e http request with 4SEE credential', 'e2e-http-request', [
					httpRequestNode('HTTP Request', `${url}/api/v1/fleets?take=500`, good),
				]),
			);

			const scope = await control.scope(url);
			watchedTrailer = scope.trailers[0];
			// From a fixed date rather than "now", so the expected records are exactly the sandbox's
			// records of the trailer from that time on.
			triggerStart = new Date(Date.now() - 5_000).toISOString();
			workflows.push({
				id: triggerWorkflowId,
				name: 'e2e trigger gps',
				nodes: [
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
							trailer: { __rl: true, mode: 'id', value: watchedTrailer },
							startFrom: 'date',
							startDate: triggerStart,
							options: {},
						},
						credentials: credentialRef(good),
					},
					{
						id: 'c4f5d2de-0000-4000-8000-000000000002',
						position: [240, 0],
						...forwardNode('Collect', `${env.collector.url}/trigger`),
					} as never,
				],
				connections: chainConnections([{ name: '4SEE Trigger' }, { name: 'Collect' }]),
				settings: {},
				active: false,
			});

			await env.importCredentials([good, bad]);
			await env.importWorkflows(workflows);
			await env.start();
			for (const id of webhookWorkflows) await env.activate(id);
			await control.resetStats(url);
		}, 15 * 60 * 1000);

		afterAll(async () => {
			await env.teardown();
		}, 2 * 60 * 1000);

		test('the package loads: both nodes, their AI tool variant and the credential are listed', async () => {
			const nodes = (await env.rest.request('GET', '/types/nodes.json')) as Array<{ name: string }>;
			const names = new Set(nodes.map((node) => node.name));
			expect(names).toContain(ACTION_NODE);
			expect(names).toContain(TRIGGER_NODE);
			expect(names).toContain(TOOL_NODE);
			const credentials = (await env.rest.request('GET', '/types/credentials.json')) as Array<{ name: string }>;
			expect(credentials.map((c) => c.name)).toContain(CREDENTIAL_TYPE);
			expect(env.n8n.serverOutput).not.toMatch(/error.*(fourSee|n8n-nodes-4see)/i);
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

		test("n8n's HTTP Request node calls the API with our credential as a predefined credential type", async () => {
			const items = await env.webhookItems('e2e-http-request');
			const scope = await control.scope(env.sandbox.url);
			// The node answers the API's page envelope as one item.
			const page = items[0] as { data: Array<{ id: string }> };
			expect(page.data.map((fleet) => fleet.id)).toEqual(scope.fleets);
		});

		test('several separate executions cost one token request: n8n keeps the token', async () => {
			await control.expireTokens(env.sandbox.url);
			const before = (await env.stats()).authCalls;
			for (let i = 0; i < 3; i++) await env.webhookItems('e2e-http-request');
			expect((await env.stats()).authCalls - before).toBe(1);
			expect(DEMO_API_KEY).toBeTruthy();
		});

		test('the trigger, active, emits new telemetry on real polls, and after a restart resumes from its cursor with no duplicate and no loss', async () => {
			const url = env.sandbox.url;
			const collected = () => env.collector.received.filter((entry) => entry.body && typeof entry.body === 'object');
			const collectedRecords = () => collected().map((entry) => recordOf(entry.body as Record<string, unknown>));
			const hasAll = (records: Record<string, unknown>[]) => {
				const seen = new Set(collectedRecords());
				return records.every((record) => seen.has(canonical({ ...record, trailerId: watchedTrailer })));
			};

			// Appended before activation: the poll n8n runs when it activates the workflow emits them.
			const first = [gpsFix(new Date(Date.now() - 1_000), 1), gpsFix(new Date(Date.now() - 1_000), 2)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: first });
			await env.activate(triggerWorkflowId);
			await waitFor('the records of the activation poll', () => (hasAll(first) ? true : undefined), {
				timeoutMs: 30_000,
			});

			// Appended while active: a scheduled poll (every 10 s on 1.x, every minute on 2.x) emits it.
			const scheduled = [gpsFix(new Date(), 3)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: scheduled });
			await waitFor('the record of a scheduled poll', () => (hasAll(scheduled) ? true : undefined), {
				timeoutMs: 90_000,
			});

			// Records that arrive while n8n is down must come after the restart, once.
			await env.stop();
			const during = [gpsFix(new Date(), 4), gpsFix(new Date(), 5), gpsFix(new Date(Date.now() - 500), 6)];
			await control.appendTelemetry(url, { kind: 'gps', id: watchedTrailer, records: during });
			const cut = new Date().toISOString();
			await env.start();
			await waitFor('the records appended during the restart', () => (hasAll(during) ? true : undefined), {
				timeoutMs: 90_000,
			});

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
			const duplicates = [...counts].filter(([, count]) => count > 1);
			expect(duplicates).toEqual([]);
			const all = new Set(
				(await control.truth(url, { kind: 'gps', id: watchedTrailer, from: triggerStart })).records.map(canonical),
			);
			const phantoms = collectedRecords().filter((record) => !all.has(record));
			expect(phantoms).toEqual([]);
			expect(expected.length).toBeGreaterThanOrEqual(first.length + scheduled.length + during.length);
		}, 5 * 60 * 1000);
	});
}
