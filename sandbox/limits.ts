/**
 * Rate limiting on the limiter clock: real monotonic time plus every advance of the simulated
 * clock, so limits recover both by waiting and, in tests, by advancing the clock.
 */
import { RateWindow } from './options';

export interface Limited {
	retryAfterSeconds: number;
}

/** Token bucket: starts full, refills continuously at `refillPerSecond` up to `burst`. */
export class TokenBucket {
	private tokens: number;
	private last: number;

	constructor(
		private burst: number,
		private refillPerSecond: number,
		now: number,
	) {
		this.tokens = burst;
		this.last = now;
	}

	/** Takes one token, or says how long until one is available. */
	take(now: number): Limited | undefined {
		this.refill(now);
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return undefined;
		}
		const seconds = this.refillPerSecond > 0 ? (1 - this.tokens) / this.refillPerSecond : 3600;
		return { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
	}

	private refill(now: number): void {
		const elapsed = Math.max(0, now - this.last) / 1000;
		this.tokens = Math.min(this.burst, this.tokens + elapsed * this.refillPerSecond);
		this.last = now;
	}
}

/** At most `requests` in any `perSeconds` window (sliding). */
export class WindowLimiter {
	private readonly hits = new Map<string, number[]>();

	constructor(private window: RateWindow) {}

	hit(key: string, now: number): Limited | undefined {
		const windowMs = this.window.perSeconds * 1000;
		const list = (this.hits.get(key) ?? []).filter((t) => now - t < windowMs);
		if (list.length >= this.window.requests) {
			this.hits.set(key, list);
			return { retryAfterSeconds: Math.max(1, Math.ceil((list[0] + windowMs - now) / 1000)) };
		}
		list.push(now);
		this.hits.set(key, list);
		return undefined;
	}
}
