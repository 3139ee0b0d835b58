/**
 * At most one poll of a trigger at a time in one n8n process.
 *
 * n8n calls a poll on every tick of its schedule, whether or not the last poll of the same
 * trigger has ended. Two polls of one trigger would start from the same stored cursors, emit the
 * same records twice and overwrite each other's state. So a poll first takes its trigger's
 * guard; a tick that finds it taken returns at once and touches nothing, and the running poll
 * finishes and commits. A poll that never released the guard (it hung) loses it when its lease
 * runs out: the lease is longer than any poll can take while its time bound holds.
 *
 * Pure over plain data with the clock passed in; the node keeps one instance per process.
 */

interface Holder {
	ticket: number;
	startedMs: number;
	leaseUntilMs: number;
	/** Ticks skipped while this poll ran. */
	skipped: number;
}

export type Entry = { entered: true; ticket: number } | { entered: false; runningForMs: number; firstSkip: boolean };

export interface Left {
	/** How long the poll held the guard. */
	heldMs: number;
	/** Ticks skipped meanwhile. */
	skipped: number;
}

export class PollGuard {
	private readonly holders = new Map<string, Holder>();
	private tickets = 0;

	/** Takes the guard of `key` for a poll starting at `nowMs`, or says how long the holder has run. */
	enter(key: string, nowMs: number, leaseMs: number): Entry {
		const holder = this.holders.get(key);
		if (holder !== undefined && holder.leaseUntilMs > nowMs) {
			holder.skipped++;
			return { entered: false, runningForMs: nowMs - holder.startedMs, firstSkip: holder.skipped === 1 };
		}
		const ticket = ++this.tickets;
		this.holders.set(key, { ticket, startedMs: nowMs, leaseUntilMs: nowMs + leaseMs, skipped: 0 });
		return { entered: true, ticket };
	}

	/**
	 * Releases the guard taken with `ticket`. A poll whose lease ran out and was taken over
	 * releases nothing: the guard is the newer poll's.
	 */
	leave(key: string, ticket: number, nowMs: number): Left | undefined {
		const holder = this.holders.get(key);
		if (holder === undefined || holder.ticket !== ticket) return undefined;
		this.holders.delete(key);
		return { heldMs: nowMs - holder.startedMs, skipped: holder.skipped };
	}

	/** Whether a poll of `key` holds the guard now (for tests and logs). */
	held(key: string, nowMs: number): boolean {
		const holder = this.holders.get(key);
		return holder !== undefined && holder.leaseUntilMs > nowMs;
	}
}
