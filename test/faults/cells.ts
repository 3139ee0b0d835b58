/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The fault matrix's machinery: one sandbox per cell, the three operation families run through
 * the real node code (the action node through n8n-core's WorkflowExecute, the trigger through a
 * poll context), each fault injected through the sandbox's control API, and the outcome compared
 * with the sandbox's own data.
 *
 * An outcome is acceptable when it is either complete and correct (every expected record exactly
 * once, nothing else) or a clear error with no items at all. Anything in between, items that
 * look like a finished result while records are missing or doubled, is the failure this matrix
 * exists to catch.
 */
import axios from 'axios';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { DEFAULT_TIMEOUT_MS } from '../../nodes/FourSee/transport';
import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import { CANARY_API_KEY } from '../helpers/canary';
import { gpsOfTrailers, type PollHarness } from '../helpers/pollContext';
import { compareRecords } from '../helpers/truth';
import { CredentialStore, itemsInto, runWorkflow } from '../helpers/workflow';

export type Json = Record<string, unknown>;

/**
 * The transport waits 60 s for an answer before it counts a request as timed out. The node does
 * not offer that as a setting, so to keep "a delay past the timeout" to seconds this suite
 * shortens exactly that timeout, and nothing else, on requests leaving through n8n's HTTP
 * client (axios). The retry that follows is the transport's own.
 */
export const FAULT_TIMEOUT_MS = 1_000;
export const PAST_TIMEOUT_DELAY_MS = 2_500;
axios.interceptors.request.use((config) => {
	if (config.timeout === DEFAULT_TIMEOUT_MS) config.timeout = FAULT_TIMEOUT_MS;
	return config;
});

/** Small waits keep the matrix fast; enough attempts to ride out the small fault counts. */
export const FAST_RETRY = { retryAttempts: 8, maxWaitSeconds: 10 };
/** Small pages: every collection spans several pages, so faults land between pages. */
export const PAGE_SIZE = 10;

export const FAULTS = [
	'429 storm (Retry-After)',
	'429 storm (no Retry-After)',
	'500s',
	'delay past the timeout',
	'dropped connection',
	'malformed JSON',
	'token expiry mid-run',
	'repeated next token',
	'empty page with next',
] as const;
export type FaultName = (typeof FAULTS)[number];

/**
 * Faults the operation must retry past: each costs at least one request more than the same
 * operation without faults. For "delay past the timeout" that extra request is the proof that
 * the timeout fired: a delay the client waited out would cost none.
 */
export const RETRIED_FAULTS: readonly FaultName[] = [
	'429 storm (Retry-After)',
	'429 storm (no Retry-After)',
	'500s',
	'delay past the timeout',
	'dropped connection',
	'malformed JSON',
	'token expiry mid-run',
];

/** The same operation with no fault at all: the request count the faulted cells are held to. */
export const NO_FAULT = 'no fault';

export const FAMILIES = ['Get Many (cursor paging)', 'Telemetry window (time paging)', 'Trigger poll'] as const;
export type Family = (typeof FAMILIES)[number];

export interface CellResult {
	family: Family;
	fault: FaultName | typeof NO_FAULT;
	outcome: 'complete' | 'clear error';
	expected: number;
	emitted: number;
	lost: number;
	duplicated: number;
	unexpected: number;
	/** The error a user saw (action node) or the poll errors and warnings (trigger). */
	message?: string;
	requests: number;
	/** Token requests: more than one means a token was refreshed during the run. */
	authCalls: number;
	faultsInjected: number;
	seconds: number;
}

/** Emitted against expected records: lost, duplicated, unexpected (all zero when right). */
export const compare = compareRecords;

/**
 * The trigger's family: a trigger on the GPS of every trailer of the sandbox (three), from 30
 * minutes ago, with the given retry settings; and the records it must emit, from the sandbox's truth.
 */
export async function gpsTriggerOnAllTrailers(
	sandbox: Sandbox,
	retry: IDataObject,
): Promise<{ harness: PollHarness; expected: Json[] }> {
	const { trailers } = await control.scope(sandbox.url);
	const now = (await control.clock(sandbox.url)).now;
	const start = new Date(Date.parse(now) - 30 * 60_000).toISOString();
	const expected: Json[] = [];
	for (const trailer of trailers) {
		expected.push(...(await control.truth(sandbox.url, { kind: 'gps', id: trailer, from: start })).records);
	}
	const harness = gpsOfTrailers(sandbox, trailers.join(','), start, {
		...retry,
		pageSize: PAGE_SIZE,
		requestBudget: 50,
		maxItems: 10_000,
	});
	return { harness, expected };
}

export const rl = (value: string) => ({ __rl: true, mode: 'id', value });

/**
 * The first trailer's GPS telemetry from 90 to 10 minutes before the sandbox's now: the window,
 * the telemetry path to put faults on, and the action node's parameters that read it all in pages
 * of PAGE_SIZE with these retry settings.
 */
export async function gpsWindowOfFirstTrailer(
	sandbox: Sandbox,
	retry: IDataObject,
): Promise<{ trailer: string; start: string; end: string; path: string; parameters: IDataObject }> {
	const { trailers } = await control.scope(sandbox.url);
	const now = Date.parse((await control.clock(sandbox.url)).now);
	const start = new Date(now - 90 * 60_000).toISOString();
	const end = new Date(now - 10 * 60_000).toISOString();
	const parameters: IDataObject = {
		resource: 'trailer',
		operation: 'getGpsTelemetry',
		trailer: rl(trailers[0]),
		timeRange: 'between',
		start,
		end,
		returnAll: true,
		options: { ...retry, pageSize: PAGE_SIZE },
	};
	return { trailer: trailers[0], start, end, path: `/api/v1/trailers/telemetry/gps/${trailers[0]}`, parameters };
}

/** Every page of a cursor collection, read directly (no faults pending): the expected data. */
export async function readAll(url: string, path: string, take: number): Promise<Json[]> {
	const login = await fetch(`${url}/api/v1/customers/authenticate`, { method: 'POST', headers: { 'X-API-KEY': CANARY_API_KEY } });
	const { token } = (await login.json()) as { token: string };
	const records: Json[] = [];
	let next: string | null = null;
	do {
		const qs = new URLSearchParams({ take: String(take) });
		if (next) qs.set('next', next);
		const response = await fetch(`${url}${path}?${qs}`, { headers: { Authorization: `Bearer ${token}` } });
		const page = (await response.json()) as { data: Json[]; next: string | null };
		records.push(...page.data);
		next = page.next;
	} while (next);
	return records;
}

/** Waits until the sandbox has applied `count` faults (a held request is then in flight). */
async function untilFaults(url: string, count: number): Promise<void> {
	for (let i = 0; i < 400; i++) {
		if ((await control.stats(url)).faultsInjected >= count) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	throw new Error(`the sandbox applied fewer than ${count} faults in time`);
}

/**
 * A page fault (repeat-next, empty-pages) would hit the first page if injected up front, and a
 * `next` "repeated" on the first page is just a new token to the client. So the second page is
 * held for a moment and the page fault is queued while it waits: it then answers with the very
 * token the client sent.
 */
async function onSecondPage(url: string, prefix: string, kind: control.FaultKind): Promise<() => Promise<void>> {
	await control.injectFault(url, { pathPrefix: prefix, kind: 'delay', count: 1, delayMs: 0 });
	await control.injectFault(url, { pathPrefix: prefix, kind: 'delay', count: 1, delayMs: 400 });
	return async () => {
		await untilFaults(url, 2);
		await control.injectFault(url, { pathPrefix: prefix, kind, count: 1 });
	};
}

/** Injects the fault on requests under `prefix`; returns what must run alongside the operation. */
async function inject(url: string, prefix: string, fault: FaultName | typeof NO_FAULT): Promise<() => Promise<void>> {
	const add = (kind: control.FaultKind, count: number, delayMs?: number) =>
		control.injectFault(url, { pathPrefix: prefix, kind, count, ...(delayMs === undefined ? {} : { delayMs }) });
	const nothing = async () => {};
	switch (fault) {
		case NO_FAULT:
			return nothing;
		case '429 storm (Retry-After)':
			await add('429', 3);
			return nothing;
		case '429 storm (no Retry-After)':
			await add('429-no-retry-after', 3);
			return nothing;
		case '500s':
			await add('500', 2);
			return nothing;
		case 'delay past the timeout':
			await add('delay', 1, PAST_TIMEOUT_DELAY_MS);
			return nothing;
		case 'dropped connection':
			await add('drop', 2);
			return nothing;
		case 'malformed JSON':
			await add('malformed', 1);
			return nothing;
		case 'repeated next token':
			return await onSecondPage(url, prefix, 'repeat-next');
		case 'empty page with next':
			return await onSecondPage(url, prefix, 'empty-pages');
		case 'token expiry mid-run': {
			// Two pages go through, the third is held briefly; while it is in flight every token
			// issued so far is revoked, so the next request meets a 401 halfway through the run.
			await add('delay', 2, 0);
			await add('delay', 1, 400);
			return async () => {
				await untilFaults(url, 3);
				await control.expireTokens(url);
			};
		}
	}
}

export async function withSandbox<T>(options: Parameters<typeof startSandbox>[0], run: (sandbox: Sandbox) => Promise<T>): Promise<T> {
	const sandbox = await startSandbox({ clock: 'manual', quiet: true, ...options });
	try {
		return await run(sandbox);
	} finally {
		await sandbox.close();
	}
}

function credentialStore(sandbox: Sandbox): CredentialStore {
	return new CredentialStore({
		fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' },
	});
}

/** Runs the 4SEE node once through the engine; items or the error the run ended with. */
export async function runNode(sandbox: Sandbox, parameters: IDataObject): Promise<{ items: Json[]; error?: Error }> {
	// The engine keeps only a plain copy of a node's error; the node's own error object is caught
	// here so that its class (NodeApiError / NodeOperationError) can be checked.
	const node = new FourSee();
	const execute = node.execute;
	let thrown: Error | undefined;
	node.execute = async function (this: IExecuteFunctions) {
		try {
			return await execute.call(this);
		} catch (error) {
			thrown = error as Error;
			throw error;
		}
	};
	const run = await runWorkflow(itemsInto({ type: 'fourSee', parameters }), {
		nodeTypes: { fourSee: node },
		credentialTypes: [new FourSeeApi()],
		credentials: credentialStore(sandbox),
	});
	const task = run.run.data.resultData.runData['4SEE']?.[0];
	const items = (task?.data?.main?.[0] ?? []).map((item) => item.json as Json);
	if (run.error !== undefined && thrown === undefined) throw new Error(`the run failed outside the node: ${run.error.message}`);
	return { items, error: thrown };
}

function clearError(error: Error): string {
	const name = error.constructor?.name ?? error.name;
	const description = (error as { description?: unknown }).description;
	if (!/^Node(Api|Operation)Error$/.test(name)) throw new Error(`not a node error a user can read: ${name}: ${error.message}`);
	if (error.message.trim().length < 10) throw new Error(`error message too short to act on: "${error.message}"`);
	return typeof description === 'string' && description !== '' ? `${error.message} (${description})` : error.message;
}

export async function runCell(family: Family, fault: FaultName | typeof NO_FAULT): Promise<CellResult> {
	const started = Date.now();
	const finish = async (
		sandbox: Sandbox,
		emitted: Json[],
		expected: Json[],
		error: string | undefined,
	): Promise<CellResult> => {
		const stats = await control.stats(sandbox.url);
		const diff = compare(emitted, expected);
		const failedLoudly = error !== undefined && emitted.length === 0;
		return {
			family,
			fault,
			outcome: failedLoudly ? 'clear error' : 'complete',
			expected: expected.length,
			emitted: emitted.length,
			// A loud failure lost nothing silently: the user was told and got no partial list.
			lost: failedLoudly ? 0 : diff.lost,
			duplicated: diff.duplicated,
			unexpected: diff.unexpected,
			message: error,
			requests: stats.requests.total,
			authCalls: stats.authCalls,
			faultsInjected: stats.faultsInjected,
			seconds: (Date.now() - started) / 1000,
		};
	};

	if (family === 'Get Many (cursor paging)') {
		return await withSandbox({ fleets: 1, trailersPerFleet: 45 }, async (sandbox) => {
			const { fleets } = await control.scope(sandbox.url);
			const path = `/api/v1/trailers/${fleets[0]}`;
			const expected = await readAll(sandbox.url, path, PAGE_SIZE);
			await control.resetStats(sandbox.url);
			const during = await inject(sandbox.url, path, fault);
			const [result] = await Promise.all([
				runNode(sandbox, {
					resource: 'trailer',
					operation: 'getMany',
					fleet: rl(fleets[0]),
					returnAll: true,
					options: { ...FAST_RETRY, pageSize: PAGE_SIZE },
				}),
				during(),
			]);
			return await finish(sandbox, result.items, expected, result.error && clearError(result.error));
		});
	}

	if (family === 'Telemetry window (time paging)') {
		return await withSandbox({ fleets: 1, trailersPerFleet: 2 }, async (sandbox) => {
			const window = await gpsWindowOfFirstTrailer(sandbox, FAST_RETRY);
			// The node's end is exclusive, the sandbox's truth inclusive.
			const truth = await control.truth(sandbox.url, {
				kind: 'gps',
				id: window.trailer,
				from: window.start,
				to: new Date(Date.parse(window.end) - 1).toISOString(),
			});
			await control.resetStats(sandbox.url);
			const during = await inject(sandbox.url, window.path, fault);
			const [result] = await Promise.all([runNode(sandbox, window.parameters), during()]);
			return await finish(sandbox, result.items, truth.records, result.error && clearError(result.error));
		});
	}

	return await withSandbox({ fleets: 1, trailersPerFleet: 3 }, async (sandbox) => {
		const { harness, expected } = await gpsTriggerOnAllTrailers(sandbox, FAST_RETRY);
		await control.resetStats(sandbox.url);
		const during = await inject(sandbox.url, '/api/v1/trailers/telemetry/gps/', fault);
		const emitted: Json[] = [];
		const problems: string[] = [];
		// Polls as n8n would make them, until two in a row bring nothing new and fail nothing.
		let quiet = 0;
		for (let poll = 0; poll < 15 && quiet < 2; poll++) {
			const logsBefore = harness.logs.length;
			const [result] = await Promise.all([harness.poll(), poll === 0 ? during() : Promise.resolve()]);
			const warnings = harness.logs.slice(logsBefore).filter((line) => line.startsWith('warn'));
			if (result.error) problems.push(`poll ${poll + 1} failed: ${clearError(result.error)}`);
			problems.push(...warnings.map((line) => `poll ${poll + 1}: ${line}`));
			emitted.push(...result.items.map(({ fourSee: _meta, ...record }) => record as Json));
			quiet = result.items.length === 0 && !result.error && warnings.length === 0 ? quiet + 1 : 0;
		}
		// The trigger never ends a run with an error for good: it tells, then catches up. Its
		// outcome is judged on everything it emitted over the polls.
		const cell = await finish(sandbox, emitted, expected, undefined);
		return { ...cell, message: problems.length > 0 ? problems.join(' | ') : undefined };
	});
}

/** The matrix as a table a person can read. */
export function table(results: CellResult[]): string {
	const header = ['family', 'fault', 'outcome', 'expected', 'emitted', 'lost', 'duplicated', 'requests', 'seconds'];
	const rows = results.map((r) => [
		r.family,
		r.fault,
		r.outcome + (r.family === 'Trigger poll' && r.message ? ' (told the user, caught up)' : ''),
		String(r.expected),
		String(r.emitted),
		String(r.lost),
		String(r.duplicated + r.unexpected),
		String(r.requests),
		r.seconds.toFixed(1),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
