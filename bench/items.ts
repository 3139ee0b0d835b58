/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Many input items at fleet scale (BENCH_ONLY=items), in a real n8n 2.x: 500 input items, one
 * per trailer, each asking for that trailer's GPS of a fixed three-minute window, against the
 * sandbox answering each request after 150 ms with its default plan (a bucket of 100 refilled at
 * 20 a second, 8 requests at once). Contestants: our Trailer > Get GPS Telemetry one item at a
 * time (the node as it was), with its default Concurrent Requests and at the plan's 8; and n8n's
 * HTTP Request node with our credential and its Batching option paced to the plan (8 items every
 * 400 ms: 20 a second, never more than 8 at once), what a user who knows the plan configures.
 * Each runs with the plan's 429s naming their wait as `Retry-After` seconds, as an HTTP date,
 * and without `Retry-After`.
 *
 * The floor is max(N / refill rate, N x latency / plan concurrency) = 25 s; counting the bucket's
 * first 100 requests as free, max((N - 100) / refill rate, ...) = 20 s. Every run has a
 * sandbox of its own (its own API URL), so no run inherits the pace the request scheduler of
 * the n8n process learned in another; the output is compared with the sandbox's ground truth.
 */
import { startSandbox, type Sandbox } from '../sandbox';
import * as control from '../sandbox/client';
import type { RetryAfterForm } from '../sandbox/options';
import type { CredentialJson, WorkflowJson } from '../scripts/lib/examples';
import { difference, tally } from '../test/helpers/truth';
import { credentialRef, CREDENTIAL_TYPE, fourSeeNode, webhookWorkflow, type NodeSpec } from '../test/e2e/workflows';
import { callWebhook, inN8n } from './inN8n';

type Json = Record<string, unknown>;

export const ITEMS = {
	items: 500,
	latencyMs: 150,
	burst: 100,
	refillPerSecond: 20,
	planConcurrency: 8,
	/** The window every item asks for: from 5 to 2 minutes before the run (3 GPS records a trailer). */
	windowMinutes: { from: 5, to: 2 },
	forms: ['seconds', 'date', 'none'] as RetryAfterForm[],
};
const KEY = '4see-bench-items-key-0000';

interface Contestant {
	name: string;
	settings: string;
	/** The Retry-After forms it runs under: a contestant that never meets a 429 needs only one. */
	forms: RetryAfterForm[];
	node(sandboxUrl: string, cred: CredentialJson, window: { start: string; end: string }): NodeSpec;
}

function ours(concurrency: number | undefined): Contestant['node'] {
	return (_url, cred, { start, end }) =>
		fourSeeNode(
			'GPS',
			{
				resource: 'trailer',
				operation: 'getGpsTelemetry',
				trailer: { __rl: true, mode: 'id', value: '={{ $json.trailerId }}' },
				timeRange: 'between',
				start,
				end,
				returnAll: true,
				options: concurrency === undefined ? {} : { concurrency },
			},
			cred,
		);
}

const CONTESTANTS: Contestant[] = [
	{
		name: 'before: 4SEE node, one item after another',
		settings: 'Concurrent Requests 1 (how the node ran before it had the option)',
		// One request at a time stays far below the plan's rate: it meets no 429 to read.
		forms: ['seconds'],
		node: ours(1),
	},
	{ name: 'now: 4SEE node, defaults', settings: 'Concurrent Requests 4 (the default)', forms: ITEMS.forms, node: ours(undefined) },
	{ name: 'now: 4SEE node, at the plan\'s concurrency', settings: 'Concurrent Requests 8', forms: ITEMS.forms, node: ours(8) },
	{
		name: 'HTTP Request, batched to the plan',
		settings: 'our credential; Batching: 8 items per batch, 400 ms between batches',
		// Paced below the plan, it never meets a 429 either; run under each form to show it.
		forms: ITEMS.forms,
		node: (url, cred, { start }) => ({
			name: 'GPS',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: {
				url: `=${url}/api/v1/trailers/telemetry/gps/{{ $json.trailerId }}`,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: CREDENTIAL_TYPE,
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'next', value: start }, { name: 'take', value: '50' }] },
				options: { batching: { batch: { batchSize: 8, batchInterval: 400 } } },
			},
			credentials: credentialRef(cred),
		}),
	},
];

export interface ItemsRow {
	retryAfter: RetryAfterForm;
	contestant: string;
	settings: string;
	completed: boolean;
	seconds: number;
	floorSeconds: number;
	requests: number;
	refused: number;
	expected: number;
	got: number;
	lost: number;
	duplicated: number;
	note?: string;
}

interface Run {
	form: RetryAfterForm;
	contestant: Contestant;
	sandbox: Sandbox;
	hook: string;
	window: { start: string; end: string };
	trailers: string[];
	expected: Map<string, number>;
}

/** The records a run's output holds: our node's items are records; HTTP Request's are pages. */
function recordsOf(body: unknown, window: { start: string; end: string }): Json[] {
	const items = Array.isArray(body) ? (body as Json[]) : [];
	const from = Date.parse(window.start);
	const to = Date.parse(window.end);
	return items
		.flatMap((item) => (Array.isArray(item.data) ? (item.data as Json[]) : [item]))
		.filter((record) => {
			const at = Date.parse(String(record.timestamp));
			return at >= from && at < to;
		});
}

export async function itemsSection(results: Json, log: (line: string) => void): Promise<void> {
	const runs: Run[] = [];
	const credentials: CredentialJson[] = [];
	const workflows: WorkflowJson[] = [];
	try {
		for (const form of ITEMS.forms) for (const contestant of CONTESTANTS) {
			if (!contestant.forms.includes(form)) continue;
			const n = runs.length + 1;
			const sandbox = await startSandbox({
				clock: 'real',
				quiet: true,
				apiKey: KEY,
				fleets: 1,
				trailersPerFleet: ITEMS.items,
				devicesPerTrailer: 0,
				deliverSafeUnits: 1,
				allActive: true,
				historySeconds: 3600,
				burst: 1_000_000,
				refillPerSecond: 1_000_000,
			});
			const now = Date.now();
			const window = {
				start: new Date(now - ITEMS.windowMinutes.from * 60_000).toISOString(),
				end: new Date(now - ITEMS.windowMinutes.to * 60_000).toISOString(),
			};
			const trailers = (await control.scope(sandbox.url)).trailers.slice(0, ITEMS.items);
			const expected = new Map<string, number>();
			for (const trailer of trailers) {
				const truth = await control.truth(sandbox.url, { kind: 'gps', id: trailer, from: window.start });
				tally(truth.records.filter((record) => Date.parse(String(record.timestamp)) < Date.parse(window.end)), expected);
			}
			const cred: CredentialJson = { id: `FourSeeBenchItem${String(n).padStart(2, '0')}`, name: `4SEE bench items ${n}`, type: CREDENTIAL_TYPE, data: { apiKey: KEY, authUrl: sandbox.url, baseUrl: sandbox.url } };
			const hook = `bench-items-${n}`;
			credentials.push(cred);
			workflows.push(
				webhookWorkflow(`bench items ${n}`, hook, [
					{ name: 'One Item per Trailer', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'body.trailers', options: {} } },
					contestant.node(sandbox.url, cred, window),
				]),
			);
			runs.push({ form, contestant, sandbox, hook, window, trailers, expected });
		}
		const floorSeconds = floorsOf(ITEMS).floorSeconds;
		const rows = await inN8n('bench-items', { credentials, workflows, activate: workflows.map((w) => w.id) }, async ({ n8n, version }) => {
			log(`items: n8n ${version}, ${runs.length} runs`);
			const done: ItemsRow[] = [];
			for (const run of runs) {
				// The plan's limits, and its Retry-After form, from here on.
				await control.configure(run.sandbox.url, {
					burst: ITEMS.burst,
					refillPerSecond: ITEMS.refillPerSecond,
					concurrency: ITEMS.planConcurrency,
					latencyMs: ITEMS.latencyMs,
					retryAfter: run.form,
				});
				await control.resetStats(run.sandbox.url);
				log(`items: Retry-After ${run.form}, ${run.contestant.name}`);
				const answer = await callWebhook(n8n, run.hook, { trailers: run.trailers.map((trailerId) => ({ trailerId })) });
				const stats = await control.stats(run.sandbox.url);
				const got = tally(answer.status === 200 ? recordsOf(answer.body, run.window) : []);
				const { lost, duplicated, unexpected } = difference(got, run.expected);
				const row: ItemsRow = {
					retryAfter: run.form,
					contestant: run.contestant.name,
					settings: run.contestant.settings,
					completed: answer.status === 200 && lost + duplicated + unexpected === 0,
					seconds: answer.ms / 1000,
					floorSeconds,
					requests: stats.requests.total - stats.authCalls,
					refused: stats.rateLimited,
					expected: [...run.expected.values()].reduce((a, b) => a + b, 0),
					got: [...got.values()].reduce((a, b) => a + b, 0),
					lost: lost + unexpected,
					duplicated,
					note: answer.status === 200 ? undefined : `webhook answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 160)}`,
				};
				log(`items: ${JSON.stringify(row)}`);
				done.push(row);
			}
			return done;
		});
		results.items = { ...ITEMS, floorSeconds, rows };
	} finally {
		for (const run of runs) await run.sandbox.close();
	}
}

/** The floor as the issue defines it, and the same counting the bucket's burst as free. */
function floorsOf(plan: { items: number; latencyMs: number; burst: number; refillPerSecond: number; planConcurrency: number }) {
	const concurrency = (plan.items * plan.latencyMs) / 1000 / plan.planConcurrency;
	return {
		floorSeconds: Math.max(plan.items / plan.refillPerSecond, concurrency),
		burstFloorSeconds: Math.max((plan.items - plan.burst) / plan.refillPerSecond, concurrency),
	};
}

export function itemsReport(
	items: { items: number; latencyMs: number; burst: number; refillPerSecond: number; planConcurrency: number; rows: ItemsRow[] },
	table: (header: string[], rows: string[][]) => string,
): string[] {
	const { floorSeconds, burstFloorSeconds } = floorsOf(items);
	return [
		`${items.items} input items of Trailer > Get GPS Telemetry in a real n8n: ${items.latencyMs} ms a request, plan ${items.burst} + ${items.refillPerSecond}/s and ${items.planConcurrency} at once; floor max(N / refill, N x latency / ${items.planConcurrency}) = ${floorSeconds.toFixed(1)} s, or ${burstFloorSeconds.toFixed(1)} s counting the bucket's first ${items.burst} as free`,
		table(
			['Retry-After', 'contestant', 'settings', 'completed', 'wall s', 'x floor', 'x floor with burst', 'requests', '429s', 'records / expected', 'lost', 'dups'],
			items.rows.map((r) => [
				r.retryAfter,
				r.contestant,
				r.settings,
				r.completed ? 'yes' : `no${r.note === undefined ? '' : ` (${r.note})`}`,
				r.seconds.toFixed(1),
				(r.seconds / floorSeconds).toFixed(2),
				(r.seconds / burstFloorSeconds).toFixed(2),
				String(r.requests),
				String(r.refused),
				`${r.got} / ${r.expected}`,
				String(r.lost),
				String(r.duplicated),
			]),
		),
	];
}
