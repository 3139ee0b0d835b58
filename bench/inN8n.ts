/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A bench section's real n8n 2.x: credentials and workflows imported, n8n started, the owner
 * logged in, the workflows activated (n8n 2.x publishes them; a webhook answers once it is
 * published); stopped and cleaned up afterwards, also on failure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { CredentialJson, WorkflowJson } from '../scripts/lib/examples';
import { ensureN8n, N8n, N8nRest, stageExtension } from '../scripts/lib/n8n';

export interface RunningN8n {
	n8n: N8n;
	rest: N8nRest;
	version: string;
	activate(workflowId: string): Promise<void>;
}

export async function inN8n<T>(
	label: string,
	setup: { credentials: CredentialJson[]; workflows: WorkflowJson[]; activate?: string[]; env?: Record<string, string> },
	body: (running: RunningN8n) => Promise<T>,
): Promise<T> {
	const runtime = ensureN8n(2);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${label}-`));
	const extensions = stageExtension(runtime, `${label}-${process.pid}`);
	const n8n = new N8n({ runtime, userFolder, extensions, env: setup.env ?? {} });
	const stop = () => n8n.killNow();
	process.on('exit', stop);
	try {
		await n8n.importCredentials(setup.credentials);
		await n8n.importWorkflows(setup.workflows);
		await n8n.start();
		const rest = await N8nRest.owner(n8n.url);
		const activate = async (id: string) => {
			const current = (await rest.request('GET', `/rest/workflows/${id}`)) as { data: { versionId: string } };
			await rest.request('POST', `/rest/workflows/${id}/activate`, { versionId: current.data.versionId });
		};
		for (const id of setup.activate ?? []) await activate(id);
		return await body({ n8n, rest, version: runtime.version, activate });
	} finally {
		await n8n.stop().catch(() => n8n.killNow());
		process.off('exit', stop);
		fs.rmSync(userFolder, { recursive: true, force: true });
		fs.rmSync(extensions, { recursive: true, force: true });
	}
}

/** POSTs `body` to a production webhook until n8n has published its workflow (404 meanwhile). */
export async function callWebhook(
	n8n: N8n,
	webhookPath: string,
	body: unknown = {},
): Promise<{ status: number; body: unknown; ms: number }> {
	for (let tries = 0; ; tries++) {
		const t0 = performance.now();
		const response = await fetch(`${n8n.url}/webhook/${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		const text = await response.text();
		const ms = performance.now() - t0;
		if (response.status === 404 && tries < 120) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			continue;
		}
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// keep the text
		}
		return { status: response.status, body: parsed, ms };
	}
}
