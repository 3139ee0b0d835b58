import { Sandbox, SandboxOptions, startSandbox } from '../../sandbox';

export interface Reply {
	status: number;
	headers: Headers;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

export async function request(
	url: string,
	path: string,
	init: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
	const headers: Record<string, string> = { ...(init.headers ?? {}) };
	if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
	const response = await fetch(url + path, { method: init.method ?? 'GET', headers });
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// leave as text
	}
	return { status: response.status, headers: response.headers, body };
}

export async function authenticate(url: string, apiKey: string): Promise<string> {
	const reply = await request(url, '/api/v1/customers/authenticate', { method: 'POST', headers: { 'X-API-KEY': apiKey } });
	if (reply.status !== 200) throw new Error(`authenticate -> ${reply.status}: ${JSON.stringify(reply.body)}`);
	return reply.body.token as string;
}

/** A sandbox and a token of its primary customer, for the duration of a describe block. */
export function useSandbox(options: SandboxOptions = {}) {
	const ctx = {} as { sandbox: Sandbox; url: string; token: string; get: (path: string, token?: string) => Promise<Reply> };
	beforeAll(async () => {
		ctx.sandbox = await startSandbox(options);
		ctx.url = ctx.sandbox.url;
		ctx.token = await authenticate(ctx.url, ctx.sandbox.apiKey);
		ctx.get = (path, token = ctx.token) => request(ctx.url, path, { token });
	});
	afterAll(async () => {
		await ctx.sandbox.close();
	});
	return ctx;
}

export function expectProblem(reply: Reply, status: number) {
	expect(reply.status).toBe(status);
	expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
	expect(reply.body).toEqual(
		expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }),
	);
	expect(reply.body.detail.length).toBeGreaterThan(20);
}

/** Follows `next` from `first` until the last page; returns every record and the number of pages. */
export async function collect(get: (path: string) => Promise<Reply>, base: string, take: number) {
	const records: Record<string, unknown>[] = [];
	const tokens: string[] = [];
	let next: string | null = null;
	let pages = 0;
	do {
		const sep = base.includes('?') ? '&' : '?';
		const reply = await get(`${base}${sep}take=${take}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
		expect(reply.status).toBe(200);
		records.push(...reply.body.data);
		next = reply.body.next ?? null;
		if (next) tokens.push(next);
		pages++;
		if (pages > 100_000) throw new Error('paging did not end');
	} while (next);
	return { records, pages, tokens };
}

/** A startSandbox whose sandboxes are closed after each test, also when the test fails. */
export function sandboxFactory() {
	const open: Sandbox[] = [];
	afterEach(async () => {
		await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
	});
	return async (options?: SandboxOptions) => {
		const sandbox = await startSandbox(options);
		open.push(sandbox);
		return sandbox;
	};
}
