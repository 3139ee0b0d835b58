/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * n8n 2.x in queue mode (PostgreSQL, Redis, one main, two workers; scripts/lib/queue.ts) with this
 * package loaded, the 4SEE sandbox behind a proxy that counts requests per n8n process, and what
 * the queue-mode tests read: which worker ran each execution, stored executions, the sandbox's
 * truth. Everything it starts is recorded for globalTeardown and ends in teardown().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import { ensureN8n, N8nRest, stageExtension, type N8n, type N8nRuntime } from '../../scripts/lib/n8n';
import { clusterFolder, QueueCluster } from '../../scripts/lib/queue';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { scanner } from '../helpers/canary';
import { Collector, forgetProcessGroup, recordProcessGroup } from './harness';
import { ProcessProxy } from './processProxy';

export class QueueEnv {
	runtime!: N8nRuntime;
	cluster!: QueueCluster;
	rest!: N8nRest;
	sandbox!: Sandbox;
	readonly proxy: ProcessProxy;
	readonly collector = new Collector();
	private baseFolder = '';
	private extensions = '';
	private recorded = new Set<number>();

	constructor(sandbox: Sandbox) {
		this.sandbox = sandbox;
		this.proxy = new ProcessProxy(sandbox.url);
	}

	static async create(options: { env?: Record<string, string> } = {}): Promise<QueueEnv> {
		if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist'))) {
			throw new Error('dist/ is missing: run `npm run build` first (npm run test:e2e does).');
		}
		const runtime = ensureN8n(2);
		// No telemetry of its own beyond what tests append (a day between generated GPS fixes), so
		// the truth of a time range is exactly what the tests put there.
		const sandbox = await startSandbox({ clock: 'real', quiet: true, gpsIntervalSeconds: 86_400 });
		const env = new QueueEnv(sandbox);
		env.runtime = runtime;
		await env.proxy.start();
		await env.collector.start();
		live.add(env);
		env.extensions = stageExtension(runtime, `e2e-queue-${process.pid}`);
		env.baseFolder = clusterFolder('e2e');
		env.cluster = new QueueCluster({
			runtime,
			extensions: env.extensions,
			baseFolder: env.baseFolder,
			workers: 2,
			workerConcurrency: 5,
			env: options.env,
			echo: process.env.E2E_ECHO === '1',
			onProcess: (pid, what) => {
				if (!pid) return;
				recordProcessGroup(pid, what);
				env.recorded.add(pid);
			},
		});
		return env;
	}

	/** The sandbox as n8n reaches it: through the counting proxy. */
	get apiUrl(): string {
		return this.proxy.url;
	}

	get main(): N8n {
		return this.cluster.main;
	}

	/**
	 * PostgreSQL and Redis, n8n's CLI imports into the shared database, the main (and the owner
	 * set up before any workflow is active: see E2eEnv.launch), then the workers.
	 */
	async launch(plan: { credentials: CredentialJson[]; workflows: WorkflowJson[] }): Promise<void> {
		let step = '';
		const run = async (name: string, action: () => Promise<void>) => {
			step = name;
			await action();
		};
		try {
			await run('start PostgreSQL and Redis', () => this.cluster.startServices());
			await run('import the credentials (n8n CLI)', () => this.main.importCredentials(plan.credentials));
			await run('import the workflows (n8n CLI)', () => this.main.importWorkflows(plan.workflows));
			await run('start the main and set up the owner', () => this.startMain());
			await run('start the workers', async () => {
				await this.cluster.startWorkers();
				this.cluster.workers.forEach((worker, i) => this.proxy.name(worker.pid, `worker-${i + 1}`));
			});
		} catch (error) {
			throw new Error(
				`n8n in queue mode could not be brought up, at "${step}": ${(error as Error).message.slice(0, 1500)}\n` +
					`--- the main's last lines:\n${this.logTail(this.main, 30)}`,
			);
		}
	}

	async startMain(): Promise<void> {
		await this.cluster.startMain();
		this.proxy.name(this.main.pid, 'main');
		this.rest = await N8nRest.owner(this.main.url);
	}

	/** SIGTERM, as a process manager stops it; waits until it is gone. */
	async stopMain(): Promise<void> {
		const pid = this.main.pid;
		await this.main.stop();
		forgetProcessGroup(pid);
	}

	/** SIGKILL: gone at once, as in a crash. */
	async killMain(): Promise<void> {
		const pid = this.main.pid;
		await this.main.kill();
		forgetProcessGroup(pid);
	}

	logTail(n8n: N8n, lines = 60): string {
		return n8n.serverOutput.split('\n').slice(-lines).join('\n');
	}

	/** Execution id -> the worker that ran it, from the workers' "Worker started execution N" lines. */
	executionsByWorker(): Map<string, string> {
		const found = new Map<string, string>();
		this.cluster.workers.forEach((worker, i) => {
			for (const match of worker.serverOutput.matchAll(/Worker started execution (\d+)/g)) found.set(match[1], `worker-${i + 1}`);
		});
		return found;
	}

	/** Publishes (activates) a workflow through the REST API the editor uses. */
	async activate(workflowId: string): Promise<void> {
		const current = (await this.rest.request('GET', `/rest/workflows/${workflowId}`)) as { data: { versionId: string } };
		await this.rest.request('POST', `/rest/workflows/${workflowId}/activate`, { versionId: current.data.versionId });
	}

	async deactivate(workflowId: string): Promise<void> {
		await this.rest.request('POST', `/rest/workflows/${workflowId}/deactivate`, {});
	}

	/** POSTs to a production webhook; the answer is the workflow's last node's items. */
	async webhook(webhookPath: string, body: unknown = {}): Promise<{ status: number; body: unknown }> {
		const response = await fetch(`${this.main.url}/webhook/${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// keep the text
		}
		scanner.scan(`the answer of webhook ${webhookPath} (queue mode)`, { headers: [...response.headers], body: parsed });
		return { status: response.status, body: parsed };
	}

	/** Ids of a workflow's stored executions, newest first, with their status. */
	async executions(workflowId: string): Promise<Array<{ id: string; status: string }>> {
		const found: Array<{ id: string; status: string }> = [];
		let lastId: string | undefined;
		for (;;) {
			const filter = JSON.stringify({ workflowId });
			const query = new URLSearchParams({ limit: '100', filter, ...(lastId ? { lastId } : {}) });
			const page = (await this.rest.request('GET', `/rest/executions?${query}`)) as {
				data: { results: Array<{ id: string; status: string; workflowId: string }> };
			};
			const results = page.data.results.filter((execution) => execution.workflowId === workflowId);
			found.push(...results.map(({ id, status }) => ({ id, status })));
			if (page.data.results.length < 100) return found;
			lastId = page.data.results[page.data.results.length - 1].id;
		}
	}

	/** The error n8n stored for a failed execution: message, description, node. */
	async executionError(id: string): Promise<string | undefined> {
		const detail = (await this.rest.request('GET', `/rest/executions/${id}`)) as { data: { data: string } };
		const { parse } = require(path.join(this.runtime.dir, 'node_modules', 'flatted')) as {
			parse: (text: string) => { resultData?: { error?: { message?: string; description?: string; node?: { name?: string } } } };
		};
		const error = parse(detail.data.data).resultData?.error;
		return error ? `${error.node?.name ?? ''}: ${error.message ?? ''} ${error.description ?? ''}`.trim() : undefined;
	}

	/** The errors of a workflow's failed executions, newest first. */
	async failures(workflowId: string): Promise<string[]> {
		const failed = (await this.executions(workflowId)).filter((execution) => execution.status === 'error');
		return Promise.all(failed.slice(0, 5).map(async (execution) => `execution ${execution.id}: ${await this.executionError(execution.id)}`));
	}

	/**
	 * The secrets check on what n8n stored and logged: every stored execution with its data, and
	 * every process's log, scanned for the API key and any JWT (test/secrets/canary.setup.ts
	 * fails the file on a finding).
	 */
	async scanForSecrets(): Promise<number> {
		for (const n8n of this.cluster.all) scanner.scan(`the log of n8n ${path.basename(n8n.userFolder)} (queue mode)`, n8n.serverOutput);
		if (!this.rest || !this.main.running) return 0;
		const list = (await this.rest.request('GET', '/rest/executions?limit=250')) as { data: { results: Array<{ id: string }> } };
		for (const { id } of list.data.results) {
			scanner.scan(`execution ${id} stored in queue mode (with its data)`, await this.rest.request('GET', `/rest/executions/${id}`));
		}
		return list.data.results.length;
	}

	stats(): Promise<control.Stats> {
		return control.stats(this.sandbox.url);
	}

	async teardown(): Promise<void> {
		let scanError: unknown;
		try {
			await this.scanForSecrets();
		} catch (error) {
			scanError = error;
		}
		await this.cluster?.stop().catch(() => this.cluster.killNow());
		for (const pid of this.recorded) forgetProcessGroup(pid);
		await this.proxy.close();
		await this.collector.close();
		await this.sandbox.close();
		live.delete(this);
		if (this.baseFolder && process.env.E2E_KEEP !== '1') fs.rmSync(this.baseFolder, { recursive: true, force: true });
		if (this.extensions) fs.rmSync(this.extensions, { recursive: true, force: true });
		if (scanError) throw scanError;
	}
}

const live = new Set<QueueEnv>();
process.on('exit', () => {
	for (const env of live) env.cluster?.killNow();
});
