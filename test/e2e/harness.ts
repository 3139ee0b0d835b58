/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * One real n8n (of a given major version) with this package loaded, the 4SEE sandbox, and the
 * plumbing the end-to-end tests need: webhook calls, a collector for what active workflows
 * send out, direct sandbox reads for the expected data, and cleanup of every process.
 */
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import { ensureN8n, killGroup, N8n, N8nRest, stageExtension, type N8nMajor, type N8nRuntime } from '../../scripts/lib/n8n';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { scanner } from '../helpers/canary';
import { StandIns } from './standIns';

/**
 * The environment variable naming this run's folder of recorded server processes. The folder is
 * made per run by globalSetup (test/e2e/global-setup.ts), handed to the workers through the
 * environment, and emptied by globalTeardown: a run ends only what it started itself, never the
 * n8n of another run (a second checkout, a colleague's CI job) on the same machine.
 */
export const PID_DIR_ENV = 'FOURSEE_E2E_PID_DIR';

/** This run's folder of recorded server processes, or undefined outside a jest e2e run. */
export function pidDir(): string | undefined {
	const dir = process.env[PID_DIR_ENV];
	return dir && fs.existsSync(dir) ? dir : undefined;
}

/**
 * Writes down a process group this run started (an n8n server, an `npm start`), so that
 * globalTeardown can end it if the worker that started it dies before its own cleanup.
 */
export function recordProcessGroup(pid: number | undefined, what: string): void {
	const dir = pidDir();
	if (dir && pid) fs.writeFileSync(path.join(dir, String(pid)), what);
}

/** The process group ended normally: nothing left for globalTeardown. */
export function forgetProcessGroup(pid: number | undefined): void {
	const dir = pidDir();
	if (dir && pid) fs.rmSync(path.join(dir, String(pid)), { force: true });
}

export interface Collected {
	at: number;
	/** The path it was sent to: one per workflow that forwards here. */
	path: string;
	body: unknown;
}

/** A loopback HTTP server that records every JSON body POSTed to it. */
export class Collector {
	readonly received: Collected[] = [];
	private server?: Server;
	url = '';

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk: Buffer) => (text += chunk.toString()));
			req.on('end', () => {
				const path = req.url ?? '/';
				try {
					this.received.push({ at: Date.now(), path, body: JSON.parse(text) });
				} catch {
					this.received.push({ at: Date.now(), path, body: text });
				}
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end('{"ok":true}');
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
	}

	/** The JSON objects received on one path, in arrival order. */
	bodies(path: string): Record<string, unknown>[] {
		return this.received
			.filter((entry) => entry.path === path && entry.body !== null && typeof entry.body === 'object')
			.map((entry) => entry.body as Record<string, unknown>);
	}

	async close(): Promise<void> {
		const server = this.server;
		if (!server) return;
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	}
}

export interface WebhookResult {
	status: number;
	body: unknown;
}

export class E2eEnv {
	runtime!: N8nRuntime;
	n8n!: N8n;
	rest!: N8nRest;
	sandbox!: Sandbox;
	readonly collector = new Collector();
	/** Slack, Google Sheets, SMTP and OpenAI stand-ins for the example workflows. */
	readonly standIns = new StandIns();
	private userFolder = '';
	private extensions = '';
	/** Webhook calls made: each is a stored execution the secrets check must find. */
	private webhookCalls = 0;

	constructor(readonly major: N8nMajor) {}

	/** The package as n8n loads it (package.json + dist/), inside the n8n install. */
	get stagedPackage(): string {
		return path.join(this.extensions, 'n8n-nodes-4see');
	}

	async setup(): Promise<void> {
		if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist'))) {
			throw new Error('dist/ is missing: run `npm run build` first (npm run test:e2e does).');
		}
		this.runtime = ensureN8n(this.major);
		// The suite logs in far more often than one workflow would (every test's own reader, n8n
		// restarts, credential edits, a rotation): 4SEE's limit of 10 logins per 5 minutes would
		// fail tests for their number, not for anything the package does. The limit itself is
		// tested in-process (the sandbox's and the credential's tests).
		this.sandbox = await startSandbox({ clock: 'real', quiet: true, authLimit: { requests: 60, perSeconds: 300 } });
		await this.collector.start();
		await this.standIns.start();
		this.extensions = stageExtension(this.runtime, `e2e-${process.pid}`);
		this.userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${this.major}-`));
		this.n8n = new N8n({
			runtime: this.runtime,
			userFolder: this.userFolder,
			extensions: this.extensions,
			echo: process.env.E2E_ECHO === '1',
			env: this.standIns.n8nEnv(),
		});
		registerCleanup(this);
	}

	/**
	 * Brings the suite's n8n up: imports the credentials and workflows with n8n's CLI, starts the
	 * server and sets up the owner, then (if some workflows must be active at start-up) stops it,
	 * activates them with the CLI and starts it again. A failure names the step, with n8n's last
	 * lines.
	 *
	 * Why the owner comes first: in n8n, a workflow's first successful production execution marks
	 * its owner "activated" by saving the owner's user row as it read it a moment before
	 * (workflow statistics -> UserService.updateSettings). If that read came before the owner set-up
	 * and the save after it, the set-up is undone: email and password gone, every login 401. A
	 * trigger active at start-up emits within seconds, so on a loaded machine the two met, now and
	 * then (seen on n8n 1.x: "Owner was set up successfully", then 401 on every login).
	 */
	async launch(plan: { credentials: CredentialJson[]; workflows: WorkflowJson[]; activeAtStart: string[] }): Promise<void> {
		let step = '';
		const run = async (name: string, action: () => Promise<void>): Promise<void> => {
			step = name;
			await action();
		};
		try {
			await run('import the credentials (n8n CLI)', () => this.n8n.importCredentials(plan.credentials));
			await run('import the workflows (n8n CLI)', () => this.n8n.importWorkflows(plan.workflows));
			await run('start n8n and set up the owner', () => this.start());
			if (plan.activeAtStart.length === 0) return;
			await run('stop n8n', () => this.stop());
			for (const id of plan.activeAtStart) {
				await run(`activate workflow ${id} for start-up (n8n CLI)`, () => this.n8n.activate(id));
			}
			await run('start n8n again and log in', () => this.start());
		} catch (error) {
			// The reason first: a shortened log keeps the head of a message.
			throw new Error(
				`n8n ${this.major}.x could not be brought up, at "${step}": ${(error as Error).message.slice(0, 1500)}\n` +
					`--- n8n's last lines:\n${this.logTail(30)}`,
			);
		}
	}

	async start(): Promise<void> {
		await this.n8n.start();
		recordProcessGroup(this.n8n.pid, `n8n ${this.major}.x server on ${this.userFolder}`);
		this.rest = await N8nRest.owner(this.n8n.url);
	}

	async stop(): Promise<void> {
		const pid = this.n8n.pid;
		await this.n8n.stop();
		forgetProcessGroup(pid);
	}

	async teardown(): Promise<void> {
		let scanError: unknown;
		try {
			await this.scanStoredExecutions();
		} catch (error) {
			scanError = error;
		}
		await this.stop().catch(() => this.n8n?.killNow());
		await this.sandbox?.close();
		await this.collector.close();
		await this.standIns.close();
		if (this.userFolder && process.env.E2E_KEEP !== '1') {
			fs.rmSync(this.userFolder, { recursive: true, force: true });
		}
		if (this.extensions) fs.rmSync(this.extensions, { recursive: true, force: true });
		// After the cleanup: a check that could not look must not pass quietly.
		if (scanError) throw scanError;
	}

	/**
	 * The secrets check on what n8n stored: every execution with its full data (each node's input
	 * and output, errors), as the editor's Executions list shows it to anyone with access to the
	 * workflow. Fetched over REST at teardown and scanned for the API key and any JWT, by the
	 * canary scanner whose verdict fails the file (test/secrets/canary.setup.ts).
	 */
	async scanStoredExecutions(): Promise<number> {
		if (!this.rest || this.webhookCalls === 0) return 0; // set-up failed: nothing ran to scan
		// The executions are in n8n's database; reading them needs the server.
		if (!this.n8n.running) await this.start();
		const ids: string[] = [];
		let lastId: string | undefined;
		for (;;) {
			const query = new URLSearchParams({ limit: '100', ...(lastId ? { lastId } : {}) });
			const page = (await this.rest.request('GET', `/rest/executions?${query}`)) as {
				data: { results: Array<{ id: string }> };
			};
			const results = page.data.results;
			ids.push(...results.map((execution) => execution.id));
			if (results.length < 100) break;
			lastId = results[results.length - 1].id;
		}
		for (const id of ids) {
			const detail = await this.rest.request('GET', `/rest/executions/${id}`);
			scanner.scan(`execution ${id} stored by the real n8n ${this.major}.x (with its data)`, detail);
		}
		if (ids.length < this.webhookCalls) {
			throw new Error(
				`Secrets check: n8n listed ${ids.length} stored executions, fewer than the ${this.webhookCalls} webhook calls ` +
					'the tests made; the executions could not all be read.',
			);
		}
		return ids.length;
	}

	/** The server's output so far, for failure messages. */
	logTail(lines = 60): string {
		return this.n8n.serverOutput.split('\n').slice(-lines).join('\n');
	}

	/** Activates a workflow through the REST API the editor uses (2.x: publish; 1.x: active flag). */
	async activate(workflowId: string): Promise<void> {
		const current = (await this.rest.request('GET', `/rest/workflows/${workflowId}`)) as {
			data: { versionId: string };
		};
		if (this.major === 2) {
			await this.rest.request('POST', `/rest/workflows/${workflowId}/activate`, {
				versionId: current.data.versionId,
			});
		} else {
			await this.rest.request('PATCH', `/rest/workflows/${workflowId}`, {
				active: true,
				versionId: current.data.versionId,
			});
		}
	}

	async deactivate(workflowId: string): Promise<void> {
		if (this.major === 2) {
			await this.rest.request('POST', `/rest/workflows/${workflowId}/deactivate`, {});
		} else {
			const current = (await this.rest.request('GET', `/rest/workflows/${workflowId}`)) as {
				data: { versionId: string };
			};
			await this.rest.request('PATCH', `/rest/workflows/${workflowId}`, {
				active: false,
				versionId: current.data.versionId,
			});
		}
	}

	/** POSTs to a production webhook and returns what the workflow's last node answered. */
	async webhook(webhookPath: string, body: unknown = {}): Promise<WebhookResult> {
		this.webhookCalls++;
		const response = await fetch(`${this.n8n.url}/webhook/${webhookPath}`, {
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
		// What the workflow answered is what its caller sees: no key, no token.
		scanner.scan(`the answer of webhook ${webhookPath}`, { headers: [...response.headers], body: parsed });
		return { status: response.status, body: parsed };
	}

	/** Items answered by a webhook workflow; throws with n8n's own error when it failed. */
	async webhookItems(webhookPath: string, body: unknown = {}): Promise<Record<string, unknown>[]> {
		const result = await this.webhook(webhookPath, body);
		if (result.status !== 200) {
			const error = await this.lastExecutionError().catch(() => undefined);
			throw new Error(
				`webhook ${webhookPath} answered ${result.status}: ${JSON.stringify(result.body)}\n` +
					`n8n's execution error: ${error ?? '(not found)'}`,
			);
		}
		if (Array.isArray(result.body)) return result.body as Record<string, unknown>[];
		// n8n answers a single item as an object rather than an array of one.
		return [result.body as Record<string, unknown>];
	}

	/** The error message of the most recent failed execution, from n8n's execution store. */
	async lastExecutionError(): Promise<string | undefined> {
		const list = (await this.rest.request('GET', '/rest/executions?limit=5')) as {
			data: { results: Array<{ id: string; status: string }> };
		};
		const failed = list.data.results.find((execution) => execution.status === 'error');
		if (!failed) return undefined;
		const detail = (await this.rest.request('GET', `/rest/executions/${failed.id}`)) as { data: { data: string } };
		const { parse } = require(path.join(this.runtime.dir, 'node_modules', 'flatted')) as {
			parse: (text: string) => { resultData?: { error?: { message?: string; description?: string } } };
		};
		const run = parse(detail.data.data);
		const error = run.resultData?.error;
		return error ? `${error.message ?? ''} ${error.description ?? ''}`.trim() : undefined;
	}

	stats(): Promise<control.Stats> {
		return control.stats(this.sandbox.url);
	}
}

const live = new Set<E2eEnv>();
let hooked = false;

/** However the test process ends, no n8n it started may outlive it. */
function registerCleanup(env: E2eEnv): void {
	live.add(env);
	if (hooked) return;
	hooked = true;
	const killAll = () => {
		for (const item of live) item.n8n?.killNow();
	};
	process.on('exit', killAll);
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			killAll();
			process.exit(130);
		});
	}
}

/**
 * For jest's globalTeardown: ends the process groups this run recorded and a crashed or killed
 * worker left behind, then removes the run's folder. Groups of other runs are in other folders.
 */
export function killRecordedServers(dir: string): number {
	if (!fs.existsSync(dir)) return 0;
	let killed = 0;
	for (const file of fs.readdirSync(dir)) {
		const pid = Number(file);
		if (Number.isInteger(pid) && pid > 0 && groupAlive(pid)) {
			killGroup(pid, 'SIGKILL');
			killed++;
		}
	}
	fs.rmSync(dir, { recursive: true, force: true });
	return killed;
}

function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Waits until `check` returns a value (not undefined), polling; throws after `timeoutMs`. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined> | T | undefined,
	{ timeoutMs = 60_000, intervalMs = 500 } = {},
): Promise<T> {
	const started = Date.now();
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

export { control };
