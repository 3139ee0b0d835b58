/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { authenticate, request } from './helpers';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
	const child = spawn(TSX, ['sandbox/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
	let text = '';
	child.stdout!.on('data', (chunk) => (text += chunk));
	child.stderr!.on('data', (chunk) => (text += chunk));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, output: () => text, exited };
}

async function waitFor(output: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
	const until = Date.now() + ms;
	for (;;) {
		const match = output().match(pattern);
		if (match) return match;
		if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; output: ${output()}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe('sandbox CLI', () => {
	it('prints where it listens and the key, serves both APIs on one port, and stops on SIGTERM', async () => {
		const { child, output, exited } = run(['--port', '0', '--api-key', 'cli-key-1', '--seed', '3', '--fleets', '2', '--max-take', '1', '--retry-after', 'none', '--quiet']);
		try {
			const [, url] = await waitFor(output, /4SEE sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/);
			expect(output()).toMatch(/API key: cli-key-1/);
			const token = await authenticate(url, 'cli-key-1');
			// --max-take 1: the default page shrinks to it, anything larger is refused naming take.
			const fleets = await request(url, '/api/v1/fleets', { token });
			expect(fleets.body.data).toHaveLength(1);
			const refused = await request(url, '/api/v1/fleets?take=2', { token });
			expect(refused.status).toBe(400);
			expect(refused.body.errors.take[0]).toMatch(/from 1 to 1; got '2'/);
			expect((await request(url, '/__sandbox/clock')).body.mode).toBe('real');
			expect((await request(url, '/__sandbox/config')).body.config.retryAfter).toBe('none');
			child.kill('SIGTERM');
			expect(await exited).toBe(0);
		} finally {
			child.kill('SIGKILL');
		}
	});

	it('refuses bad flags with usage and exit code 2', async () => {
		const { output, exited } = run(['--burst', 'lots']);
		expect(await exited).toBe(2);
		expect(output()).toMatch(/--burst must be a number/);
		expect(output()).toMatch(/Usage: npm run sandbox/);
		const retry = run(['--retry-after', 'later']);
		expect(await retry.exited).toBe(2);
		expect(retry.output()).toMatch(/--retry-after must be seconds, date or none, got 'later'/);
	});
});
