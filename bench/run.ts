/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * `npm run bench`: the 4SEE nodes against what users would build instead, measured side by side
 * in one run against the sandbox, in a real n8n (2.x, installed on first use by scripts/n8n).
 * Prints a table and writes bench/results/results.json and bench/results/chart.svg.
 *
 * 1. Paging under a rate limit: every trailer of a 10,000-trailer fleet (200 pages of 50)
 *    through a token bucket that forces 429s. Ours (Get Many, Return All, the node's default
 *    retry settings: what a user gets) vs n8n's HTTP Request node with its own pagination
 *    following `next`, Bearer token from a preceding request (once as a capable user paces it to
 *    the refill rate, once left to n8n's Retry On Fail), vs the floor the bucket allows. Each
 *    contestant runs PAGING_RUNS times, in turns; reported: completed/runs, medians.
 * 2. Token cost: token requests for 100 executions, ours vs the hand-built workflow that logs in
 *    each execution, under the API's own login limit (10 per 5 minutes).
 * 3. Our overhead: CPU time and peak memory per 10,000 records through the node (n8n-core's
 *    engine, in process) vs a plain HTTP loop over the same pages, each in its own process.
 * 4. The trigger at fleet scale: 5,000 trailers, a request budget per poll, polls until every
 *    trailer was read, emitted records vs the sandbox's ground truth; once with a default fleet
 *    (about one trailer in five out of service, which the trigger skips) and once with all 5,000
 *    in service. The target is ceil(5000 / budget) polls; the budget bounds the telemetry pages of
 *    a poll, and the fleet's listing pages (500 trailers each, once per round) come on top, so
 *    both are reported: requests per poll in all, and telemetry requests per poll.
 *
 * 5. Own cost per request in a real n8n: the trigger reading a fleet in one scheduled poll beside
 *    the action node reading the same trailers' GPS one after another (bench/cost.ts).
 *
 * Every number is a ratio within this one run; nothing here is a pass/fail threshold.
 * 6. The trigger's sweep of a whole fleet at 150 ms a request, as it was and as it is (bench/sweep.ts).
 * 7. 500 input items of Get GPS Telemetry at 150 ms a request, as it was and as it is, beside the
 *    HTTP Request node's batching, with Retry-After in seconds, as a date and absent (bench/items.ts).
 *
 * BENCH_ONLY=paging,tokens,overhead,trigger,sweep,items,cost,state runs a subset.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import './resolve';

import { startSandbox, type Sandbox } from '../sandbox';
import * as control from '../sandbox/client';
import { N8n, REPO_ROOT } from '../scripts/lib/n8n';
import type { WorkflowJson } from '../scripts/lib/examples';
import type { CredentialJson } from '../scripts/lib/examples';
import { CREDENTIAL_TYPE, fourSeeNode, webhookWorkflow, type NodeJson } from '../test/e2e/workflows';
import { renderChart } from './chart';
import { costReport, costSection, type CostRow } from './cost';
import { callWebhook, inN8n } from './inN8n';
import { itemsReport, itemsSection } from './items';
import { sweepReport, sweepSection } from './sweep';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const ONLY = (process.env.BENCH_ONLY ?? 'paging,tokens,overhead,trigger,sweep,items,cost,state').split(',');
/** Not a real key: the sandbox's, for this run only. */
const BENCH_KEY = '4see-bench-key-0000';

const PAGING = { trailers: 10_000, take: 50, burst: 20, refillPerSecond: 10 };
/** Runs per paging contestant: "completes every time" needs more than one. */
const PAGING_RUNS = 3;
const TOKEN_EXECUTIONS = 100;
const OVERHEAD = { trailers: 50_000, rounds: 3 };
const FLEET_SCALE = {
	trailers: 5_000,
	budgets: [100, 500],
	windowMinutes: 5,
	/** A default fleet (some trailers out of service), then every trailer in service. */
	allActive: [false, true],
	/** Trailers per fleet-listing page the trigger asks for (the user's Page Size, default 50). */
	listingPageSize: 50,
};
/**
 * The trigger's whole stored state at its worst: 5,000 trailers, the largest late records window
 * the node allows (7 days), and hours of GPS a minute apart read in: without the bound every
 * trailer would remember a key per record of the window.
 */
const STATE_SCALE = { trailers: 5_000, latenessMinutes: 7 * 24 * 60, hours: 2, intervalSeconds: 60, pageSize: 50 };

type Json = Record<string, unknown>;

const BENCH_STARTED = performance.now();
/** Progress on stderr, with the seconds since the start, so a slow section shows where it is. */
const log = (line: string) =>
	process.stderr.write(`[bench ${((performance.now() - BENCH_STARTED) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

// ---- workflows -------------------------------------------------------------------------------

type Chain = Array<Omit<NodeJson, 'id' | 'position'>>;

function authNode(sandboxUrl: string): Chain[number] {
	return {
		name: 'Authenticate',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `${sandboxUrl}/api/v1/customers/authenticate`,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'X-API-KEY', value: BENCH_KEY }] },
			options: {},
		},
	};
}

/** What a capable user builds: Bearer from the login, n8n's pagination following `next`. */
function httpPagingNode(sandboxUrl: string, fleet: string, pace: boolean): Chain[number] {
	return {
		name: 'Get Trailers',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		// n8n's own answer to a failed request: run the node again (at most 5 tries, 5 s apart).
		...(pace ? {} : { retryOnFail: true, maxTries: 5, waitBetweenTries: 5000 }),
		parameters: {
			url: `${sandboxUrl}/api/v1/trailers/${fleet}`,
			sendQuery: true,
			queryParameters: { parameters: [{ name: 'take', value: String(PAGING.take) }] },
			sendHeaders: true,
			headerParameters: {
				parameters: [{ name: 'Authorization', value: "=Bearer {{ $('Authenticate').item.json.token }}" }],
			},
			options: {
				pagination: {
					pagination: {
						paginationMode: 'updateAParameterInEachRequest',
						parameters: { parameters: [{ type: 'qs', name: 'next', value: '={{ $response.body.next }}' }] },
						paginationCompleteWhen: 'other',
						completeExpression: '={{ !$response.body.next }}',
						limitPagesFetched: true,
						maxRequests: 1000,
						// Paced to the bucket's refill rate, so the bucket never runs dry.
						...(pace ? { requestInterval: Math.ceil(1000 / PAGING.refillPerSecond) } : {}),
					},
				},
			},
		},
	};
}

function workflows(sandboxUrl: string, fleet: string) {
	const cred: CredentialJson = {
		id: 'FourSeeBench0001',
		name: '4SEE bench',
		type: CREDENTIAL_TYPE,
		data: { apiKey: BENCH_KEY, authUrl: sandboxUrl, baseUrl: sandboxUrl },
	};
	const ours = (name: string, parameters: Json) => fourSeeNode(name, parameters, cred);
	const list: Record<string, WorkflowJson> = {
		oursPaging: webhookWorkflow('bench ours paging', 'bench-ours-paging', [
			ours('4SEE', {
				resource: 'trailer',
				operation: 'getMany',
				fleet: { __rl: true, mode: 'id', value: fleet },
				returnAll: true,
				// Only the page size (the same 50 the HTTP Request contestants ask for, so that the
				// collection spans 200 pages); the retry settings are the node's defaults.
				options: { pageSize: PAGING.take },
			}),
		]),
		httpPaced: webhookWorkflow('bench http paced', 'bench-http-paced', [authNode(sandboxUrl), httpPagingNode(sandboxUrl, fleet, true)]),
		httpRetry: webhookWorkflow('bench http retry', 'bench-http-retry', [authNode(sandboxUrl), httpPagingNode(sandboxUrl, fleet, false)]),
		oursToken: webhookWorkflow('bench ours token', 'bench-ours-token', [
			ours('4SEE', { resource: 'fleet', operation: 'get', fleet: { __rl: true, mode: 'id', value: fleet } }),
		]),
		httpToken: webhookWorkflow('bench http token', 'bench-http-token', [
			authNode(sandboxUrl),
			{
				name: 'Get Fleet',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: {
					url: `${sandboxUrl}/api/v1/fleets/${fleet}`,
					sendHeaders: true,
					headerParameters: {
						parameters: [{ name: 'Authorization', value: "=Bearer {{ $('Authenticate').item.json.token }}" }],
					},
					options: {},
				},
			},
		]),
	};
	return { cred, list };
}

function webhook(n8n: N8n, webhookPath: string): Promise<{ status: number; body: unknown; ms: number }> {
	return callWebhook(n8n, webhookPath);
}

/** A full bucket for the next contestant: changing the limits makes the sandbox start afresh. */
async function freshBucket(url: string): Promise<void> {
	await control.configure(url, { burst: PAGING.burst + 1 });
	await control.configure(url, { burst: PAGING.burst, refillPerSecond: PAGING.refillPerSecond });
}

/** Fresh login limit (10 per 5 minutes): recreating the window forgets earlier logins. */
async function freshLoginLimit(url: string): Promise<void> {
	await control.configure(url, { authLimit: { requests: 10, perSeconds: 301 } });
	await control.configure(url, { authLimit: { requests: 10, perSeconds: 300 } });
}

interface PagingRow {
	contestant: string;
	run: number;
	seconds: number;
	requests: number;
	rateLimited: number;
	records: number;
	uniqueRecords: number;
	completed: boolean;
	ratioToFloor: number;
	note?: string;
}

function recordsOf(body: unknown, fromPages: boolean): Json[] {
	const items = Array.isArray(body) ? (body as Json[]) : body && typeof body === 'object' ? [body as Json] : [];
	if (!fromPages) return items;
	return items.flatMap((page) => (Array.isArray(page.data) ? (page.data as Json[]) : []));
}

interface PagingSummary {
	contestant: string;
	/** What the contestant was configured with, in a user's words. */
	settings: string;
	runs: number;
	completed: number;
	/** Medians over the completed runs (null when none completed). */
	medianSeconds: number | null;
	medianRatioToFloor: number | null;
	/** Medians over all runs. */
	medianRequests: number;
	medianRateLimited: number;
}

const PAGING_CONTESTANTS: Array<{ contestant: string; hook: string; fromPages: boolean; settings: string }> = [
	{
		contestant: '4SEE node: Get Many, Return All',
		hook: 'bench-ours-paging',
		fromPages: false,
		settings: 'Page Size 50; Retry Attempts 5 and Max Wait 60 s (the defaults)',
	},
	{
		contestant: 'HTTP Request + pagination, paced to the refill rate',
		hook: 'bench-http-paced',
		fromPages: true,
		settings: `take=50; Interval Between Requests ${Math.ceil(1000 / PAGING.refillPerSecond)} ms`,
	},
	{
		contestant: 'HTTP Request + pagination, Retry On Fail',
		hook: 'bench-http-retry',
		fromPages: true,
		settings: 'take=50; Retry On Fail, 5 tries, 5 s apart',
	},
];

function summarise(rows: PagingRow[]): PagingSummary[] {
	return PAGING_CONTESTANTS.map(({ contestant, settings }) => {
		const runs = rows.filter((r) => r.contestant === contestant);
		const done = runs.filter((r) => r.completed);
		return {
			contestant,
			settings,
			runs: runs.length,
			completed: done.length,
			medianSeconds: done.length > 0 ? median(done.map((r) => r.seconds)) : null,
			medianRatioToFloor: done.length > 0 ? median(done.map((r) => r.ratioToFloor)) : null,
			medianRequests: median(runs.map((r) => r.requests)),
			medianRateLimited: median(runs.map((r) => r.rateLimited)),
		};
	});
}

async function pagingBench(
	n8n: N8n,
	sandbox: Sandbox,
	expectedIds: Set<string>,
): Promise<{ floorSeconds: number; runs: number; rows: PagingRow[]; summary: PagingSummary[] }> {
	const pages = Math.ceil(PAGING.trailers / PAGING.take);
	const floorSeconds = (pages - PAGING.burst) / PAGING.refillPerSecond;
	const rows: PagingRow[] = [];
	// In turns (ours, paced, retry, ours, ...), so that a slow spell of this shared machine does
	// not fall on one contestant's runs only.
	for (let run = 1; run <= PAGING_RUNS; run++) for (const { contestant, hook, fromPages } of PAGING_CONTESTANTS) {
		await freshBucket(sandbox.url);
		await freshLoginLimit(sandbox.url);
		await control.resetStats(sandbox.url);
		log(`paging: ${contestant}, run ${run}/${PAGING_RUNS}`);
		const result = await webhook(n8n, hook);
		const stats = await control.stats(sandbox.url);
		const records = result.status === 200 ? recordsOf(result.body, fromPages) : [];
		const ids = new Set(records.map((r) => String(r.id)));
		const completed = result.status === 200 && records.length === expectedIds.size && ids.size === expectedIds.size && [...expectedIds].every((id) => ids.has(id));
		rows.push({
			contestant,
			run,
			seconds: result.ms / 1000,
			requests: stats.requests.total - stats.authCalls,
			rateLimited: stats.rateLimited,
			records: records.length,
			uniqueRecords: ids.size,
			completed,
			ratioToFloor: result.ms / 1000 / floorSeconds,
			note: result.status === 200 ? undefined : `webhook answered ${result.status}${errorOf(result.body)}`,
		});
	}
	return { floorSeconds, runs: PAGING_RUNS, rows, summary: summarise(rows) };
}

/** The error n8n's webhook answered with, shortened, so a failed run says why. */
function errorOf(body: unknown): string {
	const message = body && typeof body === 'object' ? (body as Json).message : typeof body === 'string' ? body : undefined;
	return typeof message === 'string' && message !== '' ? `: ${message.slice(0, 120)}` : '';
}

interface TokenRow {
	contestant: string;
	executions: number;
	succeeded: number;
	tokenRequests: number;
	tokenRequestsRefused: number;
}

async function tokenBench(n8n: N8n, sandbox: Sandbox): Promise<TokenRow[]> {
	const rows: TokenRow[] = [];
	for (const [contestant, hook] of [
		['4SEE node (token kept in the credential)', 'bench-ours-token'],
		['HTTP Request, logging in each execution', 'bench-http-token'],
	] as const) {
		// Generous bucket: this measures logins, not the data rate limit.
		await control.configure(sandbox.url, { burst: 10_000, refillPerSecond: 10_000 });
		await freshLoginLimit(sandbox.url);
		// Earlier sections left a valid token in n8n's store; start this one without.
		await control.expireTokens(sandbox.url);
		await control.resetStats(sandbox.url);
		log(`tokens: ${contestant}`);
		let succeeded = 0;
		for (let i = 0; i < TOKEN_EXECUTIONS; i++) {
			const result = await webhook(n8n, hook);
			if (result.status === 200) succeeded++;
		}
		const stats = await control.stats(sandbox.url);
		rows.push({
			contestant,
			executions: TOKEN_EXECUTIONS,
			succeeded,
			tokenRequests: stats.authCalls,
			tokenRequestsRefused: stats.authCalls - stats.tokensIssued,
		});
	}
	return rows;
}

async function n8nSections(results: Json): Promise<void> {
	const sandbox = await startSandbox({
		clock: 'real',
		quiet: true,
		apiKey: BENCH_KEY,
		fleets: 1,
		trailersPerFleet: PAGING.trailers,
		deliverSafeUnits: 1,
		burst: PAGING.burst,
		refillPerSecond: PAGING.refillPerSecond,
	});
	try {
		const { fleets } = await control.scope(sandbox.url);
		const { cred, list } = workflows(sandbox.url, fleets[0]);
		const all = Object.values(list);
		await inN8n('bench', { credentials: [cred], workflows: all, activate: all.map((w) => w.id) }, async ({ n8n, version }) => {
			log(`n8n ${version}`);
			results.n8n = { version };
			if (ONLY.includes('paging')) {
				// The expected data, read once without limits.
				await control.configure(sandbox.url, { burst: 10_000, refillPerSecond: 10_000 });
				const scope = await control.scope(sandbox.url);
				const expectedIds = new Set(scope.trailers);
				results.paging = { ...PAGING, pages: Math.ceil(PAGING.trailers / PAGING.take), ...(await pagingBench(n8n, sandbox, expectedIds)) };
			}
			if (ONLY.includes('tokens')) results.tokens = { executions: TOKEN_EXECUTIONS, rows: await tokenBench(n8n, sandbox) };
		});
	} finally {
		await sandbox.close();
	}
}

// ---- overhead ---------------------------------------------------------------------------------

interface OverheadSample {
	mode: string;
	records: number;
	cpuMs: number;
	wallMs: number;
	peakBytes: number;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

async function overheadSection(results: Json): Promise<void> {
	const sandbox = await startSandbox({
		clock: 'manual',
		quiet: true,
		apiKey: BENCH_KEY,
		fleets: 1,
		trailersPerFleet: OVERHEAD.trailers,
		deliverSafeUnits: 1,
		burst: 1_000_000,
		refillPerSecond: 1_000_000,
	});
	try {
		const { fleets } = await control.scope(sandbox.url);
		const samples: OverheadSample[] = [];
		for (let round = 0; round < OVERHEAD.rounds; round++) {
			for (const mode of ['plain', 'node']) {
				log(`overhead: ${mode}, round ${round + 1}`);
				// Asynchronous, so this process keeps serving the pages.
				samples.push(await runChild(mode, sandbox.url, fleets[0]));
			}
		}
		const of = (mode: string) => {
			const list = samples.filter((s) => s.mode === mode);
			const records = list[0].records;
			return {
				records,
				cpuMsPer10k: median(list.map((s) => (s.cpuMs * 10_000) / s.records)),
				peakMBPer10k: median(list.map((s) => (s.peakBytes / 1048576) * (10_000 / s.records))),
				wallMs: median(list.map((s) => s.wallMs)),
			};
		};
		const node = of('node');
		const plain = of('plain');
		results.overhead = {
			records: OVERHEAD.trailers,
			rounds: OVERHEAD.rounds,
			node,
			plain,
			cpuRatio: node.cpuMsPer10k / plain.cpuMsPer10k,
			memoryRatio: node.peakMBPer10k / plain.peakMBPer10k,
		};
	} finally {
		await sandbox.close();
	}
}

function runChild(mode: string, url: string, fleet: string): Promise<OverheadSample> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'overhead-child.ts'), mode, url, BENCH_KEY, fleet], {
			cwd: REPO_ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		child.on('exit', (code) => {
			const line = out.trim().split('\n').pop() ?? '';
			if (code !== 0 || !line.startsWith('{')) reject(new Error(`overhead child ${mode} failed (${code}): ${err.slice(-2000)}`));
			else resolve(JSON.parse(line) as OverheadSample);
		});
	});
}

// ---- trigger at fleet scale -------------------------------------------------------------------

async function triggerSection(results: Json): Promise<void> {
	// The poll context drives the real trigger code with n8n-core's helpers; a real n8n polls at
	// most once a minute, so a hundred polls there would take over an hour and prove no more.
	/* eslint-disable @typescript-eslint/no-require-imports */
	const { PollHarness } = require('../test/helpers/pollContext') as typeof import('../test/helpers/pollContext');
	const { difference, tally, withoutMeta } = require('../test/helpers/truth') as typeof import('../test/helpers/truth');
	const { stopEngineTimers } = require('../test/helpers/workflow') as typeof import('../test/helpers/workflow');
	/* eslint-enable @typescript-eslint/no-require-imports */
	const rows: Json[] = [];
	for (const allActive of FLEET_SCALE.allActive) for (const budget of FLEET_SCALE.budgets) {
		const started = performance.now();
		const sandbox = await startSandbox({
			clock: 'manual',
			quiet: true,
			apiKey: BENCH_KEY,
			fleets: 1,
			trailersPerFleet: FLEET_SCALE.trailers,
			devicesPerTrailer: 0,
			deliverSafeUnits: 1,
			allActive,
			// The data rate limit is not what this measures.
			burst: 1_000_000,
			refillPerSecond: 1_000_000,
		});
		try {
			const scope = await control.scope(sandbox.url);
			const active = scope.trailers.filter((id) => !scope.inactiveTrailers.includes(id));
			const now = (await control.clock(sandbox.url)).now;
			const start = new Date(Date.parse(now) - FLEET_SCALE.windowMinutes * 60_000).toISOString();
			const expected = new Map<string, number>();
			for (const trailer of active) {
				tally((await control.truth(sandbox.url, { kind: 'gps', id: trailer, from: start })).records, expected);
			}
			const expectedCount = [...expected.values()].reduce((a, b) => a + b, 0);
			const harness = new PollHarness({
				url: sandbox.url,
				apiKey: BENCH_KEY,
				parameters: {
					event: 'gpsPosition',
					gpsScope: 'fleet',
					fleet: { __rl: true, mode: 'id', value: scope.fleets[0] },
					startFrom: 'date',
					startDate: start,
					options: { requestBudget: budget, maxItems: 1_000_000 },
				},
			});
			const seen = new Set<string>();
			const got = new Map<string, number>();
			const requestsPerPoll: number[] = [];
			const telemetryPerPoll: number[] = [];
			let polls = 0;
			let coveredAt: number | undefined;
			let listingRequests = 0;
			const target = Math.ceil(FLEET_SCALE.trailers / budget);
			log(`trigger: budget ${budget}, ${allActive ? 'every trailer in service' : 'a default fleet'}`);
			while (polls < target * 3 && coveredAt === undefined) {
				// Token requests are the credential's, not the poll's budget.
				const apiRequests = (s: control.Stats) => s.requests.total - s.authCalls;
				const listings = (s: control.Stats) => s.requests.byRoute['GET /api/v1/trailers/{fleet}'] ?? 0;
				const statsBefore = await control.stats(sandbox.url);
				const result = await harness.poll();
				polls++;
				if (result.error) throw new Error(`poll ${polls} failed: ${result.error.message}`);
				const statsAfter = await control.stats(sandbox.url);
				const listed = listings(statsAfter) - listings(statsBefore);
				requestsPerPoll.push(apiRequests(statsAfter) - apiRequests(statsBefore));
				telemetryPerPoll.push(requestsPerPoll[requestsPerPoll.length - 1] - listed);
				listingRequests += listed;
				const records = result.items.map(withoutMeta);
				for (const record of records) seen.add(String(record.trailerId));
				tally(records, got);
				if (active.every((id) => seen.has(id))) coveredAt = polls;
			}
			const { duplicated: duplicates, lost, unexpected } = difference(got, expected);
			rows.push({
				trailers: FLEET_SCALE.trailers,
				allActive,
				activeTrailers: active.length,
				budget,
				pollsToCover: coveredAt ?? null,
				/** The issue's target. */
				target,
				/** Fleet-listing requests until every trailer was read (on top of the budget). */
				listingPages: listingRequests,
				seconds: (performance.now() - started) / 1000,
				maxRequestsPerPoll: Math.max(...requestsPerPoll),
				/** What the budget bounds. */
				maxTelemetryRequestsPerPoll: Math.max(...telemetryPerPoll),
				meanRequestsPerPoll: requestsPerPoll.reduce((a, b) => a + b, 0) / requestsPerPoll.length,
				expected: expectedCount,
				emitted: [...got.values()].reduce((a, b) => a + b, 0),
				duplicates,
				lost,
				unexpected,
			});
		} finally {
			await sandbox.close();
		}
	}
	stopEngineTimers();
	results.trigger = { windowMinutes: FLEET_SCALE.windowMinutes, listingPageSize: FLEET_SCALE.listingPageSize, rows };
}

/**
 * Runs the trigger's engine (the pure poll, the same code the node runs) over an in-memory 4SEE
 * of STATE_SCALE, poll after poll until caught up, and measures the stored state as n8n would
 * save it: its JSON size after each poll, against the bound.
 */
async function stateSection(results: Json): Promise<void> {
	/* eslint-disable @typescript-eslint/no-require-imports */
	const { runPoll } = require('../nodes/FourSee/trigger/engine') as typeof import('../nodes/FourSee/trigger/engine');
	const { MAX_STATE_CHARS } = require('../nodes/FourSee/trigger/bound') as typeof import('../nodes/FourSee/trigger/bound');
	/* eslint-enable @typescript-eslint/no-require-imports */
	const { trailers, latenessMinutes, hours, intervalSeconds, pageSize } = STATE_SCALE;
	const nowMs = Date.UTC(2026, 0, 1, 12);
	const fromMs = nowMs - hours * 3_600_000;
	const step = intervalSeconds * 1000;
	const ids = Array.from({ length: trailers }, (_, i) => `trl-${String(i + 1).padStart(5, '0')}`);
	let requests = 0;
	const io = {
		async readPage(_event: string, id: string, token: string) {
			requests++;
			const first = Math.max(fromMs, Math.ceil(Date.parse(token) / step) * step);
			const records: Json[] = [];
			let t = first;
			for (; t <= nowMs && records.length < pageSize; t += step) {
				records.push({ trailerId: id, timestamp: new Date(t).toISOString(), latitude: 41 + (t % 997) / 1e4, longitude: -87, speedKph: t % 90 });
			}
			return { records, next: t <= nowMs ? new Date(t).toISOString() : undefined };
		},
		async listPage() {
			return { records: [] };
		},
		isFatal: () => true,
		describe: (error: unknown) => String(error),
	};
	const settings = {
		scope: { event: 'gpsPosition' as const, trailers: ids },
		start: { mode: 'date' as const, date: new Date(fromMs).toISOString() },
		filter: { type: 'none' as const },
		latenessMs: latenessMinutes * 60_000,
		requestBudget: 10_000,
		maxItems: 1_000_000,
	};
	log(`state: ${trailers} trailers, late window ${latenessMinutes} minutes, ${hours} h of GPS`);
	const started = performance.now();
	let stored: unknown;
	const sizes: number[] = [];
	const warnings: string[] = [];
	let emitted = 0;
	for (let poll = 0; poll < 20; poll++) {
		const outcome = await runPoll(stored, settings, io as never, nowMs);
		if (outcome.error !== undefined) throw new Error(`state: poll failed: ${String(outcome.error)}`);
		stored = JSON.parse(JSON.stringify(outcome.state));
		sizes.push(JSON.stringify(outcome.state).length);
		warnings.push(...outcome.warnings);
		emitted += outcome.items.length;
		if (outcome.items.length === 0 && outcome.cycleCompleted) break;
	}
	const state = stored as { streams: Record<string, { keys: Record<string, number>; floor: number; watermark?: number }> };
	const streams = Object.values(state.streams);
	const keys = streams.map((s) => Object.keys(s.keys).length);
	const covered = streams.map((s) => ((s.watermark ?? s.floor) - s.floor) / 60_000).sort((a, b) => a - b);
	const recordsPerTrailer = Math.floor((nowMs - fromMs) / step) + 1;
	// What the state takes besides the remembered keys (the streams' cursors, the scope), measured.
	const withoutKeys = JSON.stringify({ ...state, streams: Object.fromEntries(Object.entries(state.streams).map(([id, s]) => [id, { ...s, keys: {} }])) }).length;
	const bytesPerKey = (sizes[sizes.length - 1] - withoutKeys) / Math.max(1, keys.reduce((a, b) => a + b, 0));
	results.state = {
		...STATE_SCALE,
		boundChars: MAX_STATE_CHARS,
		polls: sizes.length,
		requests,
		emitted,
		expected: trailers * recordsPerTrailer,
		sizesChars: sizes,
		maxChars: Math.max(...sizes),
		keysPerTrailer: { min: Math.min(...keys), max: Math.max(...keys) },
		/** Minutes of the window still remembered, per trailer (median). */
		medianWindowKeptMinutes: covered[Math.floor(covered.length / 2)],
		/** What the same keys would take without the bound: every record of the window. */
		unboundedCharsEstimate: Math.round(trailers * recordsPerTrailer * bytesPerKey + withoutKeys),
		shrinkWarnings: warnings.filter((w) => /stored state reached its limit/.test(w)).length,
		seconds: (performance.now() - started) / 1000,
	};
}

// ---- report -------------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function report(results: Json): string {
	const out: string[] = [];
	const paging = results.paging as
		| { pages: number; burst: number; refillPerSecond: number; floorSeconds: number; runs: number; rows: PagingRow[]; summary: PagingSummary[] }
		| undefined;
	if (paging) {
		const fixed = (n: number | null, digits: number) => (n === null ? '-' : n.toFixed(digits));
		out.push(
			`Paging under a rate limit: ${paging.pages} pages of ${PAGING.take}, bucket ${paging.burst} + ${paging.refillPerSecond}/s; floor ${paging.floorSeconds.toFixed(1)} s; ${paging.runs} runs per contestant (medians: times over completed runs)`,
			table(
				['contestant', 'completed', 'median wall s', 'median requests', 'median 429s', 'median x floor', 'settings'],
				[
					['floor (pages beyond the burst at the refill rate)', '-', paging.floorSeconds.toFixed(1), String(paging.pages), '0', '1.00', `bucket ${paging.burst} + ${paging.refillPerSecond}/s`],
					...paging.summary.map((r) => [
						r.contestant,
						`${r.completed}/${r.runs}`,
						fixed(r.medianSeconds, 1),
						String(r.medianRequests),
						String(r.medianRateLimited),
						fixed(r.medianRatioToFloor, 2),
						r.settings,
					]),
				],
			),
			'',
			'Each run:',
			table(
				['contestant', 'run', 'wall s', 'requests', '429s', 'records', 'completed', 'x floor'],
				paging.rows.map((r) => [
					r.contestant,
					String(r.run),
					r.seconds.toFixed(1),
					String(r.requests),
					String(r.rateLimited),
					String(r.records),
					r.completed ? 'yes' : `no${r.note ? ` (${r.note})` : ''}`,
					r.completed ? r.ratioToFloor.toFixed(2) : '-',
				]),
			),
			'',
		);
	}
	const tokens = results.tokens as { rows: TokenRow[] } | undefined;
	if (tokens) {
		out.push(
			`Token cost: ${TOKEN_EXECUTIONS} executions, login limit 10 per 5 minutes`,
			table(
				['contestant', 'executions ok', 'token requests', 'refused (429)'],
				tokens.rows.map((r) => [r.contestant, `${r.succeeded}/${r.executions}`, String(r.tokenRequests), String(r.tokenRequestsRefused)]),
			),
			'',
		);
	}
	const overhead = results.overhead as
		| { node: { cpuMsPer10k: number; peakMBPer10k: number; wallMs: number }; plain: { cpuMsPer10k: number; peakMBPer10k: number; wallMs: number }; cpuRatio: number; memoryRatio: number; records: number }
		| undefined;
	if (overhead) {
		out.push(
			`Our overhead: ${overhead.records} records, per 10,000 records (median of ${OVERHEAD.rounds} runs each)`,
			table(
				['contestant', 'CPU ms / 10k', 'peak MB / 10k'],
				[
					['plain HTTP loop', overhead.plain.cpuMsPer10k.toFixed(0), overhead.plain.peakMBPer10k.toFixed(1)],
					['4SEE node in n8n-core', overhead.node.cpuMsPer10k.toFixed(0), overhead.node.peakMBPer10k.toFixed(1)],
					['ratio', overhead.cpuRatio.toFixed(2), overhead.memoryRatio.toFixed(2)],
				],
			),
			'',
		);
	}
	const trigger = results.trigger as { windowMinutes: number; listingPageSize?: number; rows: Json[] } | undefined;
	if (trigger) {
		out.push(
			`Trigger at fleet scale: GPS of every active trailer of a ${FLEET_SCALE.trailers}-trailer fleet, the last ${trigger.windowMinutes} minutes; the budget bounds telemetry pages, listing pages of ${trigger.listingPageSize ?? FLEET_SCALE.listingPageSize} trailers come on top`,
			table(
				['fleet', 'budget', 'trailers watched', 'polls to cover', 'target ceil(5000/budget)', 'max telemetry req/poll', 'listing pages', 'max req/poll', 'expected', 'emitted', 'dups', 'lost'],
				trigger.rows.map((r) => [
					r.allActive ? 'all in service' : 'default',
					String(r.budget),
					String(r.activeTrailers),
					String(r.pollsToCover ?? 'not covered'),
					String(r.target),
					String(r.maxTelemetryRequestsPerPoll),
					String(r.listingPages),
					String(r.maxRequestsPerPoll),
					String(r.expected),
					String(r.emitted),
					String(r.duplicates),
					String((r.lost as number) + (r.unexpected as number)),
				]),
			),
			'',
		);
	}
	const sweep = results.sweep as Parameters<typeof sweepReport>[0] | undefined;
	if (sweep) out.push(...sweepReport(sweep, table), '');
	const items = results.items as Parameters<typeof itemsReport>[0] | undefined;
	if (items) out.push(...itemsReport(items, table), '');
	const cost = results.cost as { n8n: string; trailers: number; rows: CostRow[] } | undefined;
	if (cost) out.push(...costReport(cost), '');
	const state = results.state as
		| { trailers: number; latenessMinutes: number; hours: number; boundChars: number; maxChars: number; sizesChars: number[]; keysPerTrailer: { min: number; max: number }; medianWindowKeptMinutes: number; unboundedCharsEstimate: number; emitted: number; expected: number; shrinkWarnings: number; requests: number; polls: number }
		| undefined;
	if (state) {
		const mb = (chars: number) => (chars / 1_000_000).toFixed(2);
		out.push(
			`Trigger state at its worst: ${state.trailers} trailers, late records window ${state.latenessMinutes} minutes (the largest allowed), ${state.hours} h of GPS a minute apart; bound ${mb(state.boundChars)} MB of JSON`,
			table(
				['polls', 'requests', 'emitted / expected', 'state after each poll (MB)', 'largest (MB)', 'without the bound (MB, est.)', 'keys kept per trailer', 'window kept (median min)', 'shrink warnings'],
				[[
					String(state.polls),
					String(state.requests),
					`${state.emitted} / ${state.expected}`,
					state.sizesChars.map(mb).join(', '),
					mb(state.maxChars),
					mb(state.unboundedCharsEstimate),
					`${state.keysPerTrailer.min}-${state.keysPerTrailer.max}`,
					state.medianWindowKeptMinutes.toFixed(0),
					String(state.shrinkWarnings),
				]],
			),
			'',
		);
	}
	return out.join('\n');
}

async function main(): Promise<void> {
	const started = performance.now();
	const results: Json = { startedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length };
	if (ONLY.includes('paging') || ONLY.includes('tokens')) await n8nSections(results);
	if (ONLY.includes('overhead')) await overheadSection(results);
	if (ONLY.includes('trigger')) await triggerSection(results);
	if (ONLY.includes('sweep')) await sweepSection(results, log);
	if (ONLY.includes('items')) await itemsSection(results, log);
	if (ONLY.includes('cost')) await costSection(results, log);
	if (ONLY.includes('state')) await stateSection(results);
	results.totalSeconds = (performance.now() - started) / 1000;
	// A run of some sections keeps the others' latest results (BENCH_ONLY=state, say).
	const previous = path.join(RESULTS_DIR, 'results.json');
	if (process.env.BENCH_ONLY !== undefined && fs.existsSync(previous)) {
		const kept = JSON.parse(fs.readFileSync(previous, 'utf8')) as Json;
		for (const section of ['paging', 'tokens', 'overhead', 'trigger', 'sweep', 'items', 'cost', 'state']) {
			if (results[section] === undefined && kept[section] !== undefined) results[section] = kept[section];
		}
	}
	fs.mkdirSync(RESULTS_DIR, { recursive: true });
	fs.writeFileSync(path.join(RESULTS_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
	fs.writeFileSync(path.join(RESULTS_DIR, 'chart.svg'), renderChart(results));
	const text = report(results);
	fs.writeFileSync(path.join(RESULTS_DIR, 'results.md'), `${text}\nWhole run: ${(results.totalSeconds as number).toFixed(0)} s\n`);
	process.stdout.write(`\n${text}\nWhole run: ${(results.totalSeconds as number).toFixed(0)} s; results in bench/results/\n`);
}

if (require.main === module) {
	main().then(
		() => process.exit(0),
		(error: unknown) => {
			process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
			process.exit(1);
		},
	);
}

