/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The nodes' own cost per request inside a real n8n (issue 18): the trigger reading every trailer
 * of a fleet in one scheduled poll, beside the action node reading the same trailers' GPS one
 * after another (Trailer > Get Many feeding Get GPS Telemetry). The sandbox answers at once and
 * records, for a client with one request at a time, the ms from each answer to the next request
 * (its `idleGapsMs`): that is the node's own time per request (its code, n8n's helpers, the
 * loopback). The n8n process's CPU time (user + system, from /proc) over the same stretch gives
 * CPU per 1,000 streams read. Both nodes run with Concurrent Requests 1 here: with requests
 * overlapping there is no idle gap to measure.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

import { startSandbox } from '../sandbox';
import * as control from '../sandbox/client';
import type { CredentialJson, WorkflowJson } from '../scripts/lib/examples';
import { chainConnections, CREDENTIAL_TYPE, credentialRef, fourSeeNode, TRIGGER_NODE, webhookWorkflow, workflowId } from '../test/e2e/workflows';
import { inN8n } from './inN8n';

type Json = Record<string, unknown>;

export const COST = { trailers: 400 };
const KEY = '4see-bench-cost-key-0000';

/** CPU ms (user + system) a process and its threads used so far, from /proc. */
function cpuMs(pid: number): number {
	const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	// utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1000) / 100;
}

function median(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

async function telemetryRequests(url: string): Promise<number> {
	const stats = await control.stats(url);
	return Object.entries(stats.requests.byRoute)
		.filter(([route]) => route.includes('telemetry'))
		.reduce((sum, [, count]) => sum + count, 0);
}

export interface CostRow {
	node: string;
	streams: number;
	requests: number;
	/** Median ms from an answer to the node's next request. */
	ownMsPerRequest: number;
	/** The n8n process's CPU ms per 1,000 streams read. */
	cpuMsPer1000Streams: number;
	wallSeconds: number;
}

/** One node's row, from the sandbox's stats since their reset and the CPU n8n used meanwhile. */
async function costRow(url: string, node: string, cpuUsedMs: number, startedAt: number): Promise<CostRow> {
	const stats = await control.stats(url);
	const streams = await telemetryRequests(url);
	return {
		node,
		streams,
		requests: stats.requests.total - stats.authCalls,
		ownMsPerRequest: median(stats.idleGapsMs),
		cpuMsPer1000Streams: (cpuUsedMs / Math.max(1, streams)) * 1000,
		wallSeconds: (performance.now() - startedAt) / 1000,
	};
}

export async function costSection(results: Json, log: (line: string) => void): Promise<void> {
	const sandbox = await startSandbox({
		clock: 'real',
		quiet: true,
		apiKey: KEY,
		fleets: 1,
		trailersPerFleet: COST.trailers,
		allActive: true,
		deliverSafeUnits: 1,
		// Not what this measures.
		burst: 1_000_000,
		refillPerSecond: 1_000_000,
	});
	try {
		const { fleets } = await control.scope(sandbox.url);
		const fleet = { __rl: true, mode: 'id', value: fleets[0] };
		const cred: CredentialJson = { id: 'FourSeeBenchCost1', name: '4SEE bench cost', type: CREDENTIAL_TYPE, data: { apiKey: KEY, authUrl: sandbox.url, baseUrl: sandbox.url } };
		const end = new Date().toISOString();
		const start = new Date(Date.now() - 10 * 60_000).toISOString();
		const action = webhookWorkflow('bench cost action', 'bench-cost-action', [
			fourSeeNode('Trailers', { resource: 'trailer', operation: 'getMany', fleet, activeOnly: true, returnAll: true, options: {} }, cred),
			fourSeeNode(
				'GPS',
				// One request at a time (Concurrent Requests 1), as the idle gaps measured here need.
				{ resource: 'trailer', operation: 'getGpsTelemetry', trailer: { __rl: true, mode: 'id', value: '={{ $json.id }}' }, timeRange: 'between', start, end, returnAll: true, options: { concurrency: 1 } },
				cred,
			),
		]);
		const triggerId = workflowId('bench cost trigger');
		const triggerNodes = [
			{
				id: 'b3c05700-0000-4000-8000-000000000001',
				name: '4SEE Trigger',
				type: TRIGGER_NODE,
				typeVersion: 1,
				position: [0, 0] as [number, number],
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					event: 'gpsPosition',
					gpsScope: 'fleet',
					fleet,
					startFrom: 'now',
					// One poll reads the whole fleet: the cost per request is what is measured.
					// One request at a time too (Concurrent Requests 1): the idle gaps need it.
					options: { requestBudget: 5000, timeLimitSeconds: 600, concurrency: 1 },
				},
				credentials: credentialRef(cred),
			},
		];
		const trigger: WorkflowJson = { id: triggerId, name: 'bench cost trigger', nodes: triggerNodes, connections: chainConnections(triggerNodes), settings: {}, active: false };
		// BENCH_CPU_PROF=<dir>: n8n writes a V8 CPU profile there when it stops (where its time goes).
		const profileDir = process.env.BENCH_CPU_PROF;
		const env: Record<string, string> = profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {};
		results.cost = await inN8n('bench-cost', { credentials: [cred], workflows: [action, trigger], env }, async ({ n8n, activate, version }) => {
			const pid = n8n.pid!;
			const rows: CostRow[] = [];

			// The action node: one webhook execution reads every trailer's GPS in turn.
			await activate(action.id);
			// Warm-up (token, code paths), once n8n 2.x has finished publishing the workflow.
			for (let tries = 0; ; tries++) {
				const warm = await fetch(`${n8n.url}/webhook/bench-cost-action`, { method: 'POST' });
				if (warm.status === 200) break;
				if (tries > 120) throw new Error(`action workflow answered ${warm.status}: ${await warm.text()}`);
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
			await control.resetStats(sandbox.url);
			let cpu = cpuMs(pid);
			let t0 = performance.now();
			const answer = await fetch(`${n8n.url}/webhook/bench-cost-action`, { method: 'POST' });
			if (answer.status !== 200) throw new Error(`action workflow answered ${answer.status}: ${await answer.text()}`);
			rows.push(await costRow(sandbox.url, 'action (Get Many -> Get GPS Telemetry)', cpuMs(pid) - cpu, t0));
			log(`cost: action node ${JSON.stringify(rows[0])}`);

			// The trigger: activation (one request), then the first scheduled poll reads the fleet.
			await activate(triggerId);
			await control.resetStats(sandbox.url);
			log('cost: waiting for the trigger\'s first scheduled poll (up to a minute)');
			const began = Date.now();
			while ((await telemetryRequests(sandbox.url)) === 0) {
				if (Date.now() - began > 120_000) throw new Error('the trigger did not poll within 2 minutes');
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			cpu = cpuMs(pid);
			t0 = performance.now();
			await control.resetStats(sandbox.url);
			// Until every trailer was read (a few were read before the reset), or nothing for 10 s.
			let last = -1;
			let quietSince = Date.now();
			for (;;) {
				const count = await telemetryRequests(sandbox.url);
				if (count >= COST.trailers - 10 || Date.now() - quietSince > 10_000) break;
				if (count !== last) {
					last = count;
					quietSince = Date.now();
				}
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			rows.push(await costRow(sandbox.url, 'trigger (one scheduled poll over the fleet)', cpuMs(pid) - cpu, t0));
			log(`cost: trigger ${JSON.stringify(rows[1])}`);
			return { n8n: version, trailers: COST.trailers, rows };
		});
	} finally {
		await sandbox.close();
	}
}

export function costReport(cost: { n8n: string; trailers: number; rows: CostRow[] }): string[] {
	const lines = [
		`Own cost per request in a real n8n ${cost.n8n}: GPS of each of ${cost.trailers} trailers, one request at a time, against a sandbox that answers at once`,
		'| node | streams read | requests | own ms per request (median) | n8n CPU ms per 1,000 streams | wall s |',
		'|---|---|---|---|---|---|',
	];
	for (const row of cost.rows) {
		lines.push(
			`| ${row.node} | ${row.streams} | ${row.requests} | ${row.ownMsPerRequest.toFixed(1)} | ${Math.round(row.cpuMsPer1000Streams)} | ${row.wallSeconds.toFixed(1)} |`,
		);
	}
	return lines;
}
