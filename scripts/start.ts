/**
 * `npm start`: a real n8n with this package loaded, talking to the 4SEE sandbox, with a
 * credential and example workflows ready. Ctrl-C stops everything it started.
 *
 *   npm start                      n8n 2.x (installed on first use, Node 24 included)
 *   npm start -- --n8n 1           n8n 1.x on this machine's Node (>= 20.19)
 *   npm start -- --port 5679       another editor port (default 5678, or a free one)
 *   npm start -- --sandbox-port 0  another sandbox port (default 4480, or a free one)
 *   npm start -- --user-folder DIR n8n's data in DIR instead (a throw-away setup, a test)
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
} from './lib/n8n';
import { devExampleWorkflows, exampleWorkflows, sandboxCredential } from './lib/examples';

interface Args {
	major: N8nMajor;
	port?: number;
	sandboxPort?: number;
	userFolder?: string;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { major: 2 };
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		const value = inline ?? argv[++i];
		if (flag === '--n8n' && (value === '1' || value === '2')) args.major = Number(value) as N8nMajor;
		else if (flag === '--port' && /^\d+$/.test(value ?? '')) args.port = Number(value);
		else if (flag === '--sandbox-port' && /^\d+$/.test(value ?? '')) args.sandboxPort = Number(value);
		else if (flag === '--user-folder' && value) args.userFolder = path.resolve(value);
		else {
			console.error(
				`Unknown or incomplete option: ${argv[i]}\n` +
					'Usage: npm start -- [--n8n 1|2] [--port N] [--sandbox-port N] [--user-folder DIR]',
			);
			process.exit(2);
		}
	}
	return args;
}

async function portOr(preferred: number | undefined, fallback: number): Promise<number> {
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
	const extensions = stageExtension(runtime, 'start');

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

main().catch((error: Error) => {
	console.error(`\nnpm start failed: ${error.message}`);
	process.exit(1);
});
