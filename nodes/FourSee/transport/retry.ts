/**
 * Waiting rules shared by the login (credential) and every API request (transport). Pure: no
 * n8n imports, no clock other than the `nowMs` passed in, so they are unit-testable.
 */
import { parseTimestamp } from '../helpers/time';

export interface RetryPolicy {
	/** Attempts in total, the first one included. */
	maxAttempts: number;
	/** Upper bound of the time spent waiting between attempts, summed over one request. */
	maxWaitMs: number;
	/** First backoff step when the server names no wait; doubles per attempt. Default 1000. */
	baseDelayMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, maxWaitMs: 60_000, baseDelayMs: 1000 };

/** Longest single backoff step when the server names no wait. */
export const MAX_BACKOFF_STEP_MS = 30_000;

/**
 * Full-jitter exponential backoff: a uniform draw in 0..min(cap, base * 2^(attempt-1)).
 * Jitter spreads out the retries of concurrent executions that were refused together.
 */
export function backoffDelayMs(
	attempt: number,
	baseDelayMs: number = 1000,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(MAX_BACKOFF_STEP_MS, baseDelayMs * 2 ** Math.max(0, attempt - 1));
	return Math.floor(random() * ceiling);
}

/** Why a failed request is not tried again: attempts used up, the server's wait or the budget too long. */
export type NoRetry = 'attempts' | 'asked' | 'budget';

/**
 * The one retry policy of the login and every API request: after failed attempt `attempt`,
 * having waited `waitedMs` so far, how long to wait before the next one, or why not to try
 * again. The server's Retry-After (`askedMs`) is waited out in full, with its spread, or not at
 * all (retrying earlier only earns another 429); a backoff step or the spread is cut to what is
 * left of the budget.
 */
export function nextWait(
	policy: Required<RetryPolicy>,
	attempt: number,
	waitedMs: number,
	askedMs?: number,
	random: () => number = Math.random,
): { waitMs: number } | { stop: NoRetry } {
	if (attempt >= policy.maxAttempts) return { stop: 'attempts' };
	const delayMs =
		askedMs === undefined ? backoffDelayMs(attempt, policy.baseDelayMs, random) : retryAfterDelayMs(askedMs, random);
	if (waitedMs + delayMs <= policy.maxWaitMs) return { waitMs: delayMs };
	if (askedMs !== undefined && waitedMs + askedMs > policy.maxWaitMs) return { stop: 'asked' };
	const rest = policy.maxWaitMs - waitedMs;
	return rest > 0 ? { waitMs: rest } : { stop: 'budget' };
}

/**
 * The wait after a refusal that named one: the server's `Retry-After`, plus a uniform draw of up
 * to as long again (at most a second). Executions refused together (several at once, or several
 * n8n workers) would otherwise all come back at the same instant and be refused together again;
 * the draw spreads them over the moment the plan has room again. Never shorter than asked.
 */
export function retryAfterDelayMs(askedMs: number, random: () => number = Math.random): number {
	return askedMs + Math.floor(random() * Math.min(askedMs, MAX_RETRY_AFTER_SPREAD_MS));
}

/** The largest spread added to a server's `Retry-After`. */
export const MAX_RETRY_AFTER_SPREAD_MS = 1000;

/**
 * [assumed] `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 10.2.3).
 * Returns the wait in ms (0 for a date in the past), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
	const raw = Array.isArray(value) ? value[0] : value;
	if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
	const text = String(raw).trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const at = parseTimestamp(text);
	return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/** A header from axios' AxiosHeaders or a plain object, looked up case-insensitively. */
export function headerValue(headers: unknown, name: string): unknown {
	if (headers === null || typeof headers !== 'object') return undefined;
	const lower = name.toLowerCase();
	const getter = (headers as { get?: unknown }).get;
	if (typeof getter === 'function') {
		const found: unknown = (getter as (n: string) => unknown).call(headers, lower);
		if (found !== undefined && found !== null) return found;
	}
	for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
		if (key.toLowerCase() === lower) return value;
	}
	return undefined;
}
