/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * `npm start` as a user runs it: the real scripts/start.ts (build, n8n 2.x, sandbox, credential,
 * examples), in a throw-away n8n user folder, then Ctrl-C. Run as `node --import tsx
 * scripts/start.ts`, which is what `npm start` runs, minus npm's `prestart` dependency check: an
 * `npm ci` started from inside a test run would replace the node_modules the run is using.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { exampleWorkflows } from '../../scripts/lib/examples';
import { ensureN8n, freePort, N8nRest, REPO_ROOT } from '../../scripts/lib/n8n';
import { forgetProcessGroup, recordProcessGroup, waitFor } from './harness';
import { CREDENTIAL_TYPE } from './workflows';

interface Proc {
	pid: number;
	/** Start time in clock ticks since boot: a pid reused later by another process differs here. */
	started: string;
	cmdline: string;
}

function readProc(pid: number): (Proc & { ppid: number; pgid: number }) | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name in parentheses may hold spaces; the fields after it are fixed.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
		return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), started: fields[19], cmdline };
	} catch {
		return undefined; // gone meanwhile
	}
}

/** Every process below `root` (children, grandchildren...), whatever process group they are in. */
function descendants(root: number): Array<Proc & { pgid: number }> {
	const all = fs
		.readdirSync('/proc')
		.filter((name) => /^\d+$/.test(name))
		.map((name) => readProc(Number(name)))
		.filter((proc): proc is NonNullable<typeof proc> => proc !== undefined);
	const found: Array<Proc & { pgid: number }> = [];
	const parents = new Set([root]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const proc of all) {
			if (parents.has(proc.ppid) && !parents.has(proc.pid)) {
				parents.add(proc.pid);
				found.push(proc);
				grew = true;
			}
		}
	}
	return found;
}

function stillRunning(proc: Proc): boolean {
	const now = readProc(proc.pid);
	return now !== undefined && now.started === proc.started;
}

async function portFree(port: number): Promise<boolean> {
	return await new Promise<boolean>((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/** The environment a user's shell would give: without jest's markers (NODE_ENV=test and co.). */
function userEnvironment(): NodeJS.ProcessEnv {
	const env = { ...process.env };
	for (const name of Object.keys(env)) {
		if (name === 'NODE_ENV' || name.startsWith('JEST_') || name === 'TS_JEST') delete env[name];
	}
	return env;
}

/**
 * `queue`: `npm start -- --queue`, n8n in queue mode (PostgreSQL, Redis, a main and two workers
 * in a throw-away folder): the same checks, plus every one of those processes seen and stopped.
 */
export function defineNpmStartTest({ queue = false }: { queue?: boolean } = {}): void {
	describe(queue ? 'npm start -- --queue' : 'npm start', () => {
		let child: ChildProcess | undefined;
		let userFolder = '';
		let seen: Array<Proc & { pgid: number }> = [];

		// n8n 2.x installed (or found complete) before the clock of the test starts: start.ts then
		// reuses it, and a test timeout can never kill an install halfway.
		beforeAll(() => {
			ensureN8n(2);
		}, 15 * 60 * 1000);

		afterAll(async () => {
			// Whatever failed above: nothing this test started may stay, in whatever process group it
			// is (n8n has its own; an install or a build runs in start.ts's).
			if (child?.pid && child.exitCode === null && child.signalCode === null) {
				const below = descendants(child.pid);
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					// gone
				}
				for (const proc of below) if (stillRunning(proc)) process.kill(proc.pid, 'SIGKILL');
			}
			for (const proc of seen) {
				if (stillRunning(proc)) process.kill(proc.pid, 'SIGKILL');
				forgetProcessGroup(proc.pid);
			}
			forgetProcessGroup(child?.pid);
			if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
		}, 60_000);

		test('reaches a logged-in editor with the credential and the examples, and Ctrl-C stops n8n, its task runner and the sandbox', async () => {
			const port = await freePort();
			const sandboxPort = await freePort();
			if (!queue) userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-4see-start-'));
			// A process group of its own, as a terminal gives a command: Ctrl-C goes to that group.
			child = spawn(
				process.execPath,
				[
					'--import',
					'tsx',
					'scripts/start.ts',
					'--port',
					String(port),
					'--sandbox-port',
					String(sandboxPort),
					...(queue ? ['--queue'] : ['--user-folder', userFolder]),
				],
				{ cwd: REPO_ROOT, env: userEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
			);
			const startPid = child.pid!;
			recordProcessGroup(startPid, 'npm start (scripts/start.ts)');
			let output = '';
			child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
			child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
			const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
				child!.once('exit', (code, signal) => resolve({ code, signal })),
			);
			let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
			void exited.then((result) => (exit = result));

			// The banner: the editor's address and the login, as a user reads them.
			const banner = await waitFor(
				'the banner with the editor URL and the login',
				() => {
					if (exit) throw new Error(`npm start exited (${JSON.stringify(exit)}) before its banner:\n${output.slice(-3000)}`);
					const editor = /Editor:\s+(http:\/\/\S+)/.exec(output);
					const login = /Log in:\s+(\S+@\S+)\s+\/\s+(\S+)/.exec(output);
					return editor && login ? { editor: editor[1], email: login[1], password: login[2] } : undefined;
				},
				// A queue-mode start brings up PostgreSQL, Redis and three n8n processes one after the other.
				{ timeoutMs: queue ? 480_000 : 150_000, intervalMs: 500 },
			).catch((error: Error) => {
				throw new Error(`${error.message}; npm start printed:\n${output.slice(-3000)}`);
			});
			expect(banner.editor).toBe(`http://localhost:${port}`);
			expect(output).toContain(`http://127.0.0.1:${sandboxPort}`);

			// Logged in with what the banner printed, over the REST API the editor uses.
			const rest = new N8nRest(banner.editor);
			await rest.login({ email: banner.email, password: banner.password, firstName: '', lastName: '' });
			const credentials = (await rest.request('GET', '/rest/credentials')) as {
				data: Array<{ name: string; type: string }>;
			};
			expect(credentials.data.map((c) => ({ name: c.name, type: c.type }))).toContainEqual({
				name: '4SEE sandbox',
				type: CREDENTIAL_TYPE,
			});
			const workflows = (await rest.request('GET', '/rest/workflows')) as { data: Array<{ id: string; name: string }> };
			const examples = exampleWorkflows();
			expect(examples.length).toBeGreaterThanOrEqual(4);
			expect(workflows.data.map((w) => w.id).sort()).toEqual(expect.arrayContaining(examples.map((w) => w.id)));
			// The sandbox answers where the banner said.
			expect((await fetch(`http://127.0.0.1:${sandboxPort}/api/v1/fleets`)).status).toBe(401);

			// What Ctrl-C must stop: n8n (a process group of its own) and what n8n started.
			seen = descendants(startPid);
			for (const proc of seen) if (proc.pgid === proc.pid) recordProcessGroup(proc.pid, proc.cmdline);
			const n8nServer = seen.find((proc) => /node_modules\/n8n\/bin\/n8n start/.test(proc.cmdline));
			expect(n8nServer).toBeDefined();
			if (queue) {
				const commands = seen.map((proc) => proc.cmdline);
				expect(commands.filter((command) => /node_modules\/n8n\/bin\/n8n worker/.test(command))).toHaveLength(2);
				expect(commands).toContainEqual(expect.stringMatching(/\/postgres -D /));
				expect(commands).toContainEqual(expect.stringMatching(/redis-server/));
			}
			// n8n 2.x runs Code nodes in a task runner it starts as a child process.
			expect(seen.filter((proc) => proc.pid !== n8nServer!.pid).map((proc) => proc.cmdline)).toContainEqual(
				expect.stringMatching(/task-runner|runners/i),
			);

			process.kill(-startPid, 'SIGINT');
			const result = await Promise.race([
				exited,
				new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000).unref()),
			]);
			expect(result).toEqual({ code: 0, signal: null });
			expect(output).toContain(queue ? 'Stopping the workers, the main, Redis, PostgreSQL and the sandbox' : 'Stopping n8n and the sandbox');
			if (queue) {
				// The throw-away folder (database, Redis, user folders, logs) goes with it.
				const folder = /throw-away, in (\S+)\)/.exec(output)?.[1];
				expect(folder).toBeDefined();
				expect(fs.existsSync(folder!)).toBe(false);
			}
			expect(seen.filter(stillRunning).map((proc) => proc.cmdline)).toEqual([]);
			expect({ editor: await portFree(port), sandbox: await portFree(sandboxPort) }).toEqual({ editor: true, sandbox: true });
			forgetProcessGroup(startPid);
		}, (queue ? 10 : 4) * 60 * 1000);
	});
}
