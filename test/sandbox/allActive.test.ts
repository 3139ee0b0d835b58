/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * `allActive` (CLI `--all-active`): every trailer and device in service, so that a fleet-wide
 * measurement (the trigger's coverage of 5,000 trailers) covers every trailer, not only the
 * four in five a default fleet keeps in service.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { startSandbox } from '../../sandbox';
import { configure, scope } from '../../sandbox/client';
import { authenticate, collect, request } from './helpers';

describe('sandbox allActive', () => {
	it('puts every trailer and device of a 5,000-trailer fleet in service: 10 pages of 500 with activeOnly', async () => {
		const sandbox = await startSandbox({ fleets: 1, trailersPerFleet: 5000, devicesPerTrailer: 2, deliverSafeUnits: 0, allActive: true });
		try {
			const token = await authenticate(sandbox.url, sandbox.apiKey);
			const get = (path: string) => request(sandbox.url, path, { token });
			const s = await scope(sandbox.url);
			expect(s.inactiveTrailers).toEqual([]);
			expect(s.inactiveDevices).toEqual([]);
			const active = await collect(get, '/api/v1/trailers/fleet-001?activeOnly=true', 500);
			expect(active.pages).toBe(10);
			expect(new Set(active.records.map((t) => t.id)).size).toBe(5000);
			expect(active.records.every((t) => t.active === true)).toBe(true);
			// A trailer that is out of service by default (position 3 of every 8) reports GPS.
			const gps = await get('/api/v1/trailers/telemetry/gps/trl-00004?take=5');
			expect(gps.status).toBe(200);
			expect(gps.body.data.length).toBeGreaterThan(0);
			const devices = await collect(get, '/api/v1/devices/trl-00004?activeOnly=true', 50);
			expect(devices.records).toHaveLength(2);
		} finally {
			await sandbox.close();
		}
	});

	it('is off by default, can be switched live, and refuses a value that is not a boolean', async () => {
		const sandbox = await startSandbox({ fleets: 1, trailersPerFleet: 40, devicesPerTrailer: 2, deliverSafeUnits: 0 });
		try {
			const before = await scope(sandbox.url);
			expect(before.inactiveTrailers).toContain('trl-00004');
			expect(before.inactiveDevices.length).toBeGreaterThan(0);
			expect((await configure(sandbox.url, { allActive: true })).config.allActive).toBe(true);
			const on = await scope(sandbox.url);
			expect(on.inactiveTrailers).toEqual([]);
			expect(on.inactiveDevices).toEqual([]);
			await configure(sandbox.url, { allActive: false });
			expect((await scope(sandbox.url)).inactiveTrailers).toEqual(before.inactiveTrailers);
			await expect(configure(sandbox.url, { allActive: 'yes' as unknown as boolean })).rejects.toThrow(/400.*allActive must be true or false/);
		} finally {
			await sandbox.close();
		}
	});

	it('CLI --all-active starts a sandbox with no trailer out of service', async () => {
		const root = join(__dirname, '..', '..');
		// node itself with tsx as a loader: the process killed below is the sandbox, no wrapper
		// left holding its pipes open.
		const args = ['--import', 'tsx', 'sandbox/cli.ts', '--port', '0', '--fleets', '1', '--trailers-per-fleet', '40', '--all-active', '--quiet'];
		const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
		const exited = new Promise((resolve) => child.on('exit', resolve));
		try {
			let output = '';
			child.stdout.on('data', (chunk) => (output += chunk));
			child.stderr.on('data', (chunk) => (output += chunk));
			const until = Date.now() + 20_000;
			let match: RegExpMatchArray | null = null;
			while (!(match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/))) {
				if (Date.now() > until) throw new Error(`the sandbox did not start: ${output}`);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			const s = await scope(match[1]);
			expect(s.counts.trailers).toBe(40);
			expect(s.inactiveTrailers).toEqual([]);
		} finally {
			child.kill('SIGKILL');
			await exited;
		}
	});
});
