/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A small typed client for the sandbox's control API (/__sandbox/), for tests.
 * Every function takes the sandbox's base URL (Sandbox.url) first and throws on a non-2xx answer.
 */
import type { LiveConfig } from './options';
import type { Stats } from './server';
import type { FaultKind } from './faults';
import type { TelemetryKind } from './telemetry';

export type { Stats, FaultKind, TelemetryKind };

export interface ClockInfo {
	now: string;
	mode: 'manual' | 'real';
	historyStart: string;
}

export interface FaultSpec {
	/** Requests whose path starts with this fail, e.g. '/api/v1/fleets'. */
	pathPrefix: string;
	/** How many of the next matching requests (default 1). */
	count?: number;
	kind: FaultKind;
	/** For kind 'delay' (default 1000). */
	delayMs?: number;
}

export type ConfigChanges = Partial<LiveConfig>;

export interface TruthQuery {
	kind: TelemetryKind;
	id: string;
	/** ISO times, inclusive; default: the whole stream up to now. */
	from?: string;
	to?: string;
}

export interface Truth {
	kind: TelemetryKind;
	id: string;
	from: string | null;
	to: string;
	now: string;
	count: number;
	records: Record<string, unknown>[];
	/** Records planted into the stream by future-record and no-timestamp faults. */
	planted: Record<string, unknown>[];
}

export interface Scope {
	customerId: string;
	apiKey: string;
	counts: { fleets: number; trailers: number; devices: number; deliverSafeUnits: number };
	truncated: boolean;
	fleets: string[];
	trailers: string[];
	inactiveTrailers: string[];
	devices: string[];
	inactiveDevices: string[];
	deliverSafeUnits: string[];
}

async function call<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
	const send = () =>
		fetch(`${url.replace(/\/+$/, '')}/__sandbox${path}`, {
			method,
			headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	let response: Response;
	try {
		response = await send();
	} catch (error) {
		// fetch reuses an idle keep-alive connection; when the server closes it at the same moment
		// (its keep-alive timeout, late on a loaded machine) the request fails with ECONNRESET before
		// it was read. A read (GET) is asked once more; a change is not, since it may have been applied.
		if (method !== 'GET') throw error;
		response = await send();
	}
	const text = await response.text();
	if (!response.ok) throw new Error(`sandbox ${method} ${path} -> ${response.status}: ${text}`);
	return JSON.parse(text) as T;
}

/** Moves the simulated clock forward. */
export function advanceClock(url: string, seconds: number): Promise<ClockInfo> {
	return call(url, 'POST', '/clock', { advanceSeconds: seconds });
}

/** Sets the simulated clock to an ISO time (forwards or backwards). */
export function setClock(url: string, time: string): Promise<ClockInfo> {
	return call(url, 'POST', '/clock', { set: time });
}

export function clock(url: string): Promise<ClockInfo> {
	return call(url, 'GET', '/clock');
}

/** Appends records (each with a `timestamp`) to a stream; late and same-timestamp records are fine. */
export function appendTelemetry(
	url: string,
	input: { kind: TelemetryKind; id: string; records: Record<string, unknown>[] },
): Promise<{ appended: number }> {
	return call(url, 'POST', '/telemetry', input);
}

/** The next `count` requests whose path starts with `pathPrefix` fail as `kind` says. */
export function injectFault(url: string, fault: FaultSpec): Promise<{ pending: FaultSpec[] }> {
	return call(url, 'POST', '/faults', fault);
}

export function clearFaults(url: string): Promise<{ pending: FaultSpec[] }> {
	return call(url, 'DELETE', '/faults');
}

/** Changes settings live (limits, token lifetime, latency, data size). */
export function configure(url: string, changes: ConfigChanges): Promise<{ config: LiveConfig }> {
	return call(url, 'POST', '/config', changes);
}

/** Back to the start: clock, API keys, settings, appended telemetry, faults, limits and stats. */
export function reset(url: string): Promise<{ reset: true }> {
	return call(url, 'POST', '/reset', {});
}

export function stats(url: string): Promise<Stats> {
	return call(url, 'GET', '/stats');
}

export function resetStats(url: string): Promise<Stats> {
	return call(url, 'POST', '/stats/reset', {});
}

/** Every record of a stream in [from, to], in the order the API serves them. */
export function truth(url: string, query: TruthQuery): Promise<Truth> {
	const params = new URLSearchParams({ kind: query.kind, id: query.id });
	if (query.from !== undefined) params.set('from', query.from);
	if (query.to !== undefined) params.set('to', query.to);
	return call(url, 'GET', `/truth?${params.toString()}`);
}

/** Number of records of a stream in [from, to], without the records (any size). */
export async function truthCount(url: string, query: TruthQuery): Promise<number> {
	const params = new URLSearchParams({ kind: query.kind, id: query.id, countOnly: 'true' });
	if (query.from !== undefined) params.set('from', query.from);
	if (query.to !== undefined) params.set('to', query.to);
	return (await call<{ count: number }>(url, 'GET', `/truth?${params.toString()}`)).count;
}

/** Makes every token issued so far invalid (401) at once. */
export function expireTokens(url: string): Promise<{ revoked: true }> {
	return call(url, 'POST', '/tokens/expire', {});
}

/** Ids of the primary (default) or the other customer's fleets, trailers, devices and units. */
export function scope(url: string, customer: 'primary' | 'other' = 'primary'): Promise<Scope> {
	return call(url, 'GET', `/scope?customer=${customer}`);
}
