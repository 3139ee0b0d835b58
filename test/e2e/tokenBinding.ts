/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Issue 11, item 7, in a real n8n: a session token stays with the URLs it was obtained for.
 * A workflow runs, so n8n stores a token in the credential; the credential is then edited the
 * way the editor does it (read back with its secrets masked, one field changed, saved) and the
 * workflow runs again. The new address must never receive the token stored for the old one.
 *
 * Addresses: the suite's sandbox is the Auth URL; the Integration API URL is first one recording
 * proxy in front of it, then another (two loopback ports, two origins, each knowing every
 * Authorization header it received). Last, both URLs are moved to a second sandbox (same key,
 * its own signing secret): any token it did not issue itself would be answered 401 there.
 *
 * Kept apart from the suite's other scenarios: suite.ts calls `prepare()` before n8n starts and
 * `defineTests()` where the test belongs in its order (before the key is rotated).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { scanner } from '../helpers/canary';
import { waitFor, type E2eEnv } from './harness';
import { CREDENTIAL_TYPE, fourSeeNode, webhookWorkflow } from './workflows';

interface RecordingProxy {
	url: string;
	/** The Authorization header of every request, in order ('' when there was none). */
	authorizations: string[];
	close(): Promise<void>;
}

/** A loopback proxy to `target` that records the Authorization header of every request. */
async function recordingProxy(target: () => string): Promise<RecordingProxy> {
	const authorizations: string[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const auth = req.headers.authorization;
			authorizations.push(typeof auth === 'string' ? auth : '');
			const headers: Record<string, string> = {};
			for (const [name, value] of Object.entries(req.headers)) {
				if (typeof value === 'string' && name !== 'host' && name !== 'connection' && name !== 'content-length') headers[name] = value;
			}
			const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
			fetch(`${target()}${req.url ?? ''}`, { method: req.method, headers, body, redirect: 'manual' })
				.then(async (answer) => {
					const text = Buffer.from(await answer.arrayBuffer());
					res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
				})
				.catch((error: unknown) => res.writeHead(502).end(String(error)));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		authorizations,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

const tokensOf = (authorizations: string[]) =>
	authorizations.filter((header) => header !== '').map((header) => header.replace(/^Bearer\s+/i, ''));

export function tokenBindingScenario(env: E2eEnv) {
	const credential: CredentialJson = {
		id: 'FourSeeUrlBind01',
		name: '4SEE URL binding',
		type: CREDENTIAL_TYPE,
		data: { apiKey: '', authUrl: '', baseUrl: '' },
	};
	const webhookPath = 'e2e-token-binding';
	let first: RecordingProxy | undefined;
	let second: RecordingProxy | undefined;
	let other: Sandbox | undefined;

	/** The editor's way: the credential as n8n shows it (secrets masked), fields changed, saved. */
	async function edit(changes: Record<string, string>): Promise<void> {
		const read = (await env.rest.request('GET', `/rest/credentials/${credential.id}?includeData=true`)) as {
			data: { name: string; type: string; data: Record<string, unknown> };
		};
		await env.rest.request('PATCH', `/rest/credentials/${credential.id}`, {
			name: read.data.name,
			type: read.data.type,
			data: { ...read.data.data, ...changes },
		});
	}

	const fleetIds = async () => (await env.webhookItems(webhookPath)).map((fleet) => fleet.id);

	return {
		/** Its credential and webhook workflow, to import with the suite's before n8n starts. */
		async prepare(): Promise<{ credentials: CredentialJson[]; workflows: WorkflowJson[] }> {
			first = await recordingProxy(() => env.sandbox.url);
			second = await recordingProxy(() => env.sandbox.url);
			other = await startSandbox({ clock: 'real', quiet: true, apiKey: env.sandbox.apiKey });
			credential.data = { apiKey: env.sandbox.apiKey, authUrl: env.sandbox.url, baseUrl: first.url };
			const workflow = webhookWorkflow('e2e token binding', webhookPath, [
				fourSeeNode('Fleets', { resource: 'fleet', operation: 'getMany', returnAll: true, options: {} }, credential),
			]);
			return { credentials: [credential], workflows: [workflow] };
		},

		defineTests(): void {
			test("the credential's URLs edited after a token was stored: the new address never receives it, the run logs in afresh and succeeds", async () => {
				const a = first!;
				const b = second!;
				const c = other!;
				// n8n 2.x registers a published workflow's webhook moments after the REST call returns
				// (a 404 runs nothing); when this test runs alone, it can come first.
				// Asked directly: env.webhook counts every call as an execution its secrets check must find.
				await waitFor('the webhook to be registered', async () => {
					const response = await fetch(`${env.n8n.url}/webhook/${webhookPath}`, {
						method: 'POST',
						headers: { 'content-type': 'application/json' },
						body: '{}',
					});
					scanner.scan(`the answer of webhook ${webhookPath}`, await response.text());
					return response.status === 404 ? undefined : true;
				});
				// A token is obtained for the first address and stored in the credential; a second run
				// reuses it (no login), so it is the stored one.
				const expected = await fleetIds();
				expect(expected.length).toBeGreaterThan(0);
				const loginsBefore = (await env.stats()).authCalls;
				expect(await fleetIds()).toEqual(expected);
				expect((await env.stats()).authCalls).toBe(loginsBefore);
				const stored = new Set(tokensOf(a.authorizations));
				expect(stored.size).toBe(1);
				for (const token of stored) scanner.addToken(token);

				const reachedFirst = a.authorizations.length;

				// The Integration API URL moves to another address (same Auth URL).
				await edit({ baseUrl: b.url });
				expect(await fleetIds()).toEqual(expected);
				expect(b.authorizations.length).toBeGreaterThan(0);
				expect(b.authorizations.filter((header) => header === '')).toEqual([]);
				for (const token of tokensOf(b.authorizations)) scanner.addToken(token);
				// Counted, not listed: a failure must not print the token into the test log.
				expect(tokensOf(b.authorizations).filter((token) => stored.has(token)).length).toBe(0);
				expect((await env.stats()).authCalls).toBe(loginsBefore + 1);

				// Both URLs move to a second sandbox: it answers 401 to any token it did not issue.
				const reachedSecond = b.authorizations.length;
				const beforeC = await control.stats(c.url);
				await edit({ authUrl: c.url, baseUrl: c.url });
				expect(await fleetIds()).toEqual(expected);
				const afterC = await control.stats(c.url);
				expect(afterC.authCalls - beforeC.authCalls).toBe(1);
				expect(afterC.responses['401'] ?? 0).toBe(beforeC.responses['401'] ?? 0);
				// Nothing reached the old addresses after each move.
				expect(a.authorizations.length).toBe(reachedFirst);
				expect(b.authorizations.length).toBe(reachedSecond);
			});
		},

		async close(): Promise<void> {
			await first?.close();
			await second?.close();
			await other?.close();
		},
	};
}
