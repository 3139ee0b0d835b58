import { createHash } from 'crypto';
import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import {
	checkServiceUrl,
	DEFAULT_AUTH_URL,
	parseProblem,
	parseTokenResponse,
	paths,
} from '../nodes/FourSee/api';
import { backoffDelayMs, headerValue, parseRetryAfter } from '../nodes/FourSee/transport/retry';

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

/** How long one token request may take, and how long a login may wait out the auth 429. */
export const AUTH_TIMEOUT_MS = 30_000;
export const AUTH_MAX_WAIT_MS = 90_000;
export const AUTH_MAX_ATTEMPTS = 4;
/** A token this close to its expiry is not handed to another execution. */
const REUSE_MARGIN_MS = 60_000;

interface CachedToken {
	token: string;
	expiresAtMs: number;
}

/**
 * Per-process token state, keyed by a hash of (Auth URL, API key) so the key itself is not a
 * map key. n8n stores the token in the credential and calls preAuthentication only when that is
 * empty or was just refused with a 401; when many executions hit that moment together, each one
 * calls us. `inFlight` makes them share one token request; `latest` lets an execution whose
 * stored copy is stale take the token another execution fetched moments ago.
 */
const inFlight = new Map<string, Promise<CachedToken>>();
const latest = new Map<string, CachedToken>();

function cacheKey(authUrl: string, apiKey: string): string {
	return createHash('sha256').update(`${authUrl}\u0000${apiKey}`).digest('hex');
}

export class FourSeeApi implements ICredentialType {
	name = 'fourSeeApi';

	displayName = '4SEE API';

	icon: Icon = { light: 'file:fourSee.svg', dark: 'file:fourSee.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-4see/n8n-nodes-4see#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'The Customer API key your Grote representative gave you',
		},
		{
			displayName: 'Auth URL',
			name: 'authUrl',
			type: 'string',
			required: true,
			default: DEFAULT_AUTH_URL,
			description: 'Where the API key is exchanged for a session token. Keep the default unless Grote told you otherwise.',
		},
		{
			displayName: 'Integration API URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://your-integration-host.example.com',
			description: 'The Integration API address Grote gave you (each customer has their own)',
		},
		{
			displayName: 'Session Token',
			name: 'sessionToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/**
	 * n8n calls this when the stored session token is empty or was just refused (401), and
	 * stores what it returns in the credential for every later execution and worker.
	 */
	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		const authUrl = checkServiceUrl(credentials.authUrl);
		if ('problem' in authUrl) {
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_BAD_SETTINGS',
				`The Auth URL in the 4SEE API credential ${authUrl.problem}`,
			);
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
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_BAD_SETTINGS',
				'The API Key in the 4SEE API credential is empty',
			);
		}
		const stale = typeof credentials.sessionToken === 'string' ? credentials.sessionToken : '';
		const token = await obtainToken(this, authUrl.url, apiKey, stale);
		return { sessionToken: token };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.sessionToken}}',
			},
		},
	};

	/**
	 * n8n's "Test" runs preAuthentication (so the key is proven) and then this request with the
	 * fresh token against the Integration API URL (so that URL is proven too).
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: paths.fleets,
			qs: { take: 1 },
			method: 'GET',
		},
	};
}

async function obtainToken(
	helper: IHttpRequestHelper,
	authUrl: string,
	apiKey: string,
	staleToken: string,
): Promise<string> {
	const key = cacheKey(authUrl, apiKey);
	const pending = inFlight.get(key);
	if (pending !== undefined) return (await pending).token;

	// A token that differs from the one n8n just found stale was fetched by another execution in
	// this process after ours was stored: take it instead of logging in again.
	const known = latest.get(key);
	if (
		known !== undefined &&
		known.token !== staleToken &&
		known.expiresAtMs - REUSE_MARGIN_MS > Date.now()
	) {
		return known.token;
	}

	const request = exchangeKey(helper, authUrl, apiKey)
		.then((fresh) => {
			latest.set(key, fresh);
			return fresh;
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
		};
		let response: FullResponse;
		try {
			response = (await helper.helpers.httpRequest(options)) as FullResponse;
		} catch (error) {
			const reason = describeNetworkError(error);
			const delay = backoffDelayMs(attempt);
			// Only a dropped connection is worth another try here: a refused connection or an
			// unknown host is a wrong Auth URL, and a timeout already cost AUTH_TIMEOUT_MS.
			if (isDroppedConnection(error) && attempt < AUTH_MAX_ATTEMPTS && waited + delay <= AUTH_MAX_WAIT_MS) {
				await sleep(delay);
				waited += delay;
				continue;
			}
			throw new FourSeeAuthError(
				'FOURSEE_AUTH_FAILED',
				`Could not reach the 4SEE auth server at ${authUrl}`,
				`${reason}. Check the Auth URL in the 4SEE API credential and that this n8n can reach it.`,
			);
		}

		const status = Number(response.statusCode);
		if (status >= 200 && status < 300) {
			const parsed = parseTokenResponse(response.body, Date.now());
			if (parsed === undefined) {
				throw new FourSeeAuthError(
					'FOURSEE_AUTH_FAILED',
					'The 4SEE auth server answered without a token',
					'The login succeeded but no token was found in the answer. If the Auth URL points elsewhere than the 4SEE auth server, correct it.',
				);
			}
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
			const delay = asked ?? backoffDelayMs(attempt);
			if (attempt < AUTH_MAX_ATTEMPTS && waited + delay <= AUTH_MAX_WAIT_MS) {
				await sleep(delay);
				waited += delay;
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
		if (status >= 500 && attempt < AUTH_MAX_ATTEMPTS) {
			const delay = backoffDelayMs(attempt);
			if (waited + delay <= AUTH_MAX_WAIT_MS) {
				await sleep(delay);
				waited += delay;
				continue;
			}
		}
		const problem = parseProblem(response.body);
		// A server may quote what it was sent; the key must not travel on in our error.
		const detail = (problem?.detail ?? problem?.title)?.split(apiKey).join('[the API key]');
		throw new FourSeeAuthError(
			'FOURSEE_AUTH_FAILED',
			`The 4SEE auth server could not log in (HTTP ${status})`,
			detail === undefined
				? 'Check the Auth URL in the 4SEE API credential, or try again later.'
				: `The server said: ${detail}`,
		);
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
