/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The request scheduler on a virtual clock: bounded concurrency, round-robin between callers,
 * pacing learned from 429 (Retry-After in seconds, as an HTTP date, or absent) against a token
 * bucket like 4SEE's, and growing again while requests are accepted. No wall-clock timing.
 */
import {
	laneStats,
	resetScheduler,
	scheduled,
	useClock,
	type Feedback,
} from '../../../../nodes/FourSee/transport/scheduler';

/** Time that moves only when every pending promise is waiting on a timer. */
class VirtualClock {
	t = 1_000_000;
	private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
	private seq = 0;
	now = () => this.t;
	sleep = async (ms: number) =>
		await new Promise<void>((resolve) => {
			this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve });
		});

	/** Runs until `done` settles, advancing time to the next timer whenever nothing else can run. */
	async run<T>(done: Promise<T>): Promise<T> {
		let finished = false;
		const result = done.finally(() => {
			finished = true;
		});
		for (let guard = 0; !finished && guard < 1_000_000; guard++) {
			await new Promise((resolve) => setImmediate(resolve));
			if (finished) break;
			this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
			const next = this.timers.shift();
			if (next === undefined) continue;
			this.t = Math.max(this.t, next.at);
			next.resolve();
		}
		return await result;
	}
}

/** A 4SEE-like API: a token bucket (burst, refill per second) and a cap on requests in flight. */
class FakeApi {
	inFlight = 0;
	maxInFlight = 0;
	accepted = 0;
	refused = 0;
	private tokens: number;
	private last: number;
	constructor(
		private clock: VirtualClock,
		private opts: { burst: number; refill: number; concurrency: number; latencyMs: number; retryAfter: 'seconds' | 'date' | 'none' },
	) {
		this.tokens = opts.burst;
		this.last = clock.now();
	}

	async call(): Promise<Feedback> {
		const now = this.clock.now();
		this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.refill);
		this.last = now;
		if (this.inFlight >= this.opts.concurrency || this.tokens < 1) {
			this.refused++;
			await this.clock.sleep(5);
			const seconds = Math.max(1, Math.ceil((1 - this.tokens) / this.opts.refill));
			if (this.opts.retryAfter === 'none') return { kind: 'refused' };
			if (this.opts.retryAfter === 'seconds') return { kind: 'refused', retryAfterMs: seconds * 1000 };
			// An HTTP date has whole seconds: what is left of it when read.
			const at = Math.ceil((now + seconds * 1000) / 1000) * 1000;
			return { kind: 'refused', retryAfterMs: Math.max(0, at - this.clock.now()) };
		}
		this.tokens -= 1;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		await this.clock.sleep(this.opts.latencyMs);
		this.inFlight--;
		this.accepted++;
		return { kind: 'accepted' };
	}
}

const LANE = 'https://api.example.com';
let clock: VirtualClock;

beforeEach(() => {
	resetScheduler();
	clock = new VirtualClock();
	useClock(clock);
});
afterAll(() => useClock());

/** One request as the transport makes it: retried after a refusal, through the scheduler each time. */
async function request(api: FakeApi, caller: object, concurrency: number, log?: string[], name?: string): Promise<number> {
	for (let attempt = 1; ; attempt++) {
		const feedback = await scheduled({ lane: LANE, caller, concurrency }, async () => {
			if (attempt === 1 && name !== undefined) log?.push(name);
			return await api.call();
		}, (f) => f);
		if (feedback.kind === 'accepted') return attempt;
		if (attempt >= 50) throw new Error('refused 50 times');
		await clock.sleep(feedback.kind === 'refused' ? (feedback.retryAfterMs ?? 1000) : 1000);
	}
}

describe('concurrency', () => {
	test('never more requests in flight than the option allows, and the slots are used', async () => {
		const api = new FakeApi(clock, { burst: 1000, refill: 1000, concurrency: 100, latencyMs: 150, retryAfter: 'seconds' });
		const caller = {};
		const start = clock.now();
		await clock.run(Promise.all(Array.from({ length: 20 }, async () => await request(api, caller, 3))));
		expect(api.accepted).toBe(20);
		expect(api.maxInFlight).toBe(3);
		// ceil(20 / 3) rounds of 150 ms: the slots never sat idle.
		expect(clock.now() - start).toBe(7 * 150);
	});

	test('refusals for too many at once slow the lane to what the API allows', async () => {
		const api = new FakeApi(clock, { burst: 1000, refill: 1000, concurrency: 2, latencyMs: 100, retryAfter: 'seconds' });
		const caller = {};
		await clock.run(Promise.all(Array.from({ length: 60 }, async () => await request(api, caller, 6))));
		expect(api.accepted).toBe(60);
		// Learned: most requests got through the first time (unlearned, 4 of every 6 would be refused).
		expect(api.refused).toBeLessThan(20);
	});
});

describe('fair sharing', () => {
	test('a second caller is served in turn with a large one, not after it', async () => {
		const api = new FakeApi(clock, { burst: 1000, refill: 1000, concurrency: 100, latencyMs: 100, retryAfter: 'seconds' });
		const big = {};
		const small = {};
		const log: string[] = [];
		const all = [
			...Array.from({ length: 10 }, async (_, i) => await request(api, big, 1, log, `big${i}`)),
			...Array.from({ length: 2 }, async (_, i) => await request(api, small, 1, log, `small${i}`)),
		];
		await clock.run(Promise.all(all));
		expect(log.slice(0, 4)).toEqual(['big0', 'small0', 'big1', 'small1']);
		expect(log).toHaveLength(12);
	});

	test('a stopped execution stops waiting for a slot; the others go on', async () => {
		const api = new FakeApi(clock, { burst: 1000, refill: 1000, concurrency: 100, latencyMs: 100, retryAfter: 'seconds' });
		const controller = new AbortController();
		const first = request(api, {}, 1);
		const stopped = scheduled({ lane: LANE, caller: {}, concurrency: 1, signal: controller.signal }, async () => await api.call(), (f) => f);
		const third = request(api, {}, 1);
		controller.abort(new Error('stopped'));
		await expect(stopped).rejects.toThrow('stopped');
		await clock.run(Promise.all([first, third]));
		expect(api.accepted).toBe(2);
		expect(laneStats(LANE)?.waiting).toBe(0);
		expect(laneStats(LANE)?.inFlight).toBe(0);
	});
});

describe('pacing learned from 429', () => {
	test.each(['seconds', 'date', 'none'] as const)(
		'Retry-After as %s: near the plan rate, few refusals, nothing lost',
		async (retryAfter) => {
			const api = new FakeApi(clock, { burst: 20, refill: 10, concurrency: 8, latencyMs: 150, retryAfter });
			const caller = {};
			const n = 400;
			const start = clock.now();
			await clock.run(Promise.all(Array.from({ length: n }, async () => await request(api, caller, 4))));
			const seconds = (clock.now() - start) / 1000;
			const floor = Math.max((n - 20) / 10, (n * 0.15) / 8);
			expect(api.accepted).toBe(n);
			expect(seconds).toBeLessThan(floor * 1.2);
			// A storm would refuse about as many as it accepts.
			expect(api.refused).toBeLessThan(n * 0.1);
			expect(laneStats(LANE)?.refusals).toBe(api.refused);
		},
	);

	test('waits out Retry-After before starting anything on the lane', async () => {
		const caller = {};
		const starts: number[] = [];
		let first = true;
		const run = async () =>
			await scheduled({ lane: LANE, caller, concurrency: 1 }, async () => {
				starts.push(clock.now());
				if (first) {
					first = false;
					return { kind: 'refused', retryAfterMs: 3000 } as Feedback;
				}
				return { kind: 'accepted' } as Feedback;
			}, (f) => f);
		const t0 = clock.now();
		await clock.run(run());
		await clock.run(run());
		expect(starts[1] - t0).toBeGreaterThanOrEqual(3000);
	});

	test('without Retry-After the pause doubles with each refusal in a row', async () => {
		const caller = {};
		const starts: number[] = [];
		const refuse = async () =>
			await scheduled({ lane: LANE, caller, concurrency: 1 }, async () => {
				starts.push(clock.now());
				return { kind: 'refused' } as Feedback;
			}, (f) => f);
		for (let i = 0; i < 4; i++) await clock.run(refuse());
		const gaps = starts.slice(1).map((t, i) => t - starts[i]);
		expect(gaps[0]).toBeGreaterThanOrEqual(1000);
		expect(gaps[1]).toBeGreaterThanOrEqual(2000);
		expect(gaps[2]).toBeGreaterThanOrEqual(4000);
	});

	test('the learned pace grows again while the API accepts', async () => {
		const caller = {};
		let refuse = true;
		const once = async () =>
			await scheduled({ lane: LANE, caller, concurrency: 4 }, async () => {
				await clock.sleep(50);
				return (refuse ? { kind: 'refused', retryAfterMs: 0 } : { kind: 'accepted' }) as Feedback;
			}, (f) => f);
		await clock.run(Promise.all(Array.from({ length: 8 }, once)));
		const slowed = laneStats(LANE)?.rate ?? 0;
		expect(Number.isFinite(slowed)).toBe(true);
		refuse = false;
		await clock.run(Promise.all(Array.from({ length: 100 }, once)));
		expect(laneStats(LANE)?.rate).toBeGreaterThan(slowed + 1);
	});

	test('a request waits for the lane no longer than it may, then is sent (its own 429 says which setting to raise)', async () => {
		const caller = {};
		await clock.run(scheduled({ lane: LANE, caller }, async () => ({ kind: 'refused', retryAfterMs: 60_000 }) as Feedback, (f) => f));
		const t0 = clock.now();
		let sent = 0;
		await clock.run(
			scheduled({ lane: LANE, caller, maxWaitMs: 5_000 }, async () => {
				sent++;
				return { kind: 'accepted' } as Feedback;
			}, (f) => f),
		);
		expect(sent).toBe(1);
		expect(clock.now() - t0).toBe(5_000);
	});

	test('lanes are per API: a refusal by one does not slow another', async () => {
		await clock.run(scheduled({ lane: LANE, caller: {} }, async () => ({ kind: 'refused', retryAfterMs: 60_000 }) as Feedback, (f) => f));
		const t0 = clock.now();
		await clock.run(scheduled({ lane: 'https://other.example.com', caller: {} }, async () => ({ kind: 'accepted' }) as Feedback, (f) => f));
		expect(clock.now()).toBe(t0);
	});
});
