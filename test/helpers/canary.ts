/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The secrets canary: a recognisable API key that every test run gives the sandbox, and a
 * scanner for what a user could ever see (node output items, error messages with their
 * description, context and cause, log lines, the trigger's static data). If the key or any JWT
 * shows up there, in any case, URL-encoded or base64-encoded, a secret leaked: the check in test/secrets/canary.setup.ts fails the test file that let it out.
 *
 * Only the key and tokens are secrets. A key the sandbox hands out on rotation is not scanned
 * for: the Rotate operation's output must carry it, by design.
 */

/** Used as the sandbox's primary customer key in every test run; never valid anywhere real. */
export const CANARY_API_KEY = '4see-canary-key-DO-NOT-LEAK-7f3a9c51e2';

/**
 * Any JWT, issued by the sandbox or faked by a unit test: header and payload are base64url JSON
 * objects (so they start with "eyJ"), then a signature.
 */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

export interface Finding {
	/** Where it was seen, e.g. "output of node 4SEE" or "console.warn". */
	where: string;
	/** What leaked, described without repeating the secret. */
	what: string;
	/** The text around it with the secret masked, to find the culprit. */
	excerpt: string;
}

/**
 * The forms a secret takes when a server quotes it back in another shape: any case, URL-encoded,
 * and base64 or base64url at each byte alignment inside a longer encoded text (only the
 * characters that depend on the secret alone). Matched case-insensitively except base64.
 */
export function secretForms(secret: string): { anyCase: string[]; exact: string[] } {
	const cached = formsCache.get(secret);
	if (cached !== undefined) return cached;
	const anyCase = [...new Set([secret, encodeURIComponent(secret)])];
	const exact = new Set<string>();
	const bytes = Buffer.from(secret, 'utf8');
	for (let pad = 0; pad < 3; pad++) {
		const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64').replace(/=+$/, '');
		const core = encoded.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
		if (core.length >= 8) {
			exact.add(core);
			exact.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	const forms = { anyCase, exact: [...exact] };
	formsCache.set(secret, forms);
	return forms;
}
/** Forms are asked for once per scanned text and secret: computed once per secret. */
const formsCache = new Map<string, { anyCase: string[]; exact: string[] }>();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where in `text` a form of `secret` appears, and which form, or undefined. */
export function findSecret(text: string, secret: string): { at: number; length: number; form: string } | undefined {
	const { anyCase, exact } = secretForms(secret);
	const lower = text.toLowerCase();
	for (const form of anyCase) {
		const at = lower.indexOf(form.toLowerCase());
		if (at >= 0) return { at, length: form.length, form: form === secret ? 'as is or in another case' : 'URL-encoded' };
	}
	for (const form of exact) {
		const at = text.indexOf(form);
		if (at >= 0) return { at, length: form.length, form: 'base64-encoded' };
	}
	return undefined;
}

function mask(text: string, secret: string): string {
	const found = findSecret(text, secret);
	if (found !== undefined && text.indexOf(secret) < 0) {
		const from = Math.max(0, found.at - 60);
		return `${text.slice(from, found.at)}<SECRET ${found.form}>${text.slice(found.at + found.length, found.at + found.length + 60)}`;
	}
	const at = text.indexOf(secret);
	const from = Math.max(0, at - 60);
	return text.slice(from, at + secret.length + 60).split(secret).join('<SECRET>');
}

/**
 * Every string reachable from a value: object keys and values, array items, and an Error's own
 * properties (message, description, context, cause, httpCode, stack...) including the
 * non-enumerable ones, through cycles.
 */
export function stringsOf(value: unknown, limit = 200_000): string[] {
	const out: string[] = [];
	const seen = new Set<unknown>();
	const visit = (item: unknown, depth: number) => {
		if (out.length >= limit || depth > 40) return;
		if (typeof item === 'string') {
			out.push(item);
			return;
		}
		if (item === null || typeof item !== 'object') {
			if (typeof item === 'function') return;
			if (item !== undefined) out.push(String(item));
			return;
		}
		if (seen.has(item)) return;
		seen.add(item);
		if (Buffer.isBuffer(item) || item instanceof Uint8Array) {
			out.push(Buffer.from(item).toString('utf8'));
			return;
		}
		if (item instanceof Map) {
			for (const [k, v] of item) {
				visit(k, depth + 1);
				visit(v, depth + 1);
			}
			return;
		}
		if (item instanceof Set) {
			for (const v of item) visit(v, depth + 1);
			return;
		}
		const keys = item instanceof Error ? Object.getOwnPropertyNames(item) : Object.keys(item);
		if (item instanceof Error && !keys.includes('cause') && 'cause' in item) keys.push('cause');
		for (const key of keys) {
			out.push(key);
			let child: unknown;
			try {
				child = (item as Record<string, unknown>)[key];
			} catch {
				continue;
			}
			visit(child, depth + 1);
		}
	};
	visit(value, 0);
	return out;
}

/** Collects secrets as they come into being and findings as they are seen. */
export class SecretScanner {
	private readonly keys = new Set<string>([CANARY_API_KEY]);
	private readonly tokens = new Set<string>();
	readonly findings: Finding[] = [];
	/** How many values were looked at: a check that looked at nothing proves nothing. */
	scanned = 0;

	/**
	 * One pass over a text for every form of every secret (and any JWT); the per-secret search
	 * that says which one and how runs only on a hit. Without it a run that logs in hundreds of
	 * times scanned each string of the trigger's state once per token and form, for minutes.
	 */
	private prefilter: { anyCase: RegExp; exact: RegExp } | undefined;

	/** A key that must never be seen (the canary is always one). */
	addKey(key: string): void {
		if (key.length >= 8 && !this.keys.has(key)) {
			this.keys.add(key);
			this.prefilter = undefined;
		}
	}

	/** A token the sandbox issued; its signature alone counts as a leak too. */
	addToken(token: string): void {
		if (!this.tokens.has(token)) {
			this.tokens.add(token);
			this.prefilter = undefined;
		}
	}

	private mayHoldSecret(text: string): boolean {
		if (this.prefilter === undefined) {
			const anyCase = new Set<string>();
			const exact = new Set<string>();
			for (const secret of [...this.keys, ...this.tokens]) {
				const forms = secretForms(secret);
				for (const form of forms.anyCase) anyCase.add(escapeRegExp(form));
				for (const form of forms.exact) exact.add(escapeRegExp(form));
			}
			for (const token of this.tokens) {
				const signature = token.slice(token.lastIndexOf('.') + 1);
				if (signature.length >= 8) exact.add(escapeRegExp(signature));
			}
			const never = '(?!)';
			this.prefilter = {
				anyCase: new RegExp([...anyCase].join('|') || never, 'i'),
				exact: new RegExp([...exact].join('|') || never),
			};
		}
		return this.prefilter.anyCase.test(text) || this.prefilter.exact.test(text) || JWT_PATTERN.test(text);
	}

	get tokenCount(): number {
		return this.tokens.size;
	}

	/** Looks for every known secret in a value; returns the new findings. */
	scan(where: string, value: unknown): Finding[] {
		this.scanned++;
		const found: Finding[] = [];
		for (const text of stringsOf(value)) found.push(...this.scanText(where, text));
		this.findings.push(...found);
		return found;
	}

	private scanText(where: string, text: string): Finding[] {
		if (text.length < 8 || !this.mayHoldSecret(text)) return [];
		const found: Finding[] = [];
		for (const key of this.keys) {
			const form = findSecret(text, key);
			if (form !== undefined) {
				const how = text.includes(key) ? '' : ` (${form.form})`;
				found.push({ where, what: `${key === CANARY_API_KEY ? 'the canary API key' : 'an API key'}${how}`, excerpt: mask(text, key) });
			}
		}
		for (const token of this.tokens) {
			const signature = token.slice(token.lastIndexOf('.') + 1);
			const form = findSecret(text, token);
			if (form !== undefined) {
				const how = text.includes(token) ? '' : ` (${form.form})`;
				found.push({ where, what: `a JWT the sandbox issued${how}`, excerpt: mask(text, token) });
			}
			else if (text.includes(signature)) {
				found.push({ where, what: 'the signature of a JWT the sandbox issued', excerpt: mask(text, signature) });
			}
		}
		if (found.length === 0) {
			const match = JWT_PATTERN.exec(text);
			if (match) found.push({ where, what: 'a JWT', excerpt: mask(text, match[0]) });
		}
		return found;
	}

	/** A readable report of the findings, secrets masked. */
	report(): string {
		return this.findings.map((f) => `- ${f.what} in ${f.where}: …${f.excerpt}…`).join('\n');
	}

	clear(): void {
		this.findings.length = 0;
	}
}

/**
 * One scanner per test file, kept on the global object so that the setup file and the test file
 * share it even if a test resets jest's module registry.
 */
const holder = globalThis as { __fourSeeSecretScanner?: SecretScanner };
export const scanner: SecretScanner = (holder.__fourSeeSecretScanner ??= new SecretScanner());
