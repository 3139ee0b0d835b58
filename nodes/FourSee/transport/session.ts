/**
 * A session token belongs to what it was obtained for: the Auth URL, the Integration API URL
 * and the API key of the credential at the time of the login. The credential stores that next
 * to the token (`sessionFor`). n8n keeps sending a stored token until it is refused, whatever
 * the credential names by then: after a user points the Integration API URL somewhere else, the
 * token would go to the new host before anything could notice. So a token is usable only while
 * the credential still names what it was obtained for, and only for requests to those two
 * addresses; otherwise it is treated as absent and a fresh login (with the credential as it is
 * now) takes its place.
 *
 * Tokens of a key that was rotated are retired in this process: they are not sent again, even
 * while the credential still holds the old key (the next login then says the key was refused).
 */
import { createHash } from 'crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { checkServiceUrl } from '../api';

export const SESSION_TOKEN_FIELD = 'sessionToken';
export const SESSION_FOR_FIELD = 'sessionFor';

/** The retired tokens kept: far more than one process holds between two rotations. */
const RETIRED_KEPT = 256;
const retired = new Set<string>();

function hash(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

/**
 * What a token obtained with these settings is bound to. The key enters only as a salted,
 * shortened hash: enough to tell an edited key apart, useless for recovering it.
 */
export function sessionBinding(authUrl: string, baseUrl: string, apiKey: string): string {
	const key = hash(`4see-session-binding\u0000${apiKey}`).slice(0, 16);
	return JSON.stringify({ authUrl, baseUrl, key });
}

/** The binding the credential's current settings call for, or undefined when they are unusable. */
export function currentBinding(credentials: Record<string, unknown>): string | undefined {
	const authUrl = checkServiceUrl(credentials.authUrl);
	const baseUrl = checkServiceUrl(credentials.baseUrl);
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
	if ('problem' in authUrl || 'problem' in baseUrl || apiKey === '') return undefined;
	return sessionBinding(authUrl.url, baseUrl.url, apiKey);
}

/** This process will not send these tokens again: the key they were obtained with was rotated. */
export function retireTokens(tokens: Iterable<unknown>): void {
	for (const token of tokens) {
		if (typeof token !== 'string' || token === '') continue;
		retired.add(hash(token));
		// Insertion order: the oldest go first.
		for (const old of retired) {
			if (retired.size <= RETIRED_KEPT) break;
			retired.delete(old);
		}
	}
}

function isRetired(token: string): boolean {
	return retired.size > 0 && retired.has(hash(token));
}

/**
 * Why the stored token must not be used with the credential as it is now, or undefined when it
 * may. A token stored without a binding (by an older version of this package) is not used: the
 * URLs it was obtained for are unknown, and a fresh login costs one request.
 */
export function unusableStoredToken(credentials: Record<string, unknown>): 'absent' | 'unbound' | 'other settings' | 'retired' | undefined {
	const token = credentials[SESSION_TOKEN_FIELD];
	if (typeof token !== 'string' || token === '') return 'absent';
	const boundTo = credentials[SESSION_FOR_FIELD];
	if (typeof boundTo !== 'string' || boundTo === '') return 'unbound';
	if (boundTo !== currentBinding(credentials)) return 'other settings';
	if (isRetired(token)) return 'retired';
	return undefined;
}

/** The two addresses a token bound with `binding` may be sent to. */
function boundUrls(binding: string): string[] {
	try {
		const parsed = JSON.parse(binding) as { authUrl?: unknown; baseUrl?: unknown };
		return [parsed.authUrl, parsed.baseUrl].filter((url): url is string => typeof url === 'string' && url !== '');
	} catch {
		return [];
	}
}

/** Whether `target` is `base` or below it: same origin, and its path under base's path. */
function isUnder(target: URL, base: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(base);
	} catch {
		return false;
	}
	if (parsed.origin !== target.origin) return false;
	const prefix = parsed.pathname.replace(/\/+$/, '');
	return prefix === '' || target.pathname === prefix || target.pathname.startsWith(`${prefix}/`);
}

/** Whether a request to `url` may carry the token bound with `binding`. */
export function mayReceiveToken(url: string | undefined, binding: string): boolean {
	if (url === undefined) return false;
	let target: URL;
	try {
		target = new URL(url);
	} catch {
		return false;
	}
	return boundUrls(binding).some((base) => isUnder(target, base));
}

/**
 * The request with `Authorization: Bearer <session token>`; other headers are kept. The token
 * goes only to the addresses it was obtained for, and only while the credential still names
 * them: otherwise the request leaves without it, its 401 has n8n log in afresh with the
 * credential as it is now, and the request is repeated with that token (the transport does not
 * even send the first one: it asks n8n for the login up front).
 */
export function bearer(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): IHttpRequestOptions {
	const token = typeof credentials.sessionToken === 'string' ? credentials.sessionToken : '';
	const binding = credentials[SESSION_FOR_FIELD];
	const usable =
		token !== '' &&
		typeof binding === 'string' &&
		unusableStoredToken(credentials) === undefined &&
		mayReceiveToken(targetUrl(requestOptions), binding);
	const headers = { ...(requestOptions.headers ?? {}) };
	for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
	if (usable) headers.Authorization = `Bearer ${token}`;
	return { ...requestOptions, headers };
}

/**
 * Where a request goes: its url, or its url under its base (n8n's credential test). n8n's legacy
 * helper (requestWithAuthentication, used by the HTTP Request node) names them uri and baseUrl.
 */
function targetUrl(requestOptions: IHttpRequestOptions): string | undefined {
	const legacy = requestOptions as { uri?: unknown; baseUrl?: unknown };
	const url = stringOf(requestOptions.url) ?? stringOf(legacy.uri);
	if (url === undefined) return undefined;
	if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
	const base = stringOf(requestOptions.baseURL) ?? stringOf(legacy.baseUrl);
	if (base === undefined || base === '') return undefined;
	return `${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function stringOf(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (value instanceof URL) return value.href;
	return undefined;
}
