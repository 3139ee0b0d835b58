/**
 * The end-to-end suite of issue 6, run once per n8n major version (n8n-2.e2e.ts, n8n-1.e2e.ts).
 * Tests run in the order written: they share one n8n and one sandbox, and the later ones
 * (restart, key rotation) change state the earlier ones rely on.
 */
import { DEMO_API_KEY } from '../../sandbox';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { control, E2eEnv } from './harness';
import {
	ACTION_NODE,
	CREDENTIAL_TYPE,
	httpRequestNode,
	TOOL_NODE,
	TRIGGER_NODE,
	webhookWorkflow,
} from './workflows';

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
	});
}
