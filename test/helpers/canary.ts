/**
 * The secrets canary: a recognisable API key that every test run gives the sandbox, and a
 * scanner for what a user could ever see (node output items, error messages with their
 * description, context and cause, log lines). If the key or any JWT shows up there, a secret
 * leaked: the check in test/secrets/canary.setup.ts fails the test file that let it out.
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

function mask(text: string, secret: string): string {
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

	/** A key that must never be seen (the canary is always one). */
	addKey(key: string): void {
		if (key.length >= 8) this.keys.add(key);
	}

	/** A token the sandbox issued; its signature alone counts as a leak too. */
	addToken(token: string): void {
		this.tokens.add(token);
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
		if (text.length < 8) return [];
		const found: Finding[] = [];
		for (const key of this.keys) {
			if (text.includes(key)) {
				found.push({ where, what: key === CANARY_API_KEY ? 'the canary API key' : 'an API key', excerpt: mask(text, key) });
			}
		}
		for (const token of this.tokens) {
			const signature = token.slice(token.lastIndexOf('.') + 1);
			if (text.includes(token)) found.push({ where, what: 'a JWT the sandbox issued', excerpt: mask(text, token) });
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
