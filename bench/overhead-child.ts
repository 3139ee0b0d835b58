/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * One contestant of the overhead benchmark, in a process of its own so that its CPU time and
 * memory are its own (the sandbox serving the pages runs in the parent):
 *
 *   node --expose-gc --import tsx bench/overhead-child.ts <node|plain> <sandbox url> <api key> <fleet id>
 *
 * `node` runs the 4SEE node's Trailer > Get Many (Return All, 500 per page) through n8n-core's
 * real execution engine; `plain` is the least a hand-written loop must do for the same result:
 * log in, GET every page, parse it, keep one n8n-style item per record. Both are warmed up on
 * one page first, so module loading and JIT do not count. Prints one line of JSON.
 */
import { performance } from 'node:perf_hooks';

import './resolve';

// Loaded by both contestants, so both start from the same process (the baseline is taken after).
import { FourSeeApi } from '../credentials/FourSeeApi.credentials';
import { FourSee } from '../nodes/FourSee/FourSee.node';
import { CredentialStore, itemsInto, runWorkflow, stopEngineTimers } from '../test/helpers/workflow';

type Json = Record<string, unknown>;

const [mode, url, apiKey, fleet] = process.argv.slice(2);
const PAGE = 500;

function gc(): void {
	(globalThis as { gc?: () => void }).gc?.();
}

function memory(): number {
	const m = process.memoryUsage();
	return m.heapUsed + m.external + m.arrayBuffers;
}

async function plain(limit?: number): Promise<number> {
	const login = await fetch(`${url}/api/v1/customers/authenticate`, { method: 'POST', headers: { 'X-API-KEY': apiKey } });
	const { token } = (await login.json()) as { token: string };
	const items: Array<{ json: Json; pairedItem: { item: number } }> = [];
	let next: string | null = null;
	do {
		const qs = new URLSearchParams({ take: String(PAGE) });
		if (next) qs.set('next', next);
		const response = await fetch(`${url}/api/v1/trailers/${fleet}?${qs}`, { headers: { Authorization: `Bearer ${token}` } });
		if (!response.ok) throw new Error(`plain loop: HTTP ${response.status}`);
		const page = (await response.json()) as { data: Json[]; next: string | null };
		for (const record of page.data) items.push({ json: record, pairedItem: { item: 0 } });
		next = limit !== undefined && items.length >= limit ? null : page.next;
	} while (next);
	return items.length;
}

async function node(limit?: number): Promise<number> {
	const run = await runWorkflow(
		itemsInto({
			type: 'fourSee',
			parameters: {
				resource: 'trailer',
				operation: 'getMany',
				fleet: { __rl: true, mode: 'id', value: fleet },
				returnAll: limit === undefined,
				limit: limit ?? 50,
				options: { pageSize: PAGE },
			},
		}),
		{
			nodeTypes: { fourSee: new FourSee() },
			credentialTypes: [new FourSeeApi()],
			credentials: new CredentialStore({ fourSeeApi: { apiKey, authUrl: url, baseUrl: url, sessionToken: '' } }),
		},
	);
	if (run.error) throw new Error(`node run failed: ${run.error.message}`);
	return run.output('4SEE').length;
}

async function main(): Promise<void> {
	const contestant = mode === 'node' ? node : plain;
	await contestant(PAGE); // warm-up: modules, JIT, sockets
	gc();
	const baseline = memory();
	let peak = baseline;
	const sampler = setInterval(() => {
		peak = Math.max(peak, memory());
	}, 2);
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	const records = await contestant();
	const wallMs = performance.now() - t0;
	const cpu = process.cpuUsage(cpu0);
	peak = Math.max(peak, memory());
	clearInterval(sampler);
	stopEngineTimers();
	process.stdout.write(
		`${JSON.stringify({ mode, records, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, peakBytes: peak - baseline })}\n`,
	);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
