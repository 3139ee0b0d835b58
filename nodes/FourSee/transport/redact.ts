/**
 * The one redaction of this package. Every text a server sends (a problem's detail, title or
 * field errors, a record's strings, a login answer) passes through here before it reaches an
 * error message, an item, a log line or the trigger's stored state. A hostile or buggy server
 * may quote the request back, so what it says can hold the API key or the session token, raw
 * or encoded; a server may also send megabytes where a sentence was expected.
 *
 * Removed: every key and token this process has handled (registered by the credential and the
 * transport as they read them), raw, URL-encoded, JSON-escaped or in any case, and in base64 or
 * base64url at any alignment; and, in texts that become messages, log lines or stored errors,
 * also anything after `Bearer`, anything shaped like a JWT and the value of an `X-API-KEY`
 * header quoted as text (data keeps those: a page token may look like a JWT).
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** The longest server text quoted in a message, an item's error or stored state. */
export const MAX_QUOTED = 300;

/** Secrets shorter than this are not secrets worth matching (and would match everywhere). */
const MIN_SECRET_LENGTH = 8;
/** The process keeps the most recent secrets only: a long-running n8n sees a token per half hour. */
const MAX_SECRETS = 64;

const secrets: string[] = [];
interface Patterns {
	anyCase: RegExp;
	exact: RegExp;
	longest: number;
	/** The same forms as plain strings, for the quick test (lower case for the any-case ones). */
	lowerForms: string[];
	exactForms: string[];
}

let patterns: Patterns | undefined;

/** Remembers a key or token this process holds, so that no server text can bring it back. */
export function rememberSecret(value: unknown): void {
	if (typeof value !== 'string') return;
	const secret = value.trim();
	if (secret.length < MIN_SECRET_LENGTH || secrets.includes(secret)) return;
	secrets.push(secret);
	if (secrets.length > MAX_SECRETS) secrets.shift();
	patterns = undefined;
}

/** Forgets every remembered secret (tests). */
export function forgetSecrets(): void {
	secrets.length = 0;
	patterns = undefined;
}

const GENERIC: Array<[RegExp, string]> = [
	// A JWT: base64url JSON header (`eyJ`), payload, signature (possibly cut off).
	[/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g, REDACTED],
	// An Authorization value quoted back, whatever the token looks like.
	[/\b(Bearer)(\s+|%20|\+)[^\s"'<>,;]+/gi, `$1 ${REDACTED}`],
	// The login header quoted back (`X-API-KEY: ...`, `"x-api-key":"..."`).
	[/(x-api-key["']?\s*[:=]\s*["']?)[^\s"'<>,;}]+/gi, `$1${REDACTED}`],
];

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function utf8Binary(text: string): string {
	return Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join('');
}

/**
 * The base64 forms of a secret as it appears inside a longer encoded text: at each of the three
 * byte alignments, the characters that depend on the secret's bytes alone.
 */
function base64Forms(secret: string): string[] {
	const binary = utf8Binary(secret);
	const forms: string[] = [];
	for (let pad = 0; pad < 3; pad++) {
		const encoded = btoa('\0'.repeat(pad) + binary).replace(/=+$/, '');
		const from = Math.ceil((8 * pad) / 6);
		const to = Math.floor((8 * (pad + binary.length)) / 6);
		const core = encoded.slice(from, to);
		if (core.length >= MIN_SECRET_LENGTH) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
	}
	return forms;
}

function compiled(): Patterns | undefined {
	if (secrets.length === 0) return undefined;
	if (patterns !== undefined) return patterns;
	const plain = new Set<string>();
	const encoded = new Set<string>();
	for (const secret of secrets) {
		plain.add(secret);
		plain.add(encodeURIComponent(secret));
		plain.add(JSON.stringify(secret).slice(1, -1));
		for (const form of base64Forms(secret)) encoded.add(form);
	}
	const alternatives = (set: Set<string>) =>
		[...set]
			.sort((a, b) => b.length - a.length)
			.map(escapeRegExp)
			.join('|');
	const all = [...plain, ...encoded];
	patterns = {
		anyCase: new RegExp(alternatives(plain), 'gi'),
		exact: new RegExp(alternatives(encoded), 'g'),
		longest: Math.max(...all.map((s) => s.length)),
		lowerForms: [...new Set([...plain].map((form) => form.toLowerCase()))],
		exactForms: [...encoded],
	};
	return patterns;
}

/**
 * A server's text made safe to show and store: secrets removed, then cut to `max` characters.
 * Only the start of a huge text is looked at, with room for a secret that crosses the cut.
 */
export function redact(value: unknown, max = MAX_QUOTED): string {
	let text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	const known = compiled();
	const window = max + 3 * (known?.longest ?? 0) + 64;
	const cut = text.length > max;
	if (text.length > window) text = text.slice(0, window);
	if (known !== undefined) {
		text = text.replace(known.anyCase, REDACTED).replace(known.exact, REDACTED);
	}
	for (const [pattern, replacement] of GENERIC) text = text.replace(pattern, replacement);
	if (cut || text.length > max) text = `${text.slice(0, max)}…`;
	return text;
}

/**
 * Whether a text holds a key or token this process handled (a cheap test before a deep walk):
 * plain substring searches, about three times quicker than the case-blind regular expression
 * on a page of records, and every page of every request passes through here.
 */
function holdsKnownSecret(text: string): boolean {
	const known = compiled();
	if (known === undefined) return false;
	if (known.exactForms.some((form) => text.includes(form))) return true;
	const lower = text.toLowerCase();
	return known.lowerForms.some((form) => lower.includes(form));
}

/** Only the keys and tokens this process handled, replaced: for data, not messages. */
function withoutKnownSecrets(text: string): string {
	const known = compiled();
	if (known === undefined) return text;
	return text.replace(known.anyCase, REDACTED).replace(known.exact, REDACTED);
}

/**
 * A server's JSON answer with every key and token this process handled removed from its strings
 * (values and keys); the answer itself when none is there, which is the normal case and costs
 * one scan of its JSON text. Records are data, not messages: their lengths are left alone, and
 * so are strings that merely look like a JWT (4SEE's own page tokens may, and must stay intact).
 *
 * `sentText` is the JSON as the server sent it, when the caller has it: scanned instead of the
 * answer serialised again, unless it holds an escape (a backslash: `\u0065`, `\/`), which could
 * spell a secret that the text does not show as such.
 */
export function redactBody<T>(body: T, sentText?: string): T {
	if (body === undefined || body === null) return body;
	if (typeof body === 'string') return (holdsKnownSecret(body) ? withoutKnownSecrets(body) : body) as T;
	if (typeof body !== 'object') return body;
	let text: string;
	if (sentText !== undefined && !sentText.includes('\\')) text = sentText;
	else {
		try {
			text = JSON.stringify(body);
		} catch {
			return body;
		}
	}
	if (!holdsKnownSecret(text)) return body;
	return walk(body) as T;
}

function walk(value: unknown): unknown {
	if (typeof value === 'string') return holdsKnownSecret(value) ? withoutKnownSecrets(value) : value;
	if (Array.isArray(value)) return value.map(walk);
	if (value === null || typeof value !== 'object') return value;
	const out: Record<string, unknown> = {};
	for (const [key, child] of Object.entries(value)) {
		const safeKey = holdsKnownSecret(key) ? withoutKnownSecrets(key) : key;
		Object.defineProperty(out, safeKey, { value: walk(child), writable: true, enumerable: true, configurable: true });
	}
	return out;
}
