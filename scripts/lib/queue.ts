/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * n8n in queue mode on one machine, with nothing shared with anything else on it: a throw-away
 * PostgreSQL cluster and a Redis without persistence, each on a free loopback port in a
 * temporary folder, one main (`n8n start`: editor, webhooks, triggers and polls) and workers
 * (`n8n worker`: the executions), all with this package loaded. Shared by `npm start -- --queue`
 * and the queue-mode end-to-end suite, so what the suite proves is what a user runs.
 *
 * Every long-running process (postgres, redis-server, each n8n) runs in a process group of its
 * own; `onProcess` hears of each so a test run can end them even if its worker dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort, killGroup, N8n, REPO_ROOT, sleep, type N8nRuntime } from './n8n';

export interface QueueDeps {
	/** PostgreSQL's server binaries (initdb, pg_ctl, postgres, psql is on PATH or here). */
	pgBin: string;
	redisServer: string;
}

/** Installs PostgreSQL's server and redis-server with apt-get on first use (scripts/queue/install.sh). */
export function ensureQueueDeps(): QueueDeps {
	const script = path.join(REPO_ROOT, 'scripts', 'queue', 'install.sh');
	const result = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
	if (result.status !== 0) {
		throw new Error(`Installing PostgreSQL/Redis for queue mode failed (exit ${result.status}); see the output above.`);
	}
	const [pgBin, redisServer] = result.stdout.trim().split('\n').pop()!.split(' ');
	return { pgBin, redisServer };
}

export type ProcessListener = (pid: number | undefined, what: string) => void;

/** One long-running service process in a group of its own, with its output in a file. */
class Service {
	private child?: ChildProcess;
	private exited?: Promise<void>;
	output = '';

	constructor(
		readonly what: string,
		private readonly logFile: string,
	) {}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return this.child !== undefined;
	}

	spawn(command: string, args: string[], options: { cwd?: string } = {}): void {
		const log = fs.createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		this.child = child;
		const onData = (chunk: Buffer) => {
			this.output += chunk.toString();
			log.write(chunk);
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		this.exited = once(child, 'exit').then(() => {
			log.end();
			if (this.child === child) this.child = undefined;
		});
	}

	/** Stops the group with `signal`, then SIGKILL after the grace time. */
	async stop(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
		const child = this.child;
		if (!child) return;
		killGroup(child.pid, signal);
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
		const result = await Promise.race([this.exited!.then(() => 'exited' as const), timeout]);
		clearTimeout(timer);
		if (result === 'timeout') killGroup(child.pid, 'SIGKILL');
		await this.exited;
		killGroup(child.pid, 'SIGKILL');
		this.child = undefined;
	}

	killNow(): void {
		if (this.child) killGroup(this.child.pid, 'SIGKILL');
	}
}

function tail(text: string, lines = 20): string {
	return text.split('\n').slice(-lines).join('\n');
}

/** Polls `check` until it is true; throws with `what` and the service's last lines after the time. */
async function until(what: string, service: Service, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const started = Date.now();
	while (Date.now() - started < timeoutMs) {
		if (!service.running) throw new Error(`${service.what} exited while ${what}:\n${tail(service.output)}`);
		if (await check()) return;
		await sleep(200);
	}
	throw new Error(`${service.what}: timed out after ${timeoutMs / 1000} s ${what}:\n${tail(service.output)}`);
}

/**
 * A throw-away PostgreSQL cluster: made by the unprivileged `postgres` user (initdb refuses root)
 * in a folder of its own, trusting loopback connections, listening on 127.0.0.1 only, with its
 * socket in that folder. Removed with the folder.
 */
export class Postgres {
	readonly service: Service;
	port = 0;
	readonly user = 'n8n';
	readonly database = 'n8n';

	constructor(
		private readonly deps: QueueDeps,
		readonly dir: string,
	) {
		this.service = new Service('PostgreSQL', path.join(path.dirname(dir), 'postgres.log'));
	}

	private asPostgres(binary: string, args: string[]): string[] {
		// setpriv execs in place (no lingering parent like su), so the group leader is postgres itself.
		return ['--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env', path.join(this.deps.pgBin, binary), ...args];
	}

	async start(onProcess?: ProcessListener): Promise<void> {
		fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
		fs.chownSync(this.dir, uid('postgres'), gid('postgres'));
		fs.chmodSync(path.dirname(this.dir), 0o711);
		const init = spawnSync('setpriv', this.asPostgres('initdb', ['-D', this.dir, '-A', 'trust', '-U', this.user, '-E', 'UTF8', '--no-sync']), {
			encoding: 'utf8',
			cwd: this.dir,
		});
		if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${tail(init.stdout + init.stderr)}`);
		this.port = await freePort();
		// fsync off: the cluster is thrown away, and durability across a machine crash is not under test.
		this.service.spawn(
			'setpriv',
			this.asPostgres('postgres', ['-D', this.dir, '-p', String(this.port), '-k', this.dir, '-h', '127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200']),
			{ cwd: this.dir },
		);
		onProcess?.(this.service.pid, `PostgreSQL on ${this.dir}`);
		await until('starting', this.service, async () => /ready to accept connections/.test(this.service.output), 60_000);
		const psql = path.join(this.deps.pgBin, 'psql');
		const created = spawnSync(psql, ['-h', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-d', 'postgres', '-c', `create database ${this.database}`], {
			encoding: 'utf8',
		});
		if (created.status !== 0) throw new Error(`create database failed:\n${created.stdout}${created.stderr}`);
	}

	/** n8n's settings for this database. */
	env(): Record<string, string> {
		return {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.port),
			DB_POSTGRESDB_DATABASE: this.database,
			DB_POSTGRESDB_USER: this.user,
			DB_POSTGRESDB_PASSWORD: '',
		};
	}

	/** Runs SQL and returns psql's unaligned output (rows of `|`-separated fields). */
	query(sql: string): string {
		const result = spawnSync(
			path.join(this.deps.pgBin, 'psql'),
			['-h', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-d', this.database, '-At', '-c', sql],
			{ encoding: 'utf8' },
		);
		if (result.status !== 0) throw new Error(`psql: ${result.stderr}`);
		return result.stdout.trim();
	}

	async stop(): Promise<void> {
		// SIGINT is PostgreSQL's fast shutdown.
		await this.service.stop('SIGINT');
	}
}

function uid(user: string): number {
	return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function gid(user: string): number {
	return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** Redis on a free loopback port, in memory only (`--save ''`, no append-only file). */
export class Redis {
	readonly service: Service;
	port = 0;

	constructor(
		private readonly deps: QueueDeps,
		readonly dir: string,
	) {
		this.service = new Service('Redis', path.join(dir, 'redis.log'));
	}

	async start(onProcess?: ProcessListener): Promise<void> {
		fs.mkdirSync(this.dir, { recursive: true });
		this.port = await freePort();
		this.service.spawn(
			this.deps.redisServer,
			['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no'],
			{ cwd: this.dir },
		);
		onProcess?.(this.service.pid, `Redis on port ${this.port}`);
		await until('starting', this.service, () => ping(this.port), 30_000);
	}

	env(): Record<string, string> {
		return { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(this.port) };
	}

	async stop(): Promise<void> {
		await this.service.stop('SIGTERM');
	}
}

async function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		socket.setTimeout(1000);
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) {
				socket.destroy();
				resolve(answer.startsWith('+PONG'));
			}
		});
		socket.on('error', () => resolve(false));
		socket.on('timeout', () => {
			socket.destroy();
			resolve(false);
		});
	});
}

export interface QueueClusterOptions {
	runtime: N8nRuntime;
	/** Folder for N8N_CUSTOM_EXTENSIONS (see stageExtension); every process loads the package. */
	extensions: string;
	/** Everything of this cluster lives here: database, Redis, each process's user folder, logs. */
	baseFolder: string;
	workers?: number;
	workerConcurrency?: number;
	/** The main's editor port (default: a free one). */
	port?: number;
	/** Extra environment for every n8n process (the main and the workers). */
	env?: Record<string, string>;
	/** Extra environment for the main only (the durable scheduler, for example). */
	mainEnv?: Record<string, string>;
	onProcess?: ProcessListener;
	echo?: boolean;
}

/**
 * PostgreSQL + Redis + one main + workers. One encryption key for all, so the credentials the
 * main stored are readable by the workers, and each n8n process has a user folder, ports and a
 * health-check port of its own.
 */
export class QueueCluster {
	readonly deps: QueueDeps;
	readonly postgres: Postgres;
	readonly redis: Redis;
	readonly main: N8n;
	readonly workers: N8n[] = [];
	private readonly encryptionKey: string;

	constructor(private readonly options: QueueClusterOptions) {
		this.deps = ensureQueueDeps();
		fs.mkdirSync(options.baseFolder, { recursive: true });
		// The postgres user must reach its data folder inside (a temporary folder is made 0700).
		fs.chmodSync(options.baseFolder, 0o711);
		this.postgres = new Postgres(this.deps, path.join(options.baseFolder, 'postgres', 'data'));
		this.redis = new Redis(this.deps, path.join(options.baseFolder, 'redis'));
		this.encryptionKey = fs.existsSync(this.keyFile)
			? fs.readFileSync(this.keyFile, 'utf8').trim()
			: require('node:crypto').randomBytes(24).toString('hex');
		fs.writeFileSync(this.keyFile, this.encryptionKey, { mode: 0o600 });
		this.main = this.n8n('main', 'main', options.port);
		for (let i = 1; i <= (options.workers ?? 2); i++) this.workers.push(this.n8n(`worker-${i}`, 'worker'));
	}

	private get keyFile(): string {
		return path.join(this.options.baseFolder, 'encryption-key');
	}

	private n8n(name: string, role: 'main' | 'worker', port?: number): N8n {
		const envOf = (): Record<string, string> => {
			const health = this.healthPorts.get(name);
			return { ...this.environment(role), ...(health ? { QUEUE_HEALTH_CHECK_PORT: String(health) } : {}) };
		};
		const n8n = new N8n({
			runtime: this.options.runtime,
			userFolder: path.join(this.options.baseFolder, name),
			extensions: this.options.extensions,
			port,
			role,
			workerConcurrency: this.options.workerConcurrency ?? 5,
			echo: this.options.echo,
			logFile: path.join(this.options.baseFolder, `${name}.log`),
			get env() {
				return envOf();
			},
		});
		return n8n;
	}

	/** A process's n8n settings: read on every start, so a test can change them between starts. */
	environment(role: 'main' | 'worker'): Record<string, string> {
		return {
			...this.postgres.env(),
			...this.redis.env(),
			EXECUTIONS_MODE: 'queue',
			N8N_ENCRYPTION_KEY: this.encryptionKey,
			// Each process answers health checks on a port of its own (workers serve nothing else).
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			// Manual executions from the editor run on the workers too, as in a production set-up.
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			...this.options.env,
			...(role === 'main' ? this.options.mainEnv : {}),
			...this.extraEnv,
		};
	}

	/** Each worker's health-check server needs a port of its own (n8n's default is the main's 5678). */
	private readonly healthPorts = new Map<string, number>();

	/** Settings a test adds for the next starts (e.g. durable cursors on or off). */
	extraEnv: Record<string, string> = {};

	get all(): N8n[] {
		return [this.main, ...this.workers];
	}

	/** PostgreSQL and Redis. */
	async startServices(): Promise<void> {
		await this.postgres.start(this.options.onProcess);
		await this.redis.start(this.options.onProcess);
	}

	async startMain(): Promise<void> {
		await this.main.start();
		this.options.onProcess?.(this.main.pid, `n8n main on ${this.options.baseFolder}`);
	}

	async startWorkers(): Promise<void> {
		// One after the other: n8n's start-up is CPU-bound, and on two cores side by side is no faster.
		for (const [i, worker] of this.workers.entries()) {
			const name = path.basename(worker.userFolder);
			if (!this.healthPorts.has(name)) this.healthPorts.set(name, await freePort());
			await worker.start();
			this.options.onProcess?.(worker.pid, `n8n worker ${i + 1} on ${this.options.baseFolder}`);
		}
	}

	/** Stops everything, n8n first (it may still write to the database and Redis). */
	async stop(): Promise<void> {
		const errors: unknown[] = [];
		for (const n8n of [...this.workers, this.main]) await n8n.stop().catch((error) => errors.push(error));
		await this.redis.stop().catch((error) => errors.push(error));
		await this.postgres.stop().catch((error) => errors.push(error));
		if (errors.length > 0) throw errors[0];
	}

	/** Synchronous last resort for exit handlers. */
	killNow(): void {
		for (const n8n of this.all) n8n.killNow();
		this.redis.service.killNow();
		this.postgres.service.killNow();
	}

	/** Process ids of the services, for the record (postgres, redis). */
	get servicePids(): Array<number | undefined> {
		return [this.postgres.service.pid, this.redis.service.pid];
	}
}

/**
 * The durable scheduler for poll triggers (n8n 2.36+): polls become rows in n8n's database,
 * claimed by one main, abandoned after N8N_SCHEDULER_POLL_TIMEOUT (45 s by default); with durable
 * cursors the trigger's state is committed in one transaction with the execution it starts.
 */
export function durableSchedulerEnv(durableCursors: boolean): Record<string, string> {
	return {
		N8N_SCHEDULER_ENABLED: 'true',
		N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
		N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
		N8N_POLLER_DURABLE_CURSORS_ENABLED: durableCursors ? 'true' : 'false',
	};
}

/** A fresh folder for a cluster, in the system's temporary folder. */
export function clusterFolder(label: string): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), `n8n-queue-${label}-`));
}
