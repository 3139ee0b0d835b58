/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Long polls in a real n8n (issue 18), part of the e2e suite: a sweep that outlasts the trigger's
 * interval while records arrive, n8n stopped with SIGTERM in the middle of a poll and started
 * again, and the activation of a trigger on a fleet of 2,000 trailers. The sandbox answers slowly
 * (its latency setting) so that a poll is long; everything is compared with the sandbox's truth.
 */
import { canonicalJson } from '../../nodes/FourSee/helpers/canonicalJson';
import { DEFAULT_CONCURRENCY } from '../../nodes/FourSee/transport/scheduler';
import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';
import { control, type E2eEnv, waitFor } from './harness';
import { compareRecords } from '../helpers/truth';
import { chainConnections, credentialRef, forwardNode, type NodeJson, TRIGGER_NODE, workflowId } from './workflows';

type Item = Record<string, unknown>;

/** The trigger's schedule and how slow the sandbox is made, per n8n major version. */
export interface LongPollPlan {
	major: 1 | 2;
	/** Seconds between polls: 2.x allows nothing under a minute, 1.x a list of seconds. */
	intervalSeconds: number;
	/** How long the first sweep of the fleet should take (latency x active trailers). */
	sweepSeconds: number;
	/** Time Limit per Poll: above the interval, so the sweep outlasts one tick. */
	timeLimitSeconds: number;
}

export function longPollPlan(major: 1 | 2): LongPollPlan {
	return major === 2
		? { major, intervalSeconds: 60, sweepSeconds: 75, timeLimitSeconds: 100 }
		: { major, intervalSeconds: 10, sweepSeconds: 16, timeLimitSeconds: 25 };
}

const LONG_PATH = '/long-sweep';
const BIG_PATH = '/big-fleet';
export const LONG_SWEEP_ID = workflowId('e2e trigger long sweep');
export const BIG_FLEET_NOW_ID = workflowId('e2e trigger 2000 trailers from now');
export const BIG_FLEET_HOURS_ID = workflowId('e2e trigger 2000 trailers last hours');
/** The fleet of 2,000 trailers, made by enlarging the sandbox's fleets for that test only. */
const BIG_FLEET_SIZE = 2000;

function pollTimes(plan: LongPollPlan): Record<string, unknown> {
	return plan.major === 1
		? { item: [{ mode: 'custom', cronExpression: '0,10,20,30,40,50 * * * * *' }] }
		: { item: [{ mode: 'everyMinute' }] };
}

function triggerWorkflow(name: string, id: string, trigger: Item, collectUrl: string, credential: CredentialJson): WorkflowJson {
	const nodes: NodeJson[] = [
		{
			id: `${id.slice(0, 8)}-0000-4000-8000-000000000001`,
			name: '4SEE Trigger',
			type: TRIGGER_NODE,
			typeVersion: 1,
			position: [0, 0],
			parameters: trigger,
			credentials: credentialRef(credential),
		},
		{ ...forwardNode('Collect', collectUrl), id: `${id.slice(0, 8)}-0000-4000-8000-000000000002`, position: [240, 0] },
	];
	return { id, name, nodes, connections: chainConnections(nodes), settings: {}, active: false };
}

/** What the big-fleet activation needs of an n8n set-up: one n8n (E2eEnv) or queue mode (QueueEnv). */
export interface ActivatingEnv {
	sandbox: { url: string };
	collector: { url: string };
	stats(): Promise<control.Stats>;
	activate(workflowId: string): Promise<void>;
	deactivate(workflowId: string): Promise<void>;
}

/** The workflows these tests activate; imported with the suite's others before n8n starts. */
export function longPollWorkflows(plan: LongPollPlan, env: Pick<ActivatingEnv, 'collector'>, credential: CredentialJson, fleets: string[]): WorkflowJson[] {
	const fleet = (id: string) => ({ __rl: true, mode: 'id', value: id });
	return [
		triggerWorkflow(
			'e2e trigger long sweep',
			LONG_SWEEP_ID,
			{
				pollTimes: pollTimes(plan),
				event: 'gpsPosition',
				gpsScope: 'fleet',
				fleet: fleet(fleets[1]),
				startFrom: 'now',
				// The whole fleet within one poll's budget, one request at a time, so the sweep's length is
				// set by the latency and outlasts the interval (4 at once, the default, would end it sooner).
				options: { requestBudget: 500, timeLimitSeconds: plan.timeLimitSeconds, concurrency: 1 },
			},
			`${env.collector.url}${LONG_PATH}`,
			credential,
		),
		triggerWorkflow(
			'e2e trigger 2000 trailers from now',
			BIG_FLEET_NOW_ID,
			{ pollTimes: pollTimes(plan), event: 'gpsPosition', gpsScope: 'fleet', fleet: fleet(fleets[0]), startFrom: 'now', options: { requestBudget: 5000 } },
			`${env.collector.url}${BIG_PATH}`,
			credential,
		),
		triggerWorkflow(
			'e2e trigger 2000 trailers last hours',
			BIG_FLEET_HOURS_ID,
			{
				pollTimes: pollTimes(plan),
				event: 'gpsPosition',
				gpsScope: 'fleet',
				fleet: fleet(fleets[0]),
				// Three minutes back: a few records per trailer, so that the activation poll's time
				// limit, not Max Items, is what ends it.
				startFrom: 'lastHours',
				startHours: 0.05,
				options: { requestBudget: 5000, maxItems: 100_000 },
			},
			`${env.collector.url}${BIG_PATH}`,
			credential,
		),
	];
}

function gpsFix(at: Date, n: number): Item {
	return { timestamp: at.toISOString(), latitude: 40.5 + n / 1000, longitude: -86.6 - n / 1000, speedKph: 40 + n, heading: 180 };
}

/** Lines of n8n's output after `from` (an index into it) that match. */
function linesAfter(env: E2eEnv, from: number, pattern: RegExp): string[] {
	return env.n8n.serverOutput
		.slice(from)
		.split('\n')
		.filter((line) => pattern.test(line));
}

async function telemetryRequests(env: Pick<ActivatingEnv, 'stats'>): Promise<number> {
	const stats = await env.stats();
	return Object.entries(stats.requests.byRoute)
		.filter(([route]) => route.includes('telemetry'))
		.reduce((sum, [, count]) => sum + count, 0);
}

export interface LongSweepReport {
	activeTrailers: number;
	latencyMs: number;
	activationMs: number;
	skippedTicks: number;
	firstPollSeconds: number;
	expected: number;
	lost: number;
	duplicated: number;
	unexpected: number;
}

/**
 * (a) A sweep that outlasts the interval, with records added before and while it runs, over
 * several ticks; (c) then n8n stopped with SIGTERM while the next poll is in flight, and started
 * again. Every record from activation to the stop arrives once; no stream is reported failing,
 * no expression-engine error appears, n8n exits cleanly.
 */
export async function longSweepAcrossSigterm(env: E2eEnv, plan: LongPollPlan, trailers: Item[]): Promise<LongSweepReport> {
	const url = env.sandbox.url;
	const active = trailers.filter((trailer) => trailer.active === true).map((trailer) => String(trailer.id));
	const latencyMs = Math.ceil((plan.sweepSeconds * 1000) / Math.max(1, active.length));
	const logStart = env.n8n.serverOutput.length;
	await control.configure(url, { latencyMs });
	try {
		const listingsBefore = (await env.stats()).requests.byRoute['GET /api/v1/trailers/{fleet}'] ?? 0;
		const activationStarted = Date.now();
		await env.activate(LONG_SWEEP_ID);
		const activationMs = Date.now() - activationStarted;
		// The activation poll's one request (it reads no telemetry when starting from now).
		await waitFor('the activation poll', async () => (((await env.stats()).requests.byRoute['GET /api/v1/trailers/{fleet}'] ?? 0) > listingsBefore ? true : undefined), {
			timeoutMs: 60_000,
		});
		// Records count from here: the trigger's start point is no later.
		const from = new Date(Date.now() + 1000).toISOString();
		await new Promise((resolve) => setTimeout(resolve, 1500));

		let n = 0;
		const appendEach = async () => {
			for (const id of active) await control.appendTelemetry(url, { kind: 'gps', id, records: [gpsFix(new Date(), ++n)] });
		};
		await appendEach();
		const firstPollStarted = await waitFor('the first scheduled poll', async () => ((await telemetryRequests(env)) > 0 ? Date.now() : undefined), {
			timeoutMs: (plan.intervalSeconds + 30) * 1000,
			intervalMs: 200,
		}).catch(async (error: Error) => {
			throw new Error(`${error.message}\n${env.logTail(20)}`);
		});
		const readsBefore = await telemetryRequests(env);
		const skipLine = await waitFor('a tick skipped while the sweep runs', () => linesAfter(env, logStart, /still running/)[0], {
			timeoutMs: (plan.intervalSeconds + plan.sweepSeconds + 30) * 1000,
		});
		// Records added while the long poll runs.
		await appendEach();
		const endLine = await waitFor('the long poll to end', () => linesAfter(env, logStart, /scheduled poll\(s\) were skipped meanwhile/)[0], {
			timeoutMs: (plan.timeLimitSeconds + 30) * 1000,
		});
		const firstPollSeconds = (Date.now() - firstPollStarted) / 1000;
		const skippedTicks = Number(/; (\d+) scheduled poll/.exec(endLine)?.[1] ?? 0);
		expect(skipLine).toMatch(/still running \(for \d+ s\)/);

		// (c) The next poll reads the fleet again (new records since): stop n8n while it is in flight.
		const readsAfterFirst = await telemetryRequests(env);
		expect(readsAfterFirst).toBeGreaterThan(readsBefore);
		await waitFor('the next poll to be reading', async () => ((await telemetryRequests(env)) >= readsAfterFirst + 2 ? true : undefined), {
			timeoutMs: (plan.intervalSeconds + 30) * 1000,
			intervalMs: 100,
		});
		await appendEach();
		const stopAt = env.n8n.serverOutput.length;
		await env.stop();
		const cut = new Date().toISOString();
		const afterStop = env.n8n.serverOutput.slice(stopAt);
		// No stream blamed for n8n going away, and no crash.
		expect(afterStop).not.toMatch(/4SEE Trigger: could not read|No bridge acquired|Evaluator disposed|Segmentation fault/i);
		expect(env.n8n.lastExit).not.toMatch(/SIGSEGV|SIGABRT/);

		await control.configure(url, { latencyMs: 0 });
		await env.start();
		const expected: string[] = [];
		for (const id of active) expected.push(...(await control.truth(url, { kind: 'gps', id, from, to: cut })).records.map(canonicalJson));
		const inWindow = () =>
			env.collector
				.bodies(LONG_PATH)
				.filter((item) => String(item.timestamp) >= from && String(item.timestamp) <= cut)
				.map(({ fourSee: _meta, ...record }) => canonicalJson(record));
		await waitFor(
			'every record from activation to the stop, after the restart',
			() => {
				const seen = new Set(inWindow());
				return expected.every((record) => seen.has(record)) ? true : undefined;
			},
			{ timeoutMs: (plan.intervalSeconds * 2 + 60) * 1000 },
		).catch((error: Error) => {
			const seen = new Set(inWindow());
			throw new Error(`${error.message}: ${expected.filter((record) => !seen.has(record)).length} of ${expected.length} missing\n${env.logTail(30)}`);
		});
		const parse = (records: string[]) => records.map((text) => JSON.parse(text) as Item);
		const verdict = compareRecords(parse(inWindow()), parse(expected));
		const whole = env.n8n.serverOutput.slice(logStart);
		expect(whole).not.toMatch(/4SEE Trigger: could not read|4SEE Trigger: poll stopped early|No bridge acquired|Evaluator disposed/i);
		return {
			activeTrailers: active.length,
			latencyMs,
			activationMs,
			skippedTicks,
			firstPollSeconds,
			expected: expected.length,
			lost: verdict.lost,
			duplicated: verdict.duplicated,
			unexpected: verdict.unexpected,
		};
	} finally {
		await control.configure(url, { latencyMs: 0 });
		if (!env.n8n.running) await env.start();
		await env.deactivate(LONG_SWEEP_ID).catch(() => undefined);
	}
}

export interface BigFleetReport {
	trailers: number;
	latencyMs: number;
	/** Activation of the trigger starting from now: its REST call, and its requests. */
	nowMs: number;
	nowTelemetryRequests: number;
	nowRequests: number;
	/** Activation of a trigger reading the last hour: bounded by the activation poll's time limit. */
	hoursMs: number;
	hoursTelemetryRequests: number;
}

/**
 * What (b) must show, in either set-up: from now no telemetry and a request or so; from three
 * minutes back it read for a while and stopped at 15 s of reading at 150 ms a request (4 at a
 * time), far from the 2,000 a full sweep would take; both well inside n8n's publication deadline.
 */
export function expectQuickActivation(report: BigFleetReport): void {
	expect(report.nowTelemetryRequests).toBe(0);
	expect(report.nowRequests).toBeLessThanOrEqual(3);
	expect(report.nowMs).toBeLessThan(20_000);
	expect(report.hoursTelemetryRequests).toBeGreaterThan(10);
	// At most what 15 s of reading allows, Concurrent Requests at a time, far from 2,000.
	expect(report.hoursTelemetryRequests).toBeLessThan((15_000 / report.latencyMs) * DEFAULT_CONCURRENCY);
	expect(report.hoursMs).toBeLessThan(20_000);
}

/**
 * (b) Activating a trigger on a fleet of 2,000 trailers, on an API answering each request after
 * 150 ms: starting from now it reads no telemetry and ends in seconds; starting three minutes
 * back it reads what its activation time limit allows (15 s) of the 2,000 trailers' telemetry,
 * and the scheduled polls would read on.
 */
export async function activationOnBigFleet(env: ActivatingEnv): Promise<BigFleetReport> {
	const url = env.sandbox.url;
	const before = (await control.configure(url, {})).config;
	const latencyMs = 150;
	await control.configure(url, { trailersPerFleet: BIG_FLEET_SIZE, latencyMs });
	try {
		// n8n 2.x may finish a publication after answering the REST call: the activation is timed
		// by the sandbox, from the call to the last request of the activation poll (no request
		// for 2 s after it), then the workflow is deactivated before a scheduled poll reads on.
		const activate = async (id: string) => {
			// Starts from a quiet API: a poll of an earlier test that n8n let run on after its
			// workflow was deactivated would otherwise be counted here.
			let last = -1;
			let stillFor = 0;
			await waitFor(
				'the API to be quiet',
				async () => {
					const total = (await env.stats()).requests.total;
					stillFor = total === last ? stillFor + 500 : 0;
					last = total;
					return stillFor >= 3000 ? true : undefined;
				},
				{ timeoutMs: 120_000, intervalMs: 500 },
			);
			const requests = (await env.stats()).requests.total;
			const telemetry = await telemetryRequests(env);
			const started = Date.now();
			await env.activate(id);
			let seen = requests;
			let lastChange = started;
			await waitFor(
				'the activation poll to end',
				async () => {
					const total = (await env.stats()).requests.total;
					if (total !== seen) {
						seen = total;
						lastChange = Date.now();
					}
					return seen > requests && Date.now() - lastChange > 2000 ? true : undefined;
				},
				{ timeoutMs: 90_000, intervalMs: 100 },
			);
			await env.deactivate(id);
			return { ms: lastChange - started, requests: seen - requests, telemetry: (await telemetryRequests(env)) - telemetry };
		};
		const now = await activate(BIG_FLEET_NOW_ID);
		const hours = await activate(BIG_FLEET_HOURS_ID);
		return {
			trailers: BIG_FLEET_SIZE,
			latencyMs,
			nowMs: now.ms,
			nowTelemetryRequests: now.telemetry,
			nowRequests: now.requests,
			hoursMs: hours.ms,
			hoursTelemetryRequests: hours.telemetry,
		};
	} finally {
		await control.configure(url, { trailersPerFleet: before.trailersPerFleet, latencyMs: before.latencyMs });
	}
}
