/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Reads the sandbox's API directly (not through n8n), to know what each operation must output.
 * Its own logins count in the sandbox's statistics; tests that count n8n's compare before and
 * after their own steps only.
 */
export class SandboxReader {
	private token = '';

	constructor(
		private readonly url: string,
		private readonly apiKey: string,
	) {}

	async login(): Promise<void> {
		const send = () => fetch(`${this.url}/api/v1/customers/authenticate`, { method: 'POST', headers: { 'X-API-KEY': this.apiKey } });
		let response = await send();
		// The auth endpoint allows 10 logins in 5 minutes per key, shared with the n8n under test:
		// the reader waits its turn as the node does, rather than failing the test that reads.
		for (let waited = 0; response.status === 429 && waited < 300_000; ) {
			const seconds = Number(response.headers.get('retry-after') ?? '5');
			const ms = Math.min(60_000, Math.max(1000, (Number.isFinite(seconds) ? seconds : 5) * 1000));
			await new Promise((resolve) => setTimeout(resolve, ms));
			waited += ms;
			response = await send();
		}
		if (!response.ok) throw new Error(`sandbox login: ${response.status}`);
		const body = (await response.json()) as { token?: string };
		if (!body.token) throw new Error('sandbox login answered without a token');
		this.token = body.token;
	}

	async get(path: string, query: Record<string, string> = {}): Promise<unknown> {
		const qs = new URLSearchParams(query).toString();
		const send = () =>
			fetch(`${this.url}${path}${qs ? `?${qs}` : ''}`, { headers: { Authorization: `Bearer ${this.token}` } });
		let response = await send();
		if (response.status === 401) {
			// Tests revoke every token (to watch n8n refresh its own); log in again.
			await this.login();
			response = await send();
		}
		if (!response.ok) throw new Error(`sandbox GET ${path}: ${response.status} ${await response.text()}`);
		return response.json();
	}

	/** One record: the body itself, or the one object it wraps. */
	async record(path: string): Promise<Record<string, unknown>> {
		const body = (await this.get(path)) as Record<string, unknown>;
		const keys = Object.keys(body);
		if (keys.length === 1 && typeof body[keys[0]] === 'object' && !Array.isArray(body[keys[0]])) {
			return body[keys[0]] as Record<string, unknown>;
		}
		return body;
	}

	/** Every record of a cursor-paged collection, following `next`. */
	async all(path: string, query: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
		const records: Record<string, unknown>[] = [];
		let next: string | undefined;
		for (let page = 0; page < 10_000; page++) {
			const body = (await this.get(path, { ...query, take: '500', ...(next ? { next } : {}) })) as {
				data: Record<string, unknown>[];
				next?: string | null;
			};
			records.push(...body.data);
			if (!body.next) return records;
			next = body.next;
		}
		throw new Error(`paging ${path} did not end`);
	}
}
