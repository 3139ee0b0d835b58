/**
 * How long one poll may run: its time bound. Pure: the node hands in what it read from n8n.
 *
 * n8n starts a poll on every tick of the trigger's schedule, whether or not the last one has
 * ended, and n8n's durable scheduler abandons a poll that runs past its poll timeout. So a poll
 * plans to end before its next tick and well inside that timeout; what it has not read by then
 * follows in the next poll, as after Max Items or Requests per Poll.
 */

/** n8n 2.x's durable scheduler abandons a poll after this long (N8N_SCHEDULER_POLL_TIMEOUT's default, 45 s). */
const SCHEDULER_POLL_TIMEOUT_MS = 45_000;
/** The share of the scheduler's timeout (or of the budget n8n names) a poll may use. */
const SAFE_SHARE_OF_TIMEOUT = 2 / 3;
/** The share of the trigger's own interval a poll may use by default. */
const SHARE_OF_INTERVAL = 1 / 2;
/**
 * The bound of the poll n8n runs while it activates the workflow (n8n 2.x aborts a publication
 * after 84 s by default, and activation blocks the editor): whatever the fleet's size.
 */
export const ACTIVATION_BOUND_MS = 15_000;
/** The default bound: half a minute, the shortest interval n8n 2.x allows, and 2/3 of 45 s. */
export const DEFAULT_BOUND_MS = Math.round(SCHEDULER_POLL_TIMEOUT_MS * SAFE_SHARE_OF_TIMEOUT);

/** The values one field of a cron expression allows, or undefined when it cannot be read. */
function cronField(text: string, min: number, max: number): number[] | undefined {
	const values = new Set<number>();
	for (const part of text.split(',')) {
		const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part.trim());
		if (match === null) return undefined;
		const from = match[1] === '*' ? min : Number(match[2]);
		const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? max : from;
		const step = match[4] !== undefined ? Number(match[4]) : 1;
		if (from < min || to > max || from > to || step < 1) return undefined;
		for (let value = from; value <= to; value += step) values.add(value);
	}
	return [...values].sort((a, b) => a - b);
}

/**
 * The shortest time between two ticks of one cron expression (5 fields, or 6 with seconds), in
 * ms, looking at seconds, minutes and hours; the day fields can only make ticks rarer, so at
 * most a day. Undefined when the expression cannot be read.
 */
export function cronIntervalMs(expression: string): number | undefined {
	const fields = expression.trim().split(/\s+/);
	if (fields.length !== 5 && fields.length !== 6) return undefined;
	const [second, minute, hour] = fields.length === 6 ? fields : ['0', ...fields];
	const seconds = cronField(second, 0, 59);
	const minutes = cronField(minute, 0, 59);
	const hours = cronField(hour, 0, 23);
	if (seconds === undefined || minutes === undefined || hours === undefined) return undefined;
	const ticks: number[] = [];
	for (const h of hours) for (const m of minutes) for (const s of seconds) ticks.push(h * 3600 + m * 60 + s);
	if (ticks.length === 0) return undefined;
	let shortest = 86_400 - ticks[ticks.length - 1] + ticks[0];
	for (let i = 1; i < ticks.length; i++) shortest = Math.min(shortest, ticks[i] - ticks[i - 1]);
	return shortest * 1000;
}

/** The shortest interval between polls of a schedule of several cron expressions (ms). */
export function pollIntervalMs(expressions: string[]): number | undefined {
	const intervals = expressions.map(cronIntervalMs).filter((ms): ms is number => ms !== undefined);
	if (intervals.length === 0) return undefined;
	// Several expressions tick independently: they may also come close to each other, which only
	// the guard against overlapping polls handles; each one's own interval is what is known.
	return Math.min(...intervals);
}

export interface TimeBoundInput {
	/** Time Limit per Poll (Seconds) as the user set it; 0 or undefined: automatic. */
	optionSeconds?: number;
	/** The trigger's interval, from its poll times; undefined when unknown. */
	intervalMs?: number;
	/** What n8n itself says a poll may take (n8n 2.x `getPollBudgetMs()`), when it says so. */
	budgetMs?: number;
	/** Whether this is the poll n8n runs while it activates the workflow. */
	activation: boolean;
}

/**
 * The poll's time bound in ms. Automatic: half the trigger's interval, never above 2/3 of the
 * durable scheduler's default poll timeout (30 s), and for the activation poll never above 15 s.
 * Set by the user: as set (a user who raises it owns the activation's length too). Either way
 * never above 2/3 of the budget n8n names.
 */
export function timeBoundMs(input: TimeBoundInput): number {
	const automatic = input.optionSeconds === undefined || !(input.optionSeconds > 0);
	let bound = automatic
		? Math.min(DEFAULT_BOUND_MS, (input.intervalMs ?? Infinity) * SHARE_OF_INTERVAL)
		: (input.optionSeconds as number) * 1000;
	if (input.budgetMs !== undefined && Number.isFinite(input.budgetMs) && input.budgetMs > 0) {
		bound = Math.min(bound, input.budgetMs * SAFE_SHARE_OF_TIMEOUT);
	}
	if (automatic && input.activation) bound = Math.min(bound, ACTIVATION_BOUND_MS);
	return Math.max(0, Math.round(bound));
}

/**
 * What n8n-core's poll context answers for `getPollBudgetMs()` when nobody set a budget: the
 * plain cron ticks of n8n 2.x. Another value comes from the durable scheduler, which makes a
 * new context for every tick (so "first poll on a context" does not mean activation there).
 */
export const UNFENCED_POLL_BUDGET_MS = 5 * 60_000;

/**
 * How long a poll holds its trigger's guard at most (see guard.ts): its time bound, plus the
 * longest one request may still take once started (every attempt timing out, with the waits
 * between them, which the bound also cuts), plus a minute. Past that the poll is taken as dead.
 */
export function guardLeaseMs(boundMs: number, maxAttempts: number, requestTimeoutMs: number): number {
	return 2 * boundMs + Math.max(1, maxAttempts) * requestTimeoutMs + 60_000;
}
