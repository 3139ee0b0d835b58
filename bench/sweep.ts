/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The trigger's full-fleet sweep at fleet scale (BENCH_ONLY=sweep): GPS of every trailer of a
 * fleet, against the sandbox answering each request after 150 ms with its default plan (a bucket
 * of 100 refilled at 20 a second, 8 requests at once). Every trailer has new records when the
 * sweep starts; the trigger polls until every one was emitted.
 *
 * Two contestants: the trigger as it was (node version 1: one request at a time, 50 requests a
 * poll) and as it is now with its defaults (version 1.1: Concurrent Requests 4, Requests per Poll
 * Auto). Both are polled on a one-minute schedule, so each poll's time limit is the automatic
 * one (half the interval, at most 30 s).
 *
 * Reported: the sweep time (from the first poll's start to the moment the sandbox answered the
 * last trailer for the first time, polls back to back) against the floor
 * max(N / refill rate, N x latency / plan concurrency); the polls' own time until every record was
 * emitted (a poll that finishes the sweep may go on into the next round before it emits); and the
 * alert latency of each record as a real n8n polling every minute would give it: (polls before
 * its own) x 60 s + the time into its own poll at which that poll ended.
 */
import { performance } from 'node:perf_hooks';

import { startSandbox } from '../sandbox';
import * as control from '../sandbox/client';

type Json = Record<string, unknown>;

export const SWEEP = {
	/** BENCH_SWEEP_TRAILERS=500 runs one size only. */
	trailers: (process.env.BENCH_SWEEP_TRAILERS ?? '500,5000').split(',').map(Number),
	latencyMs: 150,
	/** The sandbox's default plan. */
	burst: 100,
	refillPerSecond: 20,
	planConcurrency: 8,
	intervalSeconds: 60,
	/** New records per trailer: the last two minutes of GPS a minute apart. */
	windowMinutes: 2,
};

export interface SweepRow {
	trailers: number;
	contestant: string;
	polls: number;
	/** Until every trailer had been read once (the sandbox's clock). */
	sweepSeconds: number;
	/** The polls' own time, back to back, until every record was emitted. */
	pollsSeconds: number;
	trailersRead: number;
	floorSeconds: number;
	requests: number;
	refused: number;
	expected: number;
	emitted: number;
	lost: number;
	duplicated: number;
	latencyMedianSeconds: number;
	latencyWorstSeconds: number;
}

const CONTESTANTS: Array<{ name: string; typeVersion: number; options: Json }> = [
	{ name: 'before: one request at a time, 50 a poll (version 1)', typeVersion: 1, options: { concurrency: 1 } },
	{ name: 'now: defaults (version 1.1: 4 at once, Requests per Poll Auto)', typeVersion: 1.1, options: {} },
];

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

export async function sweepSection(results: Json, log: (line: string) => void): Promise<void> {
	/* eslint-disable @typescript-eslint/no-require-imports */
	const { PollHarness } = require('../test/helpers/pollContext') as typeof import('../test/helpers/pollContext');
	const { difference, tally, withoutMeta } = require('../test/helpers/truth') as typeof import('../test/helpers/truth');
	const { stopEngineTimers } = require('../test/helpers/workflow') as typeof import('../test/helpers/workflow');
	/* eslint-enable @typescript-eslint/no-require-imports */
	const rows: SweepRow[] = [];
	for (const trailers of SWEEP.trailers) for (const contestant of CONTESTANTS) {
		const sandbox = await startSandbox({
			clock: 'manual',
			quiet: true,
			fleets: 1,
			trailersPerFleet: trailers,
			devicesPerTrailer: 0,
			deliverSafeUnits: 1,
			allActive: true,
			burst: 1_000_000,
			refillPerSecond: 1_000_000,
		});
		try {
			const scope = await control.scope(sandbox.url);
			const now = (await control.clock(sandbox.url)).now;
			const start = new Date(Date.parse(now) - SWEEP.windowMinutes * 60_000).toISOString();
			// The truth is read before the plan's limits and latency apply.
			const expected = new Map<string, number>();
			for (const trailer of scope.trailers) {
				tally((await control.truth(sandbox.url, { kind: 'gps', id: trailer, from: start })).records, expected);
			}
			const expectedCount = [...expected.values()].reduce((a, b) => a + b, 0);
			await control.configure(sandbox.url, {
				burst: SWEEP.burst,
				refillPerSecond: SWEEP.refillPerSecond,
				concurrency: SWEEP.planConcurrency,
				latencyMs: SWEEP.latencyMs,
			});
			await control.resetStats(sandbox.url);
			const harness = new PollHarness({
				url: sandbox.url,
				apiKey: sandbox.apiKey,
				typeVersion: contestant.typeVersion,
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					event: 'gpsPosition',
					gpsScope: 'fleet',
					fleet: { __rl: true, mode: 'id', value: scope.fleets[0] },
					startFrom: 'date',
					startDate: start,
					// Time Limit per Poll 0 (automatic, as a user's trigger has it): the test harness
					// otherwise sets an hour, so that a loaded machine cannot change what a test sees.
					options: { ...contestant.options, maxItems: 1_000_000, timeLimitSeconds: 0 },
				},
			});
			log(`sweep: ${trailers} trailers, ${contestant.name}`);
			const got = new Map<string, number>();
			const latencies: number[] = [];
			let pollsMs = 0;
			let polls = 0;
			while (polls < 400) {
				const pollStarted = performance.now();
				const result = await harness.poll();
				const pollMs = performance.now() - pollStarted;
				if (result.error) throw new Error(`poll ${polls + 1} failed: ${result.error.message}`);
				const records = result.items.map(withoutMeta);
				for (let i = 0; i < records.length; i++) latencies.push(polls * SWEEP.intervalSeconds + pollMs / 1000);
				tally(records, got);
				polls++;
				pollsMs += pollMs;
				if ([...expected.keys()].every((key) => got.has(key))) break;
			}
			const stats = await control.stats(sandbox.url);
			const { duplicated, lost, unexpected } = difference(got, expected);
			const row: SweepRow = {
				trailers,
				contestant: contestant.name,
				polls,
				sweepSeconds: (stats.streamsRead.lastFirstReadMs ?? Number.NaN) / 1000,
				pollsSeconds: pollsMs / 1000,
				trailersRead: stats.streamsRead.streams,
				floorSeconds: Math.max(trailers / SWEEP.refillPerSecond, (trailers * SWEEP.latencyMs) / 1000 / SWEEP.planConcurrency),
				requests: stats.requests.total - stats.authCalls,
				refused: Number(stats.responses['429'] ?? 0),
				expected: expectedCount,
				emitted: [...got.values()].reduce((a, b) => a + b, 0),
				lost: lost + unexpected,
				duplicated,
				latencyMedianSeconds: median(latencies),
				latencyWorstSeconds: Math.max(0, ...latencies),
			};
			log(`sweep: ${JSON.stringify(row)}`);
			rows.push(row);
		} finally {
			await sandbox.close();
		}
	}
	stopEngineTimers();
	results.sweep = { ...SWEEP, rows };
}

export function sweepReport(sweep: { latencyMs: number; burst: number; refillPerSecond: number; planConcurrency: number; intervalSeconds: number; rows: SweepRow[] }, table: (header: string[], rows: string[][]) => string): string[] {
	return [
		`Trigger sweep of a whole fleet: ${sweep.latencyMs} ms a request, plan ${sweep.burst} + ${sweep.refillPerSecond}/s and ${sweep.planConcurrency} at once; polls every ${sweep.intervalSeconds} s; alert latency as n8n polling on that schedule would give it`,
		table(
			['trailers', 'trigger', 'polls', 'sweep s', 'floor s', 'x floor', "polls' time s", 'requests', '429s', 'alert latency median s', 'worst s', 'emitted / expected', 'lost', 'dups'],
			sweep.rows.map((r) => [
				String(r.trailers),
				r.contestant,
				String(r.polls),
				r.sweepSeconds.toFixed(1),
				r.floorSeconds.toFixed(1),
				(r.sweepSeconds / r.floorSeconds).toFixed(2),
				(r.pollsSeconds ?? r.sweepSeconds).toFixed(1),
				String(r.requests),
				String(r.refused),
				r.latencyMedianSeconds.toFixed(0),
				r.latencyWorstSeconds.toFixed(0),
				`${r.emitted} / ${r.expected}`,
				String(r.lost),
				String(r.duplicated),
			]),
		),
	];
}
