/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { OTHER_CUSTOMER_API_KEY } from '../../sandbox';
import { advanceClock, configure, stats } from '../../sandbox/client';
import { authenticate, expectProblem, request, sandboxFactory } from './helpers';

const AUTH = '/api/v1/customers/authenticate';
const ROTATE = '/api/v1/customers/rotate';

function retryAfter(headers: Headers): number {
	const value = headers.get('retry-after');
	expect(value).toMatch(/^\d+$/);
	return Number(value);
}

describe('sandbox rate limits', () => {
	const startSandbox = sandboxFactory();

	it('token bucket per customer: burst, then 429 with Retry-After until it refills', async () => {
		const sandbox = await startSandbox({ burst: 5, refillPerSecond: 0.5 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const other = await authenticate(sandbox.url, OTHER_CUSTOMER_API_KEY);
		for (let i = 0; i < 5; i++) expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		const limited = await request(sandbox.url, '/api/v1/fleets', { token });
		expectProblem(limited, 429);
		expect(retryAfter(limited.headers)).toBe(2); // one token at 0.5 per second
		expect(limited.body.detail).toMatch(/bucket holds 5 requests/);
		// Other customers are isolated.
		expect((await request(sandbox.url, '/api/v1/fleets', { token: other })).status).toBe(200);
		await advanceClock(sandbox.url, 2);
		expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(429);
		expect((await stats(sandbox.url)).rateLimited).toBe(2);
		// Live change: a bigger bucket starts full.
		await configure(sandbox.url, { burst: 3, refillPerSecond: 100 });
		for (let i = 0; i < 3; i++) expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		await sandbox.close();
	});

	it('refills by real time too', async () => {
		const sandbox = await startSandbox({ burst: 1, refillPerSecond: 20 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		const limited = await request(sandbox.url, '/api/v1/fleets', { token });
		expect(limited.status).toBe(429);
		expect(retryAfter(limited.headers)).toBe(1); // never 0
		await new Promise((resolve) => setTimeout(resolve, 120));
		expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		await sandbox.close();
	});

	it('Retry-After as an HTTP date or left out, as the retryAfter setting says, for the rate and the concurrency limit', async () => {
		const sandbox = await startSandbox({ burst: 1, refillPerSecond: 0.25, concurrency: 1, latencyMs: 300, retryAfter: 'date' });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const [slow, crowded] = await Promise.all([
			request(sandbox.url, '/api/v1/fleets', { token }),
			new Promise((resolve) => setTimeout(resolve, 100)).then(() => request(sandbox.url, '/api/v1/fleets', { token })),
		]);
		expect(slow.status).toBe(200);
		expectProblem(crowded, 429);
		const limited = await request(sandbox.url, '/api/v1/fleets', { token });
		expectProblem(limited, 429);
		for (const refusal of [crowded, limited]) {
			const header = refusal.headers.get('retry-after') ?? '';
			expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
			// At least the wait the seconds form would name (1 s, 4 s), at most a second more.
			const aheadMs = Date.parse(header) - Date.now();
			expect(aheadMs).toBeGreaterThan(0);
			expect(aheadMs).toBeLessThanOrEqual((refusal === crowded ? 1 : 4) * 1000 + 1000);
		}
		expect(Date.parse(limited.headers.get('retry-after') ?? '') - Date.now()).toBeGreaterThan(2000);
		await configure(sandbox.url, { retryAfter: 'none' });
		const bare = await request(sandbox.url, '/api/v1/fleets', { token });
		expectProblem(bare, 429);
		expect(bare.headers.get('retry-after')).toBeNull();
		await expect(configure(sandbox.url, { retryAfter: 'soon' } as never)).rejects.toThrow(/retryAfter must be one of seconds, date, none/);
		await sandbox.close();
	});

	it('concurrency cap per customer: excess concurrent requests get 429; stats show the peak', async () => {
		const sandbox = await startSandbox({ concurrency: 2, latencyMs: 300 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const other = await authenticate(sandbox.url, OTHER_CUSTOMER_API_KEY);
		const replies = await Promise.all([
			...Array.from({ length: 5 }, () => request(sandbox.url, '/api/v1/fleets', { token })),
			request(sandbox.url, '/api/v1/fleets', { token: other }),
		]);
		const statuses = replies.map((r) => r.status);
		expect(statuses.slice(0, 5).filter((s) => s === 200)).toHaveLength(2);
		expect(statuses.slice(0, 5).filter((s) => s === 429)).toHaveLength(3);
		expect(statuses[5]).toBe(200);
		const limited = replies.find((r) => r.status === 429)!;
		expectProblem(limited, 429);
		expect(retryAfter(limited.headers)).toBeGreaterThanOrEqual(1);
		expect(limited.body.detail).toMatch(/at most 2 at a time/);
		const s = await stats(sandbox.url);
		expect(s.maxConcurrency).toBeGreaterThanOrEqual(3); // two running plus the ones being refused
		expect(s.maxConcurrencyByCustomer['cust-0001']).toBe(2);
		expect(s.rateLimited).toBe(3);
		// Once they finish, slots are free again.
		expect((await request(sandbox.url, '/api/v1/fleets', { token })).status).toBe(200);
		await sandbox.close();
	});

	it('authenticate: 10 per 5 minutes per customer, then 429 with Retry-After', async () => {
		const sandbox = await startSandbox();
		const auth = (key: string) => request(sandbox.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': key } });
		for (let i = 0; i < 10; i++) expect((await auth(sandbox.apiKey)).status).toBe(200);
		const limited = await auth(sandbox.apiKey);
		expectProblem(limited, 429);
		const wait = retryAfter(limited.headers);
		expect(wait).toBeGreaterThan(290);
		expect(wait).toBeLessThanOrEqual(300);
		expect(limited.body.detail).toMatch(/10 per 300 s/);
		expect((await auth(OTHER_CUSTOMER_API_KEY)).status).toBe(200);
		await advanceClock(sandbox.url, wait);
		expect((await auth(sandbox.apiKey)).status).toBe(200);
		const s = await stats(sandbox.url);
		expect(s.authCalls).toBe(13);
		expect(s.rateLimited).toBe(1);
		await sandbox.close();
	});

	it('authenticate limit is configurable', async () => {
		const sandbox = await startSandbox({ authLimit: { requests: 2, perSeconds: 60 } });
		const auth = () => request(sandbox.url, AUTH, { method: 'POST', headers: { 'X-API-KEY': sandbox.apiKey } });
		expect((await auth()).status).toBe(200);
		expect((await auth()).status).toBe(200);
		expect((await auth()).status).toBe(429);
		await configure(sandbox.url, { authLimit: { requests: 3, perSeconds: 60 } });
		expect((await auth()).status).toBe(200);
		await sandbox.close();
	});

	it('rotate: 3 per hour, then 429 with Retry-After; the current key keeps working', async () => {
		const sandbox = await startSandbox({ tokenTtlSeconds: 7200 });
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		for (let i = 0; i < 3; i++) expect((await request(sandbox.url, ROTATE, { method: 'PUT', token })).status).toBe(200);
		const key = sandbox.apiKey;
		const limited = await request(sandbox.url, ROTATE, { method: 'PUT', token });
		expectProblem(limited, 429);
		const wait = retryAfter(limited.headers);
		expect(wait).toBeGreaterThan(3500);
		expect(wait).toBeLessThanOrEqual(3600);
		expect(sandbox.apiKey).toBe(key);
		await authenticate(sandbox.url, key);
		await advanceClock(sandbox.url, 3600);
		expect((await request(sandbox.url, ROTATE, { method: 'PUT', token })).status).toBe(200);
		await sandbox.close();
	});
});
