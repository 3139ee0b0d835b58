import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeOperationError, sleep, sleepWithAbort } from 'n8n-workflow';

import { checkServiceUrl, DEFAULT_AUTH_URL, PAGING } from '../api';
import { apiError, hostOf, type Failure, type Subject } from './errors';
import { redactBody, rememberSecret } from './redact';
import { isRedirect, NO_REDIRECTS } from './redirect';
import { SESSION_TOKEN_FIELD, unusableStoredToken } from './session';
import {
	DEFAULT_RETRY,
	headerValue,
	nextWait,
	parseRetryAfter,
	type RetryPolicy,
} from './retry';
import { scheduled, type Feedback } from './scheduler';
import { allowedTake, learnTake, smallerTake } from './take';

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
	 * The answer as the server sent it, without removing secrets from it: only for an answer
	 * that must be handed on whole (key rotation's new key), which the caller redacts itself.
	 */
	rawBody?: boolean;
	/**
	 * Which of the credential's hosts to call: the Integration API (default) or the Auth API,
	 * which serves key rotation.
	 */
	service?: 'integration' | 'auth';
	/**
	 * The credential as read once by the caller (the trigger, at the start of a poll). Without it
	 * every request reads and decrypts the credential from n8n's database again; with it, a poll
	 * needs n8n's database only at its start, and a token refreshed after a 401 is written into
	 * this object by n8n, so the poll's later requests use it.
	 */
	credentials?: ICredentialsDecrypted;
	/**
	 * A session token to send instead of the credential's stored one, with no login on a 401:
	 * key rotation logs in afresh itself (see rotate.operation.ts).
	 */
	token?: string;
	/**
	 * Most requests this caller lets run at once against the API (its node option; default
	 * DEFAULT_CONCURRENCY). Every request waits its turn in the process's scheduler (scheduler.ts).
	 */
	concurrency?: number;
}

interface FullResponse {
	body: unknown;
	headers: unknown;
	statusCode: number;
}

/** A 2xx answer; `text` is the body as the server sent it, when n8n handed it over as text. */
type Outcome = { kind: 'ok'; body: unknown; text?: string } | Failure;

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
	return (await pagedRequest.call(this, options)).body;
}

/**
 * `apiRequest` for a request that carries a page size (`take` in `qs`): also says which size
 * was finally sent, since a size 4SEE refused is replaced by a smaller one (see take.ts).
 */
export async function pagedRequest(
	this: FourSeeContext,
	options: ApiRequestOptions,
): Promise<{ body: unknown; take?: number }> {
	const { url: baseUrl, credentials } = await serviceUrl(
		this,
		options.service ?? 'integration',
		options.itemIndex,
		options.credentials,
	);
	const additional = sessionFor(this, credentials, options.credentials);
	const policy = normalisePolicy(options.retry ?? DEFAULT_RETRY);
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const asked = options.qs?.[PAGING.takeParam];
	let take = typeof asked === 'number' ? allowedTake(baseUrl, asked) : undefined;
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		const sent = take === undefined ? options : { ...options, qs: { ...options.qs, [PAGING.takeParam]: take } };
		const outcome = await scheduled(
			{
				lane: baseUrl,
				caller: this,
				concurrency: options.concurrency,
				signal: cancelSignal(this),
				maxWaitMs: policy.maxWaitMs - waitedMs,
			},
			async () => await send(this, baseUrl, sent, timeoutMs, additional),
			feedbackOf,
		);
		// A server may quote the token or key back inside data: it is removed before anything
		// (an item, a picker's name, the trigger's state) sees it.
		if (outcome.kind === 'ok') return { body: options.rawBody === true ? outcome.body : redactBody(outcome.body, outcome.text), take };
		const smaller = take !== undefined && outcome.kind === 'http' && outcome.status === 400 ? smallerTake(outcome.body, take) : undefined;
		if (smaller !== undefined && take !== undefined) {
			// Not a retry of a failure but a different request: it does not use up an attempt.
			if (learnTake(baseUrl, smaller)) this.logger?.warn(
				`4SEE refused a page size of ${take} records at ${hostOf(baseUrl)}; using ${smaller} for it from now on. Set the node's Page Size to ${smaller} or less to avoid the refused request.`,
			);
			take = smaller;
			attempt--;
			continue;
		}

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

		const askedMs =
			outcome.kind === 'http'
				? parseRetryAfter(headerValue(outcome.headers, 'retry-after'))
				: undefined;
		const next = nextWait(policy, attempt, waitedMs, askedMs);
		if ('stop' in next) throw apiError(outcome, next.stop === 'asked' ? { ...context, askedMs } : context);
		if (next.waitMs > 0) await pause(this, next.waitMs);
		waitedMs += next.waitMs;
	}
}

async function serviceUrl(
	context: FourSeeContext,
	service: 'integration' | 'auth',
	itemIndex?: number,
	cached?: ICredentialsDecrypted,
): Promise<{ url: string; credentials: ICredentialDataDecryptedObject | undefined }> {
	const credentials =
		cached?.data ?? (await context.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE, itemIndex));
	// Whatever a server sends back is cleaned of these before anyone sees it.
	rememberSecret(credentials?.apiKey);
	rememberSecret(credentials?.sessionToken);
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
	return { url: checked.url, credentials };
}

/**
 * The credential n8n should use for this request. A stored token the credential no longer
 * stands for (obtained for other URLs or another key, stored without saying what for, or of a
 * key this process saw rotated) is not sent at all: n8n is handed the credential without it, so
 * it logs in afresh before the first request, stores the new token with what it is for, and
 * writes it into the object handed over (the poll's later requests use it).
 */
function sessionFor(
	context: FourSeeContext,
	credentials: ICredentialDataDecryptedObject | undefined,
	cached: ICredentialsDecrypted | undefined,
): IAdditionalCredentialOptions | undefined {
	const unusable = credentials === undefined ? undefined : unusableStoredToken(credentials);
	if (credentials === undefined || unusable === undefined || unusable === 'absent') {
		return cached === undefined ? undefined : { credentialsDecrypted: cached };
	}
	if (cached !== undefined) {
		cached.data = { ...credentials, [SESSION_TOKEN_FIELD]: '' };
		return { credentialsDecrypted: cached };
	}
	const stored = context.getNode().credentials?.[CREDENTIAL_TYPE];
	return {
		credentialsDecrypted: {
			id: stored?.id ?? '',
			name: stored?.name ?? '',
			type: CREDENTIAL_TYPE,
			data: { ...credentials, [SESSION_TOKEN_FIELD]: '' },
		},
	};
}

/** What an answer tells the scheduler about the API's pace: only a 429 is a refusal. */
function feedbackOf(outcome: Outcome): Feedback {
	if (outcome.kind === 'ok') return { kind: 'accepted' };
	if (outcome.kind === 'http' && outcome.status === 429) {
		return { kind: 'refused', retryAfterMs: parseRetryAfter(headerValue(outcome.headers, 'retry-after')) };
	}
	// Any other answer came through the API's limits: its pace was accepted.
	return outcome.kind === 'http' ? { kind: 'accepted' } : { kind: 'other' };
}

function cancelSignal(context: FourSeeContext): AbortSignal | undefined {
	const withSignal = context as { getExecutionCancelSignal?: () => AbortSignal | undefined };
	return typeof withSignal.getExecutionCancelSignal === 'function' ? withSignal.getExecutionCancelSignal() : undefined;
}

/**
 * Waits between attempts, but not past a stopped execution: a Retry-After can be a minute, and
 * a user who presses "stop" should not wait it out.
 */
async function pause(context: FourSeeContext, ms: number): Promise<void> {
	const signal = cancelSignal(context);
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
			return { kind: 'ok', body: JSON.parse(body), text: body };
		} catch {
			return { kind: 'network', code: 'INCOMPLETE_ANSWER', timedOut: false, transient: true, garbled: true };
		}
	}
	return { kind: 'ok', body };
}

/** A refusal's body as n8n handed it over as text: its JSON when it is JSON, else the text. */
function parsedIfJson(body: unknown): unknown {
	if (typeof body !== 'string' || !/^\s*[[{]/.test(body)) return body;
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return body;
	}
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
	additional: IAdditionalCredentialOptions | undefined,
): Promise<Outcome> {
	const url = `${baseUrl}${options.path}`;
	const build = (statusesAsData: boolean): IHttpRequestOptions => {
		const request: IHttpRequestOptions = {
			method: options.method,
			url,
			json: true,
			returnFullResponse: true,
			timeout: timeoutMs,
			...NO_REDIRECTS,
		};
		if (statusesAsData) {
			request.ignoreHttpStatusErrors = true;
			// The body as sent: parsed here once, and its text scanned for secrets without being
			// serialised again (redactBody), on every page of every request.
			request.encoding = 'text';
		}
		if (options.qs !== undefined && Object.keys(options.qs).length > 0) request.qs = { ...options.qs };
		if (options.body !== undefined) request.body = { ...options.body };
		return request;
	};
	let first: FullResponse;
	try {
		if (options.token !== undefined) {
			const request = build(true);
			request.headers = { ...request.headers, Authorization: `Bearer ${options.token}` };
			first = (await context.helpers.httpRequest(request)) as FullResponse;
		} else {
			first = (await context.helpers.httpRequestWithAuthentication.call(
				context,
				CREDENTIAL_TYPE,
				build(true),
				additional,
			)) as FullResponse;
		}
	} catch (error) {
		return redirectOf(classifyThrown(error), url);
	}
	const status = Number(first.statusCode);
	if (status >= 200 && status < 300) return answered(first.body);
	// A token given by the caller is not renewed here: the caller logged in for this request.
	if (status !== 401 || options.token !== undefined) {
		return redirectOf({ kind: 'http', status, headers: first.headers, body: parsedIfJson(first.body) }, url);
	}
	try {
		const second = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIAL_TYPE,
			build(false),
			additional,
		)) as FullResponse;
		return answered(second.body);
	} catch (error) {
		return redirectOf(classifyThrown(error), url);
	}
}

/** A 3xx answer (as data, or as n8n's error when statuses were not data) is a refused redirect. */
function redirectOf(failure: Failure, url: string): Failure {
	if (failure.kind !== 'http' || !isRedirect(failure.status)) return failure;
	return { kind: 'redirect', status: failure.status, location: headerValue(failure.headers, 'location'), url };
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

