/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * `npm start`: a real n8n with this package loaded, talking to the 4SEE sandbox, with a
 * credential and example workflows ready. Ctrl-C stops everything it started.
 *
 *   npm start                      n8n 2.x (installed on first use, Node 24 included)
 *   npm start -- --n8n 1           n8n 1.x on this machine's Node (>= 20.19)
 *   npm start -- --port 5679       another editor port (default 5678, or a free one; 0: any free one)
 *   npm start -- --sandbox-port 0  another sandbox port (default 4480, or a free one)
 *   npm start -- --user-folder DIR n8n's data in DIR instead (a throw-away setup, a test)
 *   npm start -- --queue           n8n 2.x scaled out: PostgreSQL, Redis, a main and two workers
 *                                  (queue mode, durable scheduler with durable poll cursors), in a
 *                                  throw-away folder removed at Ctrl-C
 *
 * State (n8n's database, your edits to the examples, the owner login) is kept between starts
 * in .n8n-runtime/user-<major>/ (or the --user-folder); delete that folder to start over.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startSandbox } from '../sandbox';
import {
	DEFAULT_OWNER,
	ensureN8n,
	freePort,
	N8n,
	N8nRest,
	REPO_ROOT,
	RUNTIME_DIR,
	stageExtension,
	type N8nMajor,
	type N8nRuntime,
} from './lib/n8n';
import { clusterFolder, durableSchedulerEnv, QueueCluster } from './lib/queue';
import { devExampleWorkflows, exampleWorkflows, sandboxCredential } from './lib/examples';

interface Args {
	major: N8nMajor;
	port?: number;
	sandboxPort?: number;
	userFolder?: string;
	queue: boolean;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { major: 2, queue: false };
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		if (flag === '--queue' && inline === undefined) {
			args.queue = true;
			continue;
		}
		const value = inline ?? argv[++i];
		if (flag === '--n8n' && (value === '1' || value === '2')) args.major = Number(value) as N8nMajor;
		else if (flag === '--port' && /^\d+$/.test(value ?? '')) args.port = Number(value);
		else if (flag === '--sandbox-port' && /^\d+$/.test(value ?? '')) args.sandboxPort = Number(value);
		else if (flag === '--user-folder' && value) args.userFolder = path.resolve(value);
		else {
			console.error(
				`Unknown or incomplete option: ${argv[i]}\n` +
					'Usage: npm start -- [--n8n 1|2] [--port N] [--sandbox-port N] [--user-folder DIR] [--queue]',
			);
			process.exit(2);
		}
	}
	if (args.queue && (args.major !== 2 || args.userFolder)) {
		console.error('--queue runs n8n 2.x in a throw-away folder of its own: it takes neither --n8n 1 nor --user-folder.');
		process.exit(2);
	}
	return args;
}

async function portOr(preferred: number | undefined, fallback: number): Promise<number> {
	// 0 asks for any free port; n8n itself would take 0 literally and be unreachable.
	if (preferred === 0) return freePort();
	if (preferred !== undefined) return preferred;
	const net = await import('node:net');
	const free = await new Promise<boolean>((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(fallback, '127.0.0.1', () => server.close(() => resolve(true)));
	});
	return free ? fallback : freePort();
}

function step(message: string): void {
	console.log(`\n▶ ${message}`);
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));

	step('Building the package (npm run build)');
	const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
	if (build.status !== 0) throw new Error('The build failed; see above.');

	step(`Preparing n8n ${args.major}.x (installed into .n8n-runtime/ on first use; minutes the first time)`);
	const runtime = ensureN8n(args.major);
	const extensions = stageExtension(runtime, args.queue ? 'start-queue' : 'start');
	if (args.queue) return startQueue(args, runtime, extensions);

	step('Starting the 4SEE sandbox');
	const sandbox = await startSandbox({ clock: 'real', port: await portOr(args.sandboxPort, 4480) });
	let n8n: N8n | undefined;
	let stopping = false;
	const stopAll = async (code: number) => {
		if (stopping) return;
		stopping = true;
		console.log('\nStopping n8n and the sandbox...');
		await n8n?.stop().catch(() => n8n?.killNow());
		await sandbox.close().catch(() => undefined);
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));
	process.on('SIGHUP', () => void stopAll(0));
	// Whatever happens, no n8n may outlive this process.
	process.on('exit', () => n8n?.killNow());
	// `npm start` stopped with a signal to npm alone (a process manager, an IDE's stop button)
	// can leave this process orphaned; when the parent goes, stop everything as for Ctrl-C.
	const parent = process.ppid;
	setInterval(() => {
		if (process.ppid !== parent) void stopAll(0);
	}, 1000).unref();

	const userFolder = args.userFolder ?? path.join(RUNTIME_DIR, `user-${args.major}`);
	n8n = new N8n({
		runtime,
		userFolder,
		extensions,
		port: await portOr(args.port, 5678),
		// With a folder of its own, the log goes there too (n8n-server.log), so nothing is shared.
		logFile: args.userFolder ? undefined : path.join(RUNTIME_DIR, `n8n-${args.major}.log`),
	});

	step('Importing the sandbox credential and the example workflows');
	// The credential is re-imported on every start: the sandbox's address can change between starts.
	await n8n.importCredentials([sandboxCredential(sandbox.url, sandbox.apiKey)]);
	const imported = path.join(userFolder, 'examples-imported.json');
	const done: string[] = fs.existsSync(imported) ? JSON.parse(fs.readFileSync(imported, 'utf8')) : [];
	// Examples are imported once, so edits made in the editor survive the next start. Stored with
	// the community package's type names; this n8n loads the package as CUSTOM.* instead.
	const fresh = devExampleWorkflows().filter((workflow) => !done.includes(workflow.id));
	if (fresh.length > 0) {
		await n8n.importWorkflows(fresh);
		fs.writeFileSync(imported, JSON.stringify([...done, ...fresh.map((w) => w.id)], null, 2));
	}

	step(`Starting n8n ${runtime.version} (log: ${path.relative(REPO_ROOT, n8n.logFile)})`);
	await n8n.start();
	let login = `${DEFAULT_OWNER.email}  /  ${DEFAULT_OWNER.password}`;
	try {
		await N8nRest.owner(n8n.url);
	} catch {
		// The owner's password was changed in the editor since the first start: that login stands.
		login = `the owner account you set up (delete ${args.userFolder ?? `.n8n-runtime/user-${args.major}`}/ to reset it)`;
	}

	const editor = `http://localhost:${n8n.port}`;
	console.log(`
────────────────────────────────────────────────────────────────
  n8n ${runtime.version} is running with n8n-nodes-4see loaded.

  Editor:    ${editor}
  Log in:    ${login}

  Sandbox:   ${sandbox.url}   (API key ${sandbox.apiKey})
  Credential "4SEE sandbox" points at it. For a real 4SEE account,
  create a 4SEE API credential with your key and Integration API URL.
  Example workflows: ${exampleWorkflows()
		.map((w) => `\n    - ${w.name}`)
		.join('')}

  Press Ctrl-C to stop n8n and the sandbox.
────────────────────────────────────────────────────────────────`);

	// If n8n dies on its own, take the sandbox down too rather than leaving half a setup running.
	while (n8n.running) await new Promise((resolve) => setTimeout(resolve, 1000));
	if (!stopping) {
		console.error(`n8n exited unexpectedly; see ${n8n.logFile}`);
		await stopAll(1);
	}
}

/** `--queue`: PostgreSQL, Redis, the sandbox, one main and two workers; Ctrl-C stops all of it. */
async function startQueue(args: Args, runtime: N8nRuntime, extensions: string): Promise<void> {
	step('Preparing PostgreSQL and Redis (Debian packages, installed with apt-get on first use)');
	const baseFolder = clusterFolder('start');
	const cluster = new QueueCluster({
		runtime,
		extensions,
		baseFolder,
		port: await portOr(args.port, 5678),
		env: durableSchedulerEnv(true),
	});
	step('Starting the 4SEE sandbox');
	const sandbox = await startSandbox({ clock: 'real', port: await portOr(args.sandboxPort, 4480) });
	let stopping = false;
	const stopAll = async (code: number) => {
		if (stopping) return;
		stopping = true;
		console.log('\nStopping the workers, the main, Redis, PostgreSQL and the sandbox...');
		await cluster.stop().catch(() => cluster.killNow());
		await sandbox.close().catch(() => undefined);
		fs.rmSync(baseFolder, { recursive: true, force: true });
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));
	process.on('SIGHUP', () => void stopAll(0));
	process.on('exit', () => cluster.killNow());
	const parent = process.ppid;
	setInterval(() => {
		if (process.ppid !== parent) void stopAll(0);
	}, 1000).unref();

	try {
		step(`Starting PostgreSQL and Redis (throw-away, in ${baseFolder})`);
		await cluster.startServices();
		step('Importing the sandbox credential and the example workflows');
		await cluster.main.importCredentials([sandboxCredential(sandbox.url, sandbox.apiKey)]);
		await cluster.main.importWorkflows(devExampleWorkflows());
		step(`Starting the n8n ${runtime.version} main (log: ${cluster.main.logFile})`);
		await cluster.startMain();
		await N8nRest.owner(cluster.main.url);
		step('Starting two workers');
		await cluster.startWorkers();
	} catch (error) {
		console.error(`\nnpm start -- --queue failed: ${(error as Error).message}`);
		await stopAll(1);
		return;
	}

	console.log(`
────────────────────────────────────────────────────────────────
  n8n ${runtime.version} in queue mode, n8n-nodes-4see loaded in every process.

  Editor:    http://localhost:${cluster.main.port}   (the main: editor, webhooks, polls)
  Log in:    ${DEFAULT_OWNER.email}  /  ${DEFAULT_OWNER.password}
  Workers:   2, concurrency 5 each (they run the executions)
  Database:  PostgreSQL on 127.0.0.1:${cluster.postgres.port}, Redis on 127.0.0.1:${cluster.redis.port}
  Scheduler: durable, with durable poll cursors (N8N_SCHEDULER_*, N8N_POLLER_DURABLE_CURSORS_ENABLED)
  Logs:      ${baseFolder}/{main,worker-1,worker-2}.log

  Sandbox:   ${sandbox.url}   (API key ${sandbox.apiKey})
  Credential "4SEE sandbox" points at it.

  Everything is thrown away at Ctrl-C.
────────────────────────────────────────────────────────────────`);

	while (cluster.all.every((n8n) => n8n.running)) await new Promise((resolve) => setTimeout(resolve, 1000));
	if (!stopping) {
		const gone = cluster.all.find((n8n) => !n8n.running)!;
		console.error(`An n8n process exited unexpectedly; see ${gone.logFile}`);
		await stopAll(1);
	}
}

main().catch((error: Error) => {
	console.error(`\nnpm start failed: ${error.message}`);
	process.exit(1);
});
