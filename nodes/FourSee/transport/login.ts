/**
 * The login: the API key exchanged for a session token at the Auth URL (one request at a time
 * per credential in this process, the token shared by its executions), with the transport's
 * retry policy (retry.ts nextWait). The credential class only declares its fields and calls this.
 */
import { createHash } from 'crypto';
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import {
	checkServiceUrl,
	DEFAULT_AUTH_URL,
	implausibleToken,
	parseProblem,
	parseTokenResponse,
	paths,
} from '../api';
import { redact, rememberSecret } from './redact';
import { describeRedirect, isRedirect, NO_REDIRECTS } from './redirect';
import { headerValue, nextWait, parseRetryAfter, type RetryPolicy } from './retry';
import { retireTokens, SESSION_FOR_FIELD, sessionBinding, unusableStoredToken } from './session';

/**
 * Error raised by the token exchange. It never carries the request (whose headers hold the API
 * key) nor the response; n8n wraps it in a NodeApiError that copies our `httpCode` and
 * `description`, which is how the transport recognises it. It has no `response` on purpose: n8n
 * re-runs preAuthentication after an error with `response.status === 401`, and a rejected key
 * must not cost a second login (the auth endpoint allows 10 per 5 minutes). It has no `code`
 * either: n8n's credential test shows `cause.code` instead of the message when there is one.
 */
export class FourSeeAuthError extends Error {
	readonly httpCode: FourSeeAuthErrorCode;
	readonly description?: string;

	constructor(httpCode: FourSeeAuthErrorCode, message: string, description?: string) {
		super(message);
		this.name = 'FourSeeAuthError';
		this.httpCode = httpCode;
		this.description = description;
	}
}

export type FourSeeAuthErrorCode =
	| 'FOURSEE_AUTH_KEY_REJECTED'
	| 'FOURSEE_AUTH_RATE_LIMITED'
	| 'FOURSEE_AUTH_FAILED'
	| 'FOURSEE_AUTH_BAD_SETTINGS';

/** How long one token request may take. */
const AUTH_TIMEOUT_MS = 30_000;
/** A login's retries: fewer than a request's, and a longer wait for the auth endpoint's own 429. */
const AUTH_RETRY: Required<RetryPolicy> = { maxAttempts: 4, maxWaitMs: 90_000, baseDelayMs: 1000 };
/** A token this close to its expiry is not handed to another execution. */
const REUSE_MARGIN_MS = 60_000;

interface CachedToken {
	token: string;
	expiresAtMs: number;
}

interface LatestToken extends CachedToken {
	obtainedAtMs: number;
	/** Which (Auth URL, API key) it was obtained with: all of a key's tokens go when it is rotated. */
	keyId: string;
}

/** Refusals this close to our last login are one wave (one expiry or revocation) of refusals. */
const SAME_WAVE_MS = 5_000;
const SUPERSEDED_KEPT = 64;

/**
 * Per-process token state, keyed by a hash of (Auth URL, Integration API URL, API key) so the key
 * itself is not a map key, and a token obtained while the credential named one Integration API is
 * never handed to a credential that names another. n8n stores the token in the credential and calls preAuthentication only when that is
 * empty or was just refused with a 401; when many executions hit that moment together, each one
 * calls us. `inFlight` makes them share one token request; `latest` lets an execution whose
 * stored copy is stale take the token another execution fetched moments ago.
 */
const inFlight = new Map<string, Promise<CachedToken>>();
const latest = new Map<string, LatestToken>();
/** Hashes of the tokens each login of this process replaced: older than `latest` for sure. */
const superseded = new Map<string, Set<string>>();

function tokenHash(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

function cacheKey(authUrl: string, baseUrl: string, apiKey: string): string {
	return createHash('sha256').update(`${authUrl}\u0000${baseUrl}\u0000${apiKey}`).digest('hex');
}

function keyIdOf(authUrl: string, apiKey: string): string {
	return createHash('sha256').update(`${authUrl}\u0000${apiKey}`).digest('hex');
}

/**
 * What the credential's preAuthentication returns: a session token for the credential as it is
 * now, and what it was obtained for. n8n calls it when the stored token is empty or was just
 * refused (401), and stores the answer in the credential for every later execution and worker.
 */
export async function logIn(helper: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
	const { authUrl, baseUrl, apiKey } = loginSettings(credentials);
	// A stored token the credential no longer stands for (other URLs, another key) is no
	// token at all here: it must not count as "the one just refused" either.
	const stale =
		typeof credentials.sessionToken === 'string' && unusableStoredToken(credentials) === undefined
			? credentials.sessionToken
			: '';
	const token = await obtainToken(helper, authUrl, baseUrl, apiKey, stale);
	return { sessionToken: token, [SESSION_FOR_FIELD]: sessionBinding(authUrl, baseUrl, apiKey) };
}

/** The credential's URLs and key, checked before anything is sent. */
function loginSettings(credentials: ICredentialDataDecryptedObject): { authUrl: string; baseUrl: string; apiKey: string } {
	const authUrl = checkServiceUrl(credentials.authUrl);
	if ('problem' in authUrl) {
		throw new FourSeeAuthError('FOURSEE_AUTH_BAD_SETTINGS', `The Auth URL in the 4SEE API credential ${authUrl.problem}`);
	}
	const baseUrl = checkServiceUrl(credentials.baseUrl);
	if ('problem' in baseUrl) {
		throw new FourSeeAuthError(
			'FOURSEE_AUTH_BAD_SETTINGS',
			`The Integration API URL in the 4SEE API credential ${baseUrl.problem}`,
		);
	}
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
	if (apiKey === '') {
		throw new FourSeeAuthError('FOURSEE_AUTH_BAD_SETTINGS', 'The API Key in the 4SEE API credential is empty');
	}
	// Whatever a server sends back is cleaned of the key and tokens before anyone sees it.
	rememberSecret(apiKey);
	return { authUrl: authUrl.url, baseUrl: baseUrl.url, apiKey };
}

/**
 * A login with the credential's key, past every cache and stored token. Key rotation needs one:
 * a key that was rotated already must fail here, not be rotated again with a session token
 * obtained for it earlier, which would void the key the first rotation returned. It costs one
 * login of the auth endpoint's 10 per 5 minutes; rotation is allowed 3 times an hour.
 */
export async function loginAfresh(
	helper: IHttpRequestHelper,
	credentials: ICredentialDataDecryptedObject,
): Promise<string> {
	const { authUrl, apiKey } = loginSettings(credentials);
	return (await exchangeKey(helper, authUrl, apiKey)).token;
}

/**
 * The credential's key was rotated (or may have been): every token of it this process holds,
 * cached or named in `alsoRetire` (the credential's stored one, rotation's own), is dropped and
 * never sent again by this process. The next login with the old key is refused with a message
 * saying to put the new key in; one with the new key starts afresh.
 */
export function forgetRotatedKey(credentials: ICredentialDataDecryptedObject, alsoRetire: unknown[] = []): void {
	const { authUrl, apiKey } = loginSettings(credentials);
	const keyId = keyIdOf(authUrl, apiKey);
	const dead: unknown[] = [...alsoRetire];
	for (const [key, cached] of latest) {
		if (cached.keyId !== keyId) continue;
		dead.push(cached.token);
		latest.delete(key);
		superseded.delete(key);
	}
	retireTokens(dead);
}

async function obtainToken(
	helper: IHttpRequestHelper,
	authUrl: string,
	baseUrl: string,
	apiKey: string,
	staleToken: string,
): Promise<string> {
	const key = cacheKey(authUrl, baseUrl, apiKey);
	const pending = inFlight.get(key);
	if (pending !== undefined) return (await pending).token;

	// A token that differs from the one n8n just found stale may have been fetched by another
	// execution in this process after ours was stored: take it instead of logging in again. But
	// only when the stale one is known to be older: this process replaced it before, or our token
	// is from this very wave of refusals. In queue mode each process fetches its own token and the
	// credential holds whichever was stored last, so a stale token from another process says
	// nothing about ours: after a revocation ours is refused too, and handing it on would fail the
	// execution (n8n retries a 401 once).
	const known = latest.get(key);
	const replaced = superseded.get(key);
	if (
		known !== undefined &&
		known.token !== staleToken &&
		known.expiresAtMs - REUSE_MARGIN_MS > Date.now() &&
		(replaced?.has(tokenHash(staleToken)) === true || Date.now() - known.obtainedAtMs < SAME_WAVE_MS)
	) {
		return known.token;
	}

	const previous = known?.token;
	const request = exchangeKey(helper, authUrl, apiKey)
		.then((fresh) => {
			const older = superseded.get(key) ?? new Set<string>();
			for (const token of [staleToken, previous]) if (token) older.add(tokenHash(token));
			// Insertion order: the oldest go first; a handful per refresh is all that matters.
			for (const hash of older) {
				if (older.size <= SUPERSEDED_KEPT) break;
				older.delete(hash);
			}
			superseded.set(key, older);
			const cached = { ...fresh, obtainedAtMs: Date.now(), keyId: keyIdOf(authUrl, apiKey) };
			latest.set(key, cached);
			return cached;
		})
		.finally(() => inFlight.delete(key));
	inFlight.set(key, request);
	return (await request).token;
}

interface FullResponse {
	body: unknown;
	headers: unknown;
	statusCode: number;
}

async function exchangeKey(
	helper: IHttpRequestHelper,
	authUrl: string,
	apiKey: string,
): Promise<CachedToken> {
	const started = Date.now();
	let waited = 0;
	for (let attempt = 1; ; attempt++) {
		const options: IHttpRequestOptions = {
			method: 'POST',
			url: `${authUrl}${paths.customerLogin}`,
			headers: { 'X-API-KEY': apiKey, Accept: 'application/json' },
			// Statuses come back as data so that no error object holding the request (and with it
			// the key) ever leaves this function.
			ignoreHttpStatusErrors: true,
			returnFullResponse: true,
			timeout: AUTH_TIMEOUT_MS,
			// The key goes to the Auth URL and nowhere else (n8n would carry it along a redirect).
			...NO_REDIRECTS,
		};
		const response = await post(helper, options);
		if ('networkError' in response) {
			const error = response.networkError;
			// Only a dropped connection is worth another try here: a refused connection or an
			// unknown host is a wrong Auth URL, and a timeout already cost AUTH_TIMEOUT_MS.
			const next = isDroppedConnection(error) ? nextWait(AUTH_RETRY, attempt, waited) : undefined;
			if (next !== undefined && 'waitMs' in next) {
				await sleep(next.waitMs);
				waited += next.waitMs;
				continue;
			}
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_FAILED',
				`Could not reach the 4SEE auth server at ${authUrl}`,
				`${describeNetworkError(error)}. Check the Auth URL in the 4SEE API credential and that this n8n can reach it.`,
			);
		}

		const status = Number(response.statusCode);
		if (isRedirect(status)) {
			const refused = describeRedirect(status, headerValue(response.headers, 'location'), options.url, 'Auth URL');
			throw new FourSeeAuthError('FOURSEE_AUTH_FAILED', refused.message, refused.description);
		}
		if (status >= 200 && status < 300) {
			const parsed = parseTokenResponse(response.body, Date.now());
			if (parsed === undefined) {
				throw new FourSeeAuthError(
					'FOURSEE_AUTH_FAILED',
					'The 4SEE auth server answered without a token',
					'The login succeeded but no token was found in the answer. If the Auth URL points elsewhere than the 4SEE auth server, correct it.',
				);
			}
			const why = implausibleToken(parsed.token);
			if (why !== undefined) {
				throw new FourSeeAuthError(
					'FOURSEE_AUTH_FAILED',
					'The Auth URL did not answer the login with a session token',
					`It answered with ${why}. Check the Auth URL in the 4SEE API credential: it must be the 4SEE auth server (${DEFAULT_AUTH_URL} unless Grote told you otherwise), not a web page, a proxy or the Integration API.`,
				);
			}
			rememberSecret(parsed.token);
			return { token: parsed.token, expiresAtMs: parsed.expiresAtMs ?? started + parsed.lifetimeSeconds * 1000 };
		}
		if (status === 401 || status === 403) {
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_KEY_REJECTED',
				'The 4SEE auth server rejected the API key',
				'Check the API Key in the 4SEE API credential. If the key was rotated, enter the new one; if it was never issued for this Auth URL, ask your Grote representative.',
			);
		}
		if (status === 429) {
			const asked = parseRetryAfter(headerValue(response.headers, 'retry-after'));
			const next = nextWait(AUTH_RETRY, attempt, waited, asked);
			if ('waitMs' in next) {
				await sleep(next.waitMs);
				waited += next.waitMs;
				continue;
			}
			const when =
				asked === undefined ? '' : ` The server asks to wait ${Math.ceil(asked / 1000)} s.`;
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_RATE_LIMITED',
				'Too many logins to 4SEE: the auth server is rate limiting this API key',
				`4SEE allows about 10 logins per 5 minutes per key.${when} Try again later; if this keeps happening, check whether other systems log in with the same key.`,
			);
		}
		const next = status >= 500 ? nextWait(AUTH_RETRY, attempt, waited) : undefined;
		if (next !== undefined && 'waitMs' in next) {
			await sleep(next.waitMs);
			waited += next.waitMs;
			continue;
		}
		const problem = parseProblem(response.body);
		// A server may quote what it was sent; the key must not travel on in our error.
		const quoted = problem?.detail ?? problem?.title;
		const detail = quoted === undefined ? undefined : redact(quoted);
		throw new FourSeeAuthError(
			'FOURSEE_AUTH_FAILED',
			`The 4SEE auth server could not log in (HTTP ${status})`,
			detail === undefined
				? 'Check the Auth URL in the 4SEE API credential, or try again later.'
				: `The server said: ${detail}`,
		);
	}
}

/**
 * One login request. A network failure comes back as data, like a status: the error object holds
 * the request, and with it the key, so it must not travel on.
 */
async function post(helper: IHttpRequestHelper, options: IHttpRequestOptions): Promise<FullResponse | { networkError: unknown }> {
	try {
		return (await helper.helpers.httpRequest(options)) as FullResponse;
	} catch (error) {
		return { networkError: error };
	}
}

function isDroppedConnection(error: unknown): boolean {
	const code = (error as { code?: unknown })?.code;
	return code === 'ECONNRESET' || code === 'EPIPE';
}

function describeNetworkError(error: unknown): string {
	const code = (error as { code?: unknown })?.code;
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
		return `No answer within ${AUTH_TIMEOUT_MS / 1000} s`;
	}
	return typeof code === 'string' ? `Network error ${code}` : 'Network error';
}
