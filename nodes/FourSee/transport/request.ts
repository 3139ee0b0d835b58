import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeOperationError, sleep, sleepWithAbort } from 'n8n-workflow';

import { checkServiceUrl, DEFAULT_AUTH_URL } from '../api';
import { apiError, type Failure, type Subject } from './errors';
import {
	backoffDelayMs,
	DEFAULT_RETRY,
	headerValue,
	parseRetryAfter,
	type RetryPolicy,
} from './retry';

/** Anything with `helpers.httpRequestWithAuthentication` and `getNode`. */
export type FourSeeContext =
	| IExecuteFunctions
	| IPollFunctions
	| ILoadOptionsFunctions
	| IHookFunctions;

export const CREDENTIAL_TYPE = 'fourSeeApi';

/** How long one HTTP request may take before it counts as failed (and, for GET, is retried). */
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface ApiRequestOptions {
	method: 'GET' | 'POST' | 'PUT';
	/** Built from api.ts `paths` with ids from `pathSegment()`. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	retry?: RetryPolicy;
	itemIndex?: number;
	/** Names what the path points at, so a 403/404 can say which fleet or trailer. */
	subject?: Subject;
	timeoutMs?: number;
	/**
	 * Which of the credential's hosts to call: the Integration API (default) or the Auth API,
	 * which serves key rotation.
	 */
	service?: 'integration' | 'auth';
}

interface FullResponse {
	body: unknown;
	headers: unknown;
	statusCode: number;
}

type Outcome = { kind: 'ok'; body: unknown } | Failure;

/** Network failures worth another try: the request may not have reached the server. */
const TRANSIENT_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * The one place that talks HTTP to the 4SEE Integration API. Authentication is n8n's: the
 * credential's preAuthentication/authenticate run inside `httpRequestWithAuthentication`.
 * 429 is waited out for every method (the server did not process the request); 5xx, timeouts
 * and dropped connections are retried for GET only, since a POST/PUT may have taken effect.
 */
export async function apiRequest(
	this: FourSeeContext,
	options: ApiRequestOptions,
): Promise<unknown> {
	const baseUrl = await serviceUrl(this, options.service ?? 'integration', options.itemIndex);
	const policy = normalisePolicy(options.retry ?? DEFAULT_RETRY);
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		const outcome = await send(this, baseUrl, options, timeoutMs);
		if (outcome.kind === 'ok') return outcome.body;

		const context = {
			node: this.getNode(),
			options,
			baseUrl,
			attempts: attempt,
			waitedMs,
			timeoutMs,
			policy,
		};
		// n8n's own refusals (e.g. no credential selected) already say what to do.
		if (outcome.kind === 'unknown' && outcome.original instanceof NodeOperationError) {
			throw outcome.original;
		}
		if (!isRetryable(outcome, options.method)) throw apiError(outcome, context);
		if (attempt >= policy.maxAttempts) throw apiError(outcome, context);

		const askedMs =
			outcome.kind === 'http'
				? parseRetryAfter(headerValue(outcome.headers, 'retry-after'))
				: undefined;
		let delayMs = askedMs ?? backoffDelayMs(attempt, policy.baseDelayMs);
		if (waitedMs + delayMs > policy.maxWaitMs) {
			// Retrying before the server's own Retry-After only earns another 429.
			if (askedMs !== undefined) throw apiError(outcome, { ...context, askedMs });
			delayMs = policy.maxWaitMs - waitedMs;
			if (delayMs <= 0) throw apiError(outcome, context);
		}
		if (delayMs > 0) await pause(this, delayMs);
		waitedMs += delayMs;
	}
}

async function serviceUrl(
	context: FourSeeContext,
	service: 'integration' | 'auth',
	itemIndex?: number,
): Promise<string> {
	const credentials = await context.getCredentials<ICredentialDataDecryptedObject>(
		CREDENTIAL_TYPE,
		itemIndex,
	);
	const [field, label] =
		service === 'auth'
			? [credentials?.authUrl || DEFAULT_AUTH_URL, 'Auth URL']
			: [credentials?.baseUrl, 'Integration API URL'];
	const checked = checkServiceUrl(field);
	if ('problem' in checked) {
		throw new NodeOperationError(
			context.getNode(),
			`The ${label} in the 4SEE API credential ${checked.problem}`,
			{ itemIndex, description: `Open the 4SEE API credential and correct the ${label}.` },
		);
	}
	return checked.url;
}

/**
 * Waits between attempts, but not past a stopped execution: a Retry-After can be a minute, and
 * a user who presses "stop" should not wait it out.
 */
async function pause(context: FourSeeContext, ms: number): Promise<void> {
	const withSignal = context as { getExecutionCancelSignal?: () => AbortSignal | undefined };
	const signal =
		typeof withSignal.getExecutionCancelSignal === 'function'
			? withSignal.getExecutionCancelSignal()
			: undefined;
	// sleepWithAbort is missing from older n8n-workflow versions, which n8n may provide.
	if (signal !== undefined && typeof sleepWithAbort === 'function') {
		await sleepWithAbort(ms, signal);
	} else {
		await sleep(ms);
	}
}

function normalisePolicy(policy: RetryPolicy): Required<RetryPolicy> {
	const attempts = Number(policy.maxAttempts);
	const wait = Number(policy.maxWaitMs);
	const base = Number(policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs);
	return {
		maxAttempts: Number.isFinite(attempts) && attempts >= 1 ? Math.floor(attempts) : 1,
		maxWaitMs: Number.isFinite(wait) && wait >= 0 ? wait : 0,
		baseDelayMs: Number.isFinite(base) && base >= 0 ? base : 1000,
	};
}

function isRetryable(failure: Failure, method: ApiRequestOptions['method']): boolean {
	if (failure.kind === 'http') {
		if (failure.status === 429) return true;
		return method === 'GET' && failure.status >= 500;
	}
	if (failure.kind === 'network') return method === 'GET' && failure.transient;
	return false;
}

/**
 * A success whose JSON is cut off (a connection dropped mid-body, a proxy's error page) is not
 * an answer: n8n hands such a body over as text, so it is told apart here and treated like a
 * dropped connection (retried for GET) rather than read as an empty or broken page.
 */
function answered(body: unknown): Outcome {
	if (typeof body === 'string' && /^\s*[[{]/.test(body)) {
		try {
			return { kind: 'ok', body: JSON.parse(body) };
		} catch {
			return { kind: 'network', code: 'INCOMPLETE_ANSWER', timedOut: false, transient: true, garbled: true };
		}
	}
	return { kind: 'ok', body };
}

/**
 * One attempt. Statuses come back as data (`ignoreHttpStatusErrors`) because n8n's error
 * wrapper drops the response headers, and Retry-After lives there. A 401 is the exception: it
 * is sent once more without that flag so that n8n itself sees the 401, re-runs the credential's
 * preAuthentication, stores the new token and retries.
 */
async function send(
	context: FourSeeContext,
	baseUrl: string,
	options: ApiRequestOptions,
	timeoutMs: number,
): Promise<Outcome> {
	const build = (statusesAsData: boolean): IHttpRequestOptions => {
		const request: IHttpRequestOptions = {
			method: options.method,
			url: `${baseUrl}${options.path}`,
			json: true,
			returnFullResponse: true,
			timeout: timeoutMs,
		};
		if (statusesAsData) request.ignoreHttpStatusErrors = true;
		if (options.qs !== undefined && Object.keys(options.qs).length > 0) request.qs = { ...options.qs };
		if (options.body !== undefined) request.body = { ...options.body };
		return request;
	};
	let first: FullResponse;
	try {
		first = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_TYPE,
			build(true),
		)) as FullResponse;
	} catch (error) {
		return classifyThrown(error);
	}
	const status = Number(first.statusCode);
	if (status >= 200 && status < 300) return answered(first.body);
	if (status !== 401) return { kind: 'http', status, headers: first.headers, body: first.body };
	try {
		const second = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_TYPE,
			build(false),
		)) as FullResponse;
		return answered(second.body);
	} catch (error) {
		return classifyThrown(error);
	}
}

/**
 * Reads what is left of a failure after n8n wrapped it: n8n's NodeApiError keeps the status as
 * `httpCode` (or the network code there when there was no response), the JSON body as
 * `context.data`, and drops the request; a raw axios error (older helpers) still has
 * `response`. The credential's own login errors carry a `FOURSEE_AUTH_*` code.
 */
export function classifyThrown(error: unknown): Failure {
	const chain: Array<Record<string, unknown>> = [];
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
		chain.push(current as Record<string, unknown>);
		current = (current as { cause?: unknown }).cause;
	}
	for (const link of chain) {
		const code = typeof link.httpCode === 'string' ? link.httpCode : link.code;
		if (typeof code === 'string' && code.startsWith('FOURSEE_AUTH')) {
			return {
				kind: 'auth',
				code,
				message: String(link.message ?? 'Could not log in to 4SEE'),
				description: typeof link.description === 'string' ? link.description : undefined,
			};
		}
	}
	for (const link of chain) {
		const code = link.code ?? link.httpCode;
		if (code === 'ERR_CANCELED' || link.name === 'AbortError' || link.name === 'CanceledError') {
			return { kind: 'aborted' };
		}
	}
	for (const link of chain) {
		const response = link.response as { status?: unknown; headers?: unknown; data?: unknown } | undefined;
		if (response && typeof response === 'object' && typeof response.status === 'number') {
			return { kind: 'http', status: response.status, headers: response.headers, body: response.data };
		}
	}
	const top = chain[0] ?? {};
	const httpCode = typeof top.httpCode === 'string' ? top.httpCode : undefined;
	if (httpCode !== undefined && /^\d{3}$/.test(httpCode)) {
		const data = (top.context as { data?: unknown } | undefined)?.data;
		return { kind: 'http', status: Number(httpCode), headers: undefined, body: data };
	}
	const codes = chain
		.flatMap((link) => [link.code, link.httpCode])
		.filter((value): value is string => typeof value === 'string')
		.map((value) => value.toUpperCase());
	const texts = chain
		.flatMap((link) => [link.message, ...(Array.isArray(link.messages) ? link.messages : [])])
		.filter((value): value is string => typeof value === 'string');
	const timedOut =
		codes.some((code) => code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') ||
		texts.some((text) => /timeout|timed out/i.test(text));
	const networkCode = codes.find((code) => /^E[A-Z_]+$/.test(code));
	const transient =
		timedOut ||
		(networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(networkCode)) ||
		texts.some((text) => /socket hang up|ECONNRESET/i.test(text));
	if (networkCode === undefined && !timedOut && !transient) {
		// Not an HTTP or network failure: n8n refusing before sending (no credential set, ...).
		const message = texts[0] ?? 'Unknown error';
		return { kind: 'unknown', message, original: error };
	}
	return { kind: 'network', code: networkCode, timedOut, transient };
}
