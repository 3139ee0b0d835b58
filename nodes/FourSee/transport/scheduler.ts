/**
 * One request scheduler for every request this package makes in a process, per Integration API
 * (by base URL): 4SEE limits a customer's requests in flight and refills its bucket every second,
 * so requests of every execution against the same API share one lane.
 *
 * - Bounded concurrency: at most `concurrency` requests (the caller's option) in flight, and
 *   fewer after 4SEE refused requests for running too many at once (learned, see below).
 * - Pacing: no pacing until 4SEE first answers 429. Then the lane waits out its Retry-After
 *   (seconds, an HTTP date, or, when absent, a doubling backoff) before starting anything, and
 *   from then on starts requests no faster than a learned rate: the rate the lane was achieving
 *   when it was refused, less a margin, growing again by 10 % a second (so it approaches the
 *   plan's sustainable rate without provoking storms, and recovers after a passing refusal
 *   whatever the traffic) and cut again on the next refusal.
 * - Fair sharing: waiting requests queue per caller (an execution, a poll) and are started in
 *   round-robin between callers, so one large execution cannot starve a small one.
 *
 * The state lives in module scope, like the learned page size (take.ts): it is what this process
 * knows about each API. Waiting uses n8n's `sleep`; the clock and sleep can be replaced in tests.
 */
import { sleep } from 'n8n-workflow';

/** The concurrency a node uses when its option is not set: safely below any plan we know of. */
export const DEFAULT_CONCURRENCY = 4;
/** The most requests in flight any option may ask for. */
export const MAX_CONCURRENCY = 32;

/** Slowest pace the lane slows down to after refusals (requests per second). */
const MIN_RATE = 0.2;
/** Share of the rate achieved when refused that the lane slows down to. */
const CUT = 0.85;
/** After a cut, the pace grows by this share a second (whatever the traffic) until the next refusal. */
const GROWTH_PER_SECOND = 0.1;
/** A pace grown this far no longer limits anything: the lane is unpaced again. */
const UNPACED_RATE = 1000;
/** Starts in the window below which the achieved rate says nothing (a refusal is then only waited out). */
const MIN_SAMPLES = 4;
/** Waits when 4SEE refuses without Retry-After: the first, doubled per refusal in a row, capped. */
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30_000;
/** Accepted requests in a row after which a concurrency lowered by refusals grows by one. */
const SUCCESSES_PER_SLOT = 20;
/** Starts remembered to measure the rate the lane achieves. */
const STARTS_REMEMBERED = 64;
/** The window the achieved rate is measured over. */
const RATE_WINDOW_MS = 2000;

/** What a request's answer tells the scheduler. */
export type Feedback =
	| { kind: 'accepted' }
	/** 429: `retryAfterMs` as the server named it (0 for a date in the past), undefined when absent. */
	| { kind: 'refused'; retryAfterMs?: number }
	/** Anything else (an error of this request, not of the lane's pace). */
	| { kind: 'other' };

export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

/** When each caller was last given a slot (a sequence number), for taking turns. */
const lastServed = new WeakMap<object, number>();
let served = 0;

const realClock: Clock = { now: () => Date.now(), sleep: async (ms) => await sleep(ms) };
let clock: Clock = realClock;

interface Waiter {
	limit: number;
	grant: () => void;
	cancel: (error: unknown) => void;
}

/** What the lane has learned and is doing; read by tests and the bench. */
export interface LaneStats {
	inFlight: number;
	waiting: number;
	/** Learned limit on requests in flight (Infinity until a refusal). */
	concurrencyCap: number;
	/** Learned pace in requests per second (Infinity until a refusal). */
	rate: number;
	refusals: number;
	started: number;
}

class Lane {
	inFlight = 0;
	cap = Number.POSITIVE_INFINITY;
	/** The pace set at the last cut; the pace in force grows from it (see pace()). */
	cutRate = Number.POSITIVE_INFINITY;
	nextStartAt = 0;
	pausedUntil = 0;
	refusalsInRow = 0;
	successesSinceSlot = 0;
	/** When the lane last slowed down: refusals of requests started before it are the same storm. */
	lastCutAt = Number.NEGATIVE_INFINITY;
	refusals = 0;
	started = 0;
	/** Start times of recent requests, for the achieved rate. */
	readonly starts: number[] = [];
	/** Waiting requests per caller. */
	readonly queues = new Map<object, Waiter[]>();

	waiting(): number {
		let n = 0;
		for (const queue of this.queues.values()) n += queue.length;
		return n;
	}

	fits(limit: number): boolean {
		return this.inFlight < Math.min(limit, this.cap);
	}

	/**
	 * Grants free slots to waiters: each to the waiting caller served least recently, so callers
	 * take turns whatever the size of their queues.
	 */
	dispatch(): void {
		for (;;) {
			let chosen: object | undefined;
			for (const [caller, queue] of this.queues) {
				if (!this.fits(queue[0].limit)) continue;
				if (chosen === undefined || (lastServed.get(caller) ?? -1) < (lastServed.get(chosen) ?? -1)) chosen = caller;
			}
			if (chosen === undefined) return;
			const queue = this.queues.get(chosen) as Waiter[];
			const head = queue.shift() as Waiter;
			if (queue.length === 0) this.queues.delete(chosen);
			this.inFlight++;
			lastServed.set(chosen, ++served);
			head.grant();
		}
	}

	async acquire(caller: object, limit: number, signal?: AbortSignal): Promise<void> {
		if (this.waiting() === 0 && this.fits(limit)) {
			this.inFlight++;
			lastServed.set(caller, ++served);
			return;
		}
		await new Promise<void>((resolve, reject) => {
			const waiter: Waiter = { limit, grant: resolve, cancel: reject };
			let queue = this.queues.get(caller);
			if (queue === undefined) {
				queue = [];
				this.queues.set(caller, queue);
			}
			queue.push(waiter);
			signal?.addEventListener(
				'abort',
				() => {
					const list = this.queues.get(caller);
					const at = list?.indexOf(waiter) ?? -1;
					if (list === undefined || at < 0) return;
					list.splice(at, 1);
					if (list.length === 0) this.queues.delete(caller);
					reject(signal.reason ?? new Error('aborted'));
				},
				{ once: true },
			);
			// Slots may be free for this waiter although others wait for a larger share.
			this.dispatch();
		});
	}

	release(): void {
		this.inFlight--;
		this.dispatch();
	}

	/** The pace in force (requests per second): the cut one, grown since. */
	pace(now: number): number {
		if (!Number.isFinite(this.cutRate)) return Number.POSITIVE_INFINITY;
		const grown = this.cutRate * (1 + GROWTH_PER_SECOND) ** (Math.max(0, now - this.lastCutAt) / 1000);
		if (grown < UNPACED_RATE) return grown;
		this.cutRate = Number.POSITIVE_INFINITY;
		return this.cutRate;
	}

	/** Reserves the next start time under the learned pace; the caller waits until then. */
	reserveStart(now: number): number {
		const at = Math.max(now, this.nextStartAt, this.pausedUntil);
		const pace = this.pace(at);
		if (Number.isFinite(pace)) this.nextStartAt = at + 1000 / pace;
		return at;
	}

	noteStart(at: number): void {
		this.started++;
		this.starts.push(at);
		if (this.starts.length > STARTS_REMEMBERED) this.starts.shift();
	}

	/** Requests per second started since the last pause ended, over the last window. */
	achievedRate(now: number): number {
		const since = Math.max(now - RATE_WINDOW_MS, this.lastCutAt);
		const recent = this.starts.filter((t) => t >= since);
		// Too few requests to tell a pace: a refusal of one request alone is waited out, not paced.
		if (recent.length < MIN_SAMPLES) return Number.POSITIVE_INFINITY;
		const span = Math.max(now - recent[0], 1000 / recent.length);
		return (recent.length * 1000) / span;
	}

	learn(feedback: Feedback, now: number, startedAt: number, inFlightAtStart: number): void {
		const sameStorm = startedAt < this.lastCutAt;
		if (feedback.kind === 'accepted') {
			if (sameStorm) return;
			this.refusalsInRow = 0;
			if (Number.isFinite(this.cap) && ++this.successesSinceSlot >= SUCCESSES_PER_SLOT) {
				this.cap++;
				this.successesSinceSlot = 0;
			}
			return;
		}
		if (feedback.kind !== 'refused') return;
		this.refusals++;
		const pauseMs = (retryAfterMs: number | undefined): number =>
			retryAfterMs ?? Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.max(0, this.refusalsInRow - 1));
		if (sameStorm) {
			// Sent before the lane slowed down: it says nothing new about the pace, only when to resume.
			this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs(feedback.retryAfterMs));
			this.nextStartAt = Math.max(this.nextStartAt, this.pausedUntil);
			return;
		}
		this.refusalsInRow++;
		this.successesSinceSlot = 0;
		// A request refused while it ran alone is only waited out: one request at a time cannot
		// storm, and pacing a lone caller by a passing refusal would slow it for nothing.
		const achieved = inFlightAtStart > 1 || this.waiting() > 0 ? this.achievedRate(now) : Number.POSITIVE_INFINITY;
		const cut = Math.min(this.pace(now), achieved) * CUT;
		this.cutRate = Number.isFinite(cut) ? Math.max(MIN_RATE, cut) : cut;
		// Refused again although the lane had slowed down and nothing got through since: the plan
		// allows fewer requests at once than we ran (or other systems use them).
		if (this.refusalsInRow >= 2) this.cap = Math.max(1, Math.min(this.cap, inFlightAtStart - 1));
		this.lastCutAt = now;
		this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs(feedback.retryAfterMs));
		this.nextStartAt = Math.max(this.nextStartAt, this.pausedUntil);
	}
}

const lanes = new Map<string, Lane>();

function laneOf(key: string): Lane {
	let lane = lanes.get(key);
	if (lane === undefined) {
		lane = new Lane();
		lanes.set(key, lane);
	}
	return lane;
}

export function normaliseConcurrency(value: unknown): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n < 1) return DEFAULT_CONCURRENCY;
	return Math.min(MAX_CONCURRENCY, Math.floor(n));
}

/** Concurrency a caller set for all its requests (the action node's Concurrent Requests). */
const callerConcurrency = new WeakMap<object, number>();

/** Sets how many requests `caller` lets run at once when a request does not say (see ScheduleOptions.concurrency). */
export function setCallerConcurrency(caller: object, concurrency: number): void {
	callerConcurrency.set(caller, normaliseConcurrency(concurrency));
}

export interface ScheduleOptions {
	/** The API the request goes to: requests to one API share a lane. */
	lane: string;
	/** Who asks (an execution, a poll): waiting requests are served round-robin between callers. */
	caller: object;
	/** Most requests in flight this caller allows on the lane (its node option). */
	concurrency?: number;
	/** A stopped execution stops waiting. */
	signal?: AbortSignal;
	/**
	 * Longest this request may wait for the lane's pause or pace (what is left of its retry
	 * budget, or of the poll's time): it is sent then, whatever the lane waits for.
	 */
	maxWaitMs?: number;
}

/**
 * Runs `send` when the lane has a slot and its pace allows, and learns from what `feedbackOf`
 * says about the answer. Every attempt of a request (retries too) goes through here.
 */
export async function scheduled<T>(
	options: ScheduleOptions,
	send: () => Promise<T>,
	feedbackOf: (result: T) => Feedback,
): Promise<T> {
	const lane = laneOf(options.lane);
	const limit = normaliseConcurrency(options.concurrency ?? callerConcurrency.get(options.caller) ?? DEFAULT_CONCURRENCY);
	await lane.acquire(options.caller, limit, options.signal);
	try {
		const deadline = options.maxWaitMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + Math.max(0, options.maxWaitMs);
		// A refusal of another request while this one waited moves its start later: look again.
		for (let at = lane.reserveStart(clock.now()); at > clock.now(); ) {
			const now = clock.now();
			// Never longer than this request may wait: it is then sent, and a 429 of its own ends it
			// with the error that says which setting to raise, as without the scheduler.
			if (at > deadline) at = deadline;
			await clock.sleep(at - now);
			if (options.signal?.aborted === true) throw options.signal.reason ?? new Error('aborted');
			if (lane.pausedUntil > clock.now() && clock.now() < deadline) at = lane.reserveStart(clock.now());
		}
		const inFlight = lane.inFlight;
		const startedAt = clock.now();
		lane.noteStart(startedAt);
		const result = await send();
		lane.learn(feedbackOf(result), clock.now(), startedAt, inFlight);
		return result;
	} finally {
		lane.release();
	}
}

/** What the lane of `key` has learned (undefined when no request went there). */
export function laneStats(key: string): LaneStats | undefined {
	const lane = lanes.get(key);
	if (lane === undefined) return undefined;
	return {
		inFlight: lane.inFlight,
		waiting: lane.waiting(),
		concurrencyCap: lane.cap,
		rate: lane.pace(clock.now()),
		refusals: lane.refusals,
		started: lane.started,
	};
}

/** Forgets every lane (for tests and the bench, which start each case from a clean slate). */
export function resetScheduler(): void {
	lanes.clear();
}

/** Replaces the clock (tests); undefined restores the real one. */
export function useClock(replacement?: Clock): void {
	clock = replacement ?? realClock;
}
