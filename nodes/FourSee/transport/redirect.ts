/**
 * Redirects are never followed. n8n's helpers would follow them and, by default, carry the
 * `Authorization` header (and a login's `X-API-KEY`) to whatever host the answer names, even
 * from https to plain http; the credential promises that the key and token only go to its two
 * URLs. Same-origin redirects are refused too: 4SEE's API is not documented to use any, and a
 * user fixes one the same way (put the address it names into the credential).
 */

/** Options for every request of this package: n8n must hand a 3xx back instead of following it. */
export const NO_REDIRECTS = { disableFollowRedirect: true, sendCredentialsOnCrossOriginRedirect: false } as const;

export function isRedirect(status: number): boolean {
	return status >= 300 && status < 400;
}

/** The longest host or path a redirect message quotes: it comes from the server. */
const MAX_SHOWN = 120;

export interface RedirectTarget {
	/** `https://host:port` (plus the path when the target stays on the same origin), or undefined. */
	shown?: string;
	/** The redirect would have left https for plain http. */
	downgrade: boolean;
	sameOrigin: boolean;
}

/** Where a redirect pointed, as far as a user needs it to check the credential's URL. */
export function redirectTarget(location: unknown, fromUrl: string): RedirectTarget {
	const text = Array.isArray(location) ? location[0] : location;
	let from: URL;
	let to: URL;
	try {
		from = new URL(fromUrl);
		if (typeof text !== 'string' || text.trim() === '') return { downgrade: false, sameOrigin: false };
		to = new URL(text.trim(), from);
	} catch {
		return { downgrade: false, sameOrigin: false };
	}
	if (to.protocol !== 'https:' && to.protocol !== 'http:') return { downgrade: false, sameOrigin: false };
	const sameOrigin = to.origin === from.origin;
	const shown = sameOrigin ? `${to.origin}${to.pathname}` : to.origin;
	return {
		shown: shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}...` : shown,
		downgrade: from.protocol === 'https:' && to.protocol === 'http:',
		sameOrigin,
	};
}

/**
 * The message and description of a refused redirect. `label` is the credential field the
 * request was built from ('Integration API URL' or 'Auth URL').
 */
export function describeRedirect(
	status: number,
	location: unknown,
	fromUrl: string,
	label: string,
): { message: string; description: string } {
	const target = redirectTarget(location, fromUrl);
	let fromHost: string;
	try {
		fromHost = new URL(fromUrl).host;
	} catch {
		fromHost = fromUrl;
	}
	const where =
		target.shown === undefined
			? 'an address it did not say'
			: `${target.downgrade ? 'plain http at ' : ''}${target.shown}`;
	const message = `The ${label} (${fromHost}) answered with a redirect (HTTP ${status}) to ${where}, which this node does not follow`;
	const fix =
		target.shown === undefined
			? `Check the ${label} in the 4SEE API credential with your Grote representative.`
			: target.downgrade
				? `Plain http would expose the API key and token: keep an https:// ${label} and check it with your Grote representative.`
				: `If ${target.shown} is the right address, enter it as the ${label} in the 4SEE API credential; otherwise check the URL with your Grote representative.`;
	return {
		message,
		description: `Redirects are refused so that the API key and session token only go to the addresses in the 4SEE API credential. ${fix}`,
	};
}
