/**
 * One poll of the trigger, as a pure state transition around injected I/O.
 *
 * static data (cursors) -> plan within the request budget -> read pages -> de-duplicate against
 * the watermark -> filters -> items. The caller gets a NEW state and commits it only when the
 * poll did not fail as a whole, so a poll whose fetch fails leaves the stored state untouched.
 * The one failure that still commits is `allFailing` (every watched stream failing, none read):
 * nothing but the rotation and the failure counts moved, and keeping them lets later polls
 * reach the other streams.
 *
 * Scheduling is a round-robin queue of tasks (read a stream, walk a listing). Each task gets one
 * page per turn; a task with more pages goes to the back of the queue, so every stream of a large
 * fleet is read within ceil(stream pages / budget) polls. The pages of the scope's own listing
 * (a fleet's trailers, all DeliverSafe units, a trailer's devices: one page per Page Size) are
 * read on top of the budget, so a fleet of N trailers is covered in ceil(N / budget) polls; the
 * listings they lead to (each trailer's devices) count in it. A new cycle (fresh listings, then every
 * stream again) starts at the beginning of a poll, or, in a poll that finished a cycle an earlier
 * poll left unfinished, once it is done (at most one new cycle per poll), so a caught-up stream
 * costs one request per cycle and none waits a poll longer after an early end. The item cap stops
 * a poll mid-page; that task stays at the head and the page is read again next poll, where the
 * keys skip what was already emitted.
 */
import { recordId, recordTimeMs, telemetryStartToken, type Page } from '../api';
import { boundState, shrinkWarning } from './bound';
import { canonicalJson } from '../helpers/canonicalJson';
import { cyrb53 } from './hash';
import { idMap, toIdMap } from '../helpers/maps';
import { STATE_VERSION, upgradeState } from './migrate';
import { startMs, startSignature } from './start';
import type {
	Emitted,
	EventKind,
	FailureReason,
	ListSource,
	PollSettings,
	Scope,
	ScopeFailure,
	StreamContext,
	StreamFailure,
	StreamState,
	Task,
	TriggerState,
} from './types';
import { ingestPage, newStream, settle, startRead, type Accepted, type IngestResult, type ReadContext } from './watermark';

/** Departed streams whose watermark is remembered, so one that comes back does not replay. */

/** How many failed streams each item lists; `failedStreamCount` tells the full number. */
export const MAX_FAILED_STREAMS_PER_ITEM = 10;
export const MAX_GONE = 1000;

export interface PollIO {
	/** One page of a stream's telemetry; `token` is an ISO time or a server continuation. */
	readPage(event: EventKind, streamId: string, token: string): Promise<Page>;
	/** One page of a listing (`token` undefined for the first page). */
	listPage(source: ListSource, token: string | undefined): Promise<Page>;
	/** Errors after which no request of this poll can succeed (key rejected, rate limit spent). */
	isFatal(error: unknown): boolean;
	/** A message for the user; never contains secrets. */
	describe(error: unknown): string;
	/** Server-side trouble (5xx after retries): a few in a row with no success mean the API is down. */
	isTransient?(error: unknown): boolean;
	/**
	 * Errors that concern only the stream or listing asked for (removed: 404, hidden: 403, an
	 * unusable id or answer). Any other error may be global: it says nothing about the others.
	 */
	isStreamSpecific?(error: unknown): boolean;
	/** What a stream's failure means for the user; 'other' when not given. */
	reason?(error: unknown): FailureReason;
	/**
	 * Failures that are not an answer of 4SEE at all: n8n's database or expression engine gone,
	 * the credential unreadable, n8n stopping. Nothing about any stream can be learnt from them,
	 * so the poll ends at once, no stream is blamed and nothing of the poll is committed.
	 */
	isOutsideApi?(error: unknown): boolean;
	/**
	 * One cheap request that proves the credential and the scope: the first entry of the scope's
	 * listing, or the stream `id` of a typed-in list. Used by a first poll that has nothing to
	 * read yet (Start From Now).
	 */
	checkScope?(scope: Scope, id?: string): Promise<void>;
	/** The clock the poll's time bound is measured on (ms); Date.now when not given. */
	now?(): number;
	/**
	 * The reads the poll will ask for next, in queue order, the next one first, as far as the
	 * budget reaches (at most `PollSettings.concurrency`): an I/O that reads concurrently may
	 * start them now. The engine still asks for each with `readPage`/`listPage` in this order and
	 * takes nothing from an answer before its turn, so the state logic stays sequential.
	 */
	ahead?(reads: AheadRead[]): void;
	/** Waits for reads started ahead that the poll did not take (it ended first); their answers are dropped. */
	drain?(): Promise<void>;
}

/** A read the poll is going to ask for: a stream's page at a token, or a listing's page. */
export type AheadRead =
	| { kind: 'page'; event: EventKind; id: string; token: string }
	| { kind: 'list'; src: ListSource; token: string | undefined };

/**
 * The reads the next tasks of the queue will make, with the tokens they will be made with: up
 * to `max`, and no further than the request budget reaches (listings of the scope are free).
 * Pure: it reads the state and touches nothing.
 */
export function upcomingReads(
	state: TriggerState,
	settings: PollSettings,
	reads: ReadonlyMap<string, ReadContext>,
	spent: number,
	max: number,
	nowMs: number,
): AheadRead[] {
	const event = settings.scope.event;
	const upcoming: AheadRead[] = [];
	let budget = spent;
	for (const task of state.cycle.queue) {
		if (upcoming.length >= max) break;
		const free = task.kind === 'listing' && isScopeListing(settings.scope, task.src);
		if (!free && budget >= settings.requestBudget) break;
		if (!free) budget++;
		if (task.kind === 'listing') {
			upcoming.push({ kind: 'list', src: task.src, token: task.next });
			continue;
		}
		const stream = state.streams[task.id];
		if (stream === undefined) continue;
		const lowBound =
			reads.get(task.id)?.lowBound ??
			startRead(`${event}:${task.id}`, stream, settings.latenessMs, settings.filter, nowMs).lowBound;
		upcoming.push({ kind: 'page', event, id: task.id, token: stream.resume ?? telemetryStartToken(new Date(lowBound)) });
	}
	return upcoming;
}

/**
 * Transient failures in a poll with no success yet after which one stream elsewhere in the
 * rotation is probed: if it answers, those streams are broken on 4SEE's side and the rotation
 * moves past them; if it fails too, the API counts as down.
 */
export const TRANSIENT_FAILURES_MEANING_DOWN = 3;

export interface PollOutcome {
	/** The state to store; only when `error` is undefined. */
	state: TriggerState;
	items: Emitted[];
	failures: StreamFailure[];
	requests: number;
	/**
	 * Set when nothing could be read and at least one failure was not specific to its stream
	 * (key rejected, API down, rate limit spent): throw it and keep the stored state. When only
	 * streams failed, the poll is not an error: its state (rotation moved past them, their
	 * failure counts) is stored, or the same failing streams would eat every poll's budget.
	 */
	error?: unknown;
	/**
	 * Set when no stream was read and every stream of the scope failed in its latest attempt (a
	 * single trailer that was removed, a key refused on every trailer): the trigger is stuck and
	 * only the user can unstick it, so the poll fails naming them. Unlike `error`, the state is
	 * stored all the same: no cursor moved (nothing was read), but the rotation moves on and the
	 * counts grow, so the next polls try the other streams and notice one that comes back.
	 */
	allFailing?: ScopeFailure[];
	/** Set when an error stopped the poll early after some reads succeeded. */
	stoppedBy?: unknown;
	/**
	 * Set when the poll reached its time bound (`PollSettings.deadlineMs`) and started no further
	 * request; what is left continues next poll, exactly as after Max Items or Requests per Poll.
	 */
	timeUp?: boolean;
	/** Set when this first poll only proved the scope and set the start point (Start From Now). */
	scopeChecked?: boolean;
	/** Stream ids read successfully in this poll (for coverage checks and logs). */
	streamsRead: string[];
	/** What 4SEE sent that the node handled but the user should know of (for n8n's log). */
	warnings: string[];
	cycleCompleted: boolean;
}

export function stateSignature(settings: Pick<PollSettings, 'scope' | 'start'>): string {
	return `${settings.scope.event}|${startSignature(settings.start)}`;
}

export function scopeSignature(scope: Scope): string {
	return canonicalJson(scope);
}

export function freshState(settings: Pick<PollSettings, 'scope' | 'start'>, nowMs: number): TriggerState {
	return {
		v: STATE_VERSION,
		settingsSignature: stateSignature(settings),
		startMs: startMs(settings.start, nowMs),
		streams: idMap(),
		gone: idMap(),
		cycle: { n: 0, scope: '', queue: [] },
	};
}

/**
 * The stored state to continue from, as today's version (a deep copy, upgraded from the version
 * that wrote it); undefined when there is none, it is unreadable, or it was made for another
 * event or start.
 */
export function storedState(stored: unknown, settings: Pick<PollSettings, 'scope' | 'start'>): TriggerState | undefined {
	const state = upgradeState(stored);
	if (state === undefined || state.settingsSignature !== stateSignature(settings)) return undefined;
	// Ids are keys of these maps: without a prototype, `__proto__` or `toString` are ids too.
	state.streams = toIdMap(state.streams);
	state.gone = toIdMap(state.gone);
	for (const stream of Object.values(state.streams)) {
		if (typeof stream === 'object' && stream !== null) stream.keys = toIdMap(stream.keys);
	}
	return state;
}

/**
 * Whether the poll has used its time: it then starts no further request. The first request of a
 * poll is always made, so every poll moves the trigger forward, however short its bound.
 */
export function outOfTime(settings: Pick<PollSettings, 'deadlineMs'>, io: Pick<PollIO, 'now'>, requests: number): boolean {
	if (settings.deadlineMs === undefined || requests === 0) return false;
	return (io.now?.() ?? Date.now()) >= settings.deadlineMs;
}

/** Whether a failure ends the poll at once, uncommitted: it is not 4SEE's answer (see PollIO). */
export function endsPollAtOnce(io: Pick<PollIO, 'isOutsideApi'>, error: unknown): boolean {
	return io.isOutsideApi?.(error) === true;
}

/** Typed-in ids the first poll checks at most, one after another until one answers. */
export const MAX_IDS_CHECKED = 10;

/**
 * The first poll of a trigger that starts from now, typically the one n8n runs while it
 * activates the workflow: there is nothing to emit yet, so it reads no telemetry. It proves the
 * credential and the scope with one request (a listing's first entry, or typed-in ids one after
 * another until one answers, at most MAX_IDS_CHECKED) and stores the start point; the first
 * sweep is the next poll. Typed-in ids that are missing or hidden are recorded as failing
 * streams, as a read would; when every id of the scope failed that way, the poll fails naming
 * them (`allFailing`). Anything else that fails the check fails the poll, and nothing is stored.
 */
export async function proveScope(settings: PollSettings, io: PollIO, nowMs: number): Promise<PollOutcome> {
	const state = freshState(settings, nowMs);
	const outcome: PollOutcome = {
		state,
		items: [],
		failures: [],
		requests: 0,
		streamsRead: [],
		cycleCompleted: false,
		scopeChecked: true,
		warnings: [],
	};
	if (io.checkScope === undefined) return outcome;
	const { streams: ids } = initialTasks(settings.scope);
	if (ids.length === 0) {
		outcome.requests = 1;
		try {
			await io.checkScope(settings.scope);
		} catch (error) {
			outcome.error = error;
		}
		return outcome;
	}
	for (const id of ids.slice(0, MAX_IDS_CHECKED)) {
		if (outOfTime(settings, io, outcome.requests)) return outcome;
		outcome.requests++;
		discover(state, id, undefined);
		try {
			await io.checkScope(settings.scope, id);
			return outcome;
		} catch (error) {
			if (endsPollAtOnce(io, error) || io.isStreamSpecific?.(error) !== true) {
				outcome.error = error;
				return outcome;
			}
			const stream = state.streams[id];
			stream.failures = 1;
			stream.lastError = io.describe(error);
			stream.reason = io.reason?.(error) ?? 'other';
			outcome.failures.push({ stream: id, message: stream.lastError, failures: 1 });
		}
	}
	if (ids.length <= MAX_IDS_CHECKED) outcome.allFailing = failingScope(state, settings.scope);
	return outcome;
}

function unique(ids: string[]): string[] {
	return [...new Set(ids.filter((id) => id !== ''))];
}

/** Streams named directly by the settings, or the listings that name them. */
function initialTasks(scope: Scope): { streams: string[]; lists: Task[] } {
	if ('trailers' in scope) return { streams: unique(scope.trailers), lists: [] };
	if ('devices' in scope) return { streams: unique(scope.devices), lists: [] };
	if ('units' in scope) return { streams: unique(scope.units), lists: [] };
	if ('allUnits' in scope) return { streams: [], lists: [{ kind: 'listing', src: { of: 'deliverSafeUnits' } }] };
	if ('trailer' in scope) {
		return {
			streams: [],
			lists: [{ kind: 'listing', src: { of: 'trailerDevices', id: scope.trailer }, ctx: { trailerId: scope.trailer } }],
		};
	}
	return { streams: [], lists: [{ kind: 'listing', src: { of: 'fleetTrailers', id: scope.fleet }, ctx: { fleetId: scope.fleet } }] };
}

/** Streams no listing named during a complete cycle have left the scope: forget them. */
function endCycle(state: TriggerState): void {
	const { cycle } = state;
	if (cycle.n === 0 || cycle.listFailed) return;
	for (const [id, stream] of Object.entries(state.streams)) {
		if (stream.seen >= cycle.n) continue;
		if (stream.watermark !== undefined) {
			delete state.gone[id];
			state.gone[id] = stream.watermark;
		}
		delete state.streams[id];
	}
	const gone = Object.keys(state.gone);
	for (const id of gone.slice(0, Math.max(0, gone.length - MAX_GONE))) delete state.gone[id];
}

/** Closes the round that ended and starts the next one (fresh listings, then every stream). */
function nextRound(state: TriggerState, scope: Scope): void {
	endCycle(state);
	beginCycle(state, scope);
}

/**
 * Records that this poll ended before its round and its budget did (Max Items per Poll, or the
 * poll's time bound), so the next poll, once it has finished this round, goes on
 * into the next one. A round spread over polls by the request budget is not an early end.
 */
export function markEndedEarly(state: TriggerState): void {
	state.cycle.early = true;
}

/**
 * Whether a poll whose carried-over round just ended may begin the next one: only with budget
 * and item room left, and only after a success (an API failing since the poll began gets no
 * fresh round of requests to fail).
 */
function continuesIntoNextRound(settings: PollSettings, items: number, spent: number, succeeded: number): boolean {
	return succeeded > 0 && items < settings.maxItems && spent < settings.requestBudget;
}

function beginCycle(state: TriggerState, scope: Scope): void {
	const { streams, lists } = initialTasks(scope);
	state.cycle = { n: state.cycle.n + 1, scope: scopeSignature(scope), queue: [...lists] };
	for (const id of streams) {
		discover(state, id, undefined);
		state.cycle.queue.push({ kind: 'stream', id });
	}
}

/** Registers a stream named in this cycle; returns false when it was already named in it. */
function discover(state: TriggerState, id: string, ctx: StreamContext | undefined): boolean {
	const n = state.cycle.n;
	let stream = state.streams[id];
	if (stream === undefined) {
		// A stream that left and came back resumes after what it had emitted, not from the start.
		const previous = state.gone[id];
		stream = newStream(previous === undefined ? state.startMs : Math.max(state.startMs, previous + 1), n);
		delete state.gone[id];
		state.streams[id] = stream;
	} else if (stream.seen === n) {
		return false;
	}
	stream.seen = n;
	if (ctx !== undefined) stream.ctx = ctx;
	return true;
}

/** What a listing's records become: streams to read, or further listings to walk. */
function expand(
	state: TriggerState,
	event: EventKind,
	task: Extract<Task, { kind: 'listing' }>,
	records: Array<Record<string, unknown>>,
): Task[] {
	const tasks: Task[] = [];
	for (const record of records) {
		// An entry without an id names no stream.
		const id = recordId(record);
		if (id === undefined || id === '') continue;
		if (task.src.of === 'fleetTrailers' && event === 'deviceTelemetry') {
			tasks.push({ kind: 'listing', src: { of: 'trailerDevices', id }, ctx: { ...task.ctx, trailerId: id } });
			continue;
		}
		let ctx: StreamContext | undefined = task.ctx;
		if (task.src.of === 'deliverSafeUnits' && typeof record.trailerId === 'string') {
			ctx = { trailerId: record.trailerId };
		}
		if (discover(state, id, ctx)) tasks.push({ kind: 'stream', id, ctx });
	}
	return tasks;
}

/**
 * The listing the scope itself starts from (the fleet, the trailer, all DeliverSafe units): when
 * it cannot be read, the whole scope is unreadable, which is the user's to fix, not one stream's.
 */
function isScopeListing(scope: Scope, src: ListSource): boolean {
	if (src.of === 'deliverSafeUnits') return true;
	if ('fleet' in scope) return src.of === 'fleetTrailers' && src.id === scope.fleet;
	if ('trailer' in scope) return src.of === 'trailerDevices' && src.id === scope.trailer;
	return false;
}

/** Streams a listing named in earlier cycles and not yet queued in this one. */
function knownStreams(state: TriggerState, src: ListSource): Task[] {
	const tasks: Task[] = [];
	for (const [id, stream] of Object.entries(state.streams)) {
		if (stream.seen === state.cycle.n) continue;
		const ctx = stream.ctx ?? {};
		const belongs =
			src.of === 'deliverSafeUnits' ||
			(src.of === 'fleetTrailers' && ctx.fleetId === src.id) ||
			(src.of === 'trailerDevices' && ctx.trailerId === src.id);
		if (!belongs) continue;
		stream.seen = state.cycle.n;
		tasks.push({ kind: 'stream', id, ctx: stream.ctx });
	}
	return tasks;
}

/**
 * The streams the scope is made of: the ids typed in, or, for a fleet, a trailer or all units,
 * the ones its listings named (streams that left are dropped from the state at a cycle's end).
 */
function scopeStreams(state: TriggerState, scope: Scope): string[] {
	const { streams, lists } = initialTasks(scope);
	return lists.length === 0 ? streams : Object.keys(state.streams);
}

/** Every stream of the scope failed in its latest attempt (none read since): their failures. */
function failingScope(state: TriggerState, scope: Scope): ScopeFailure[] | undefined {
	const ids = scopeStreams(state, scope);
	if (ids.length === 0) return undefined;
	const failing: ScopeFailure[] = [];
	for (const id of ids) {
		const stream = state.streams[id];
		if (stream?.failures === undefined || stream.failures < 1) return undefined;
		failing.push({
			stream: id,
			message: stream.lastError ?? '',
			failures: stream.failures,
			reason: stream.reason ?? 'other',
		});
	}
	return failing;
}

/**
 * Puts at the head of the queue a task that tells whether 4SEE answers at all: one still queued
 * in this cycle or a stream of the scope not tried in this poll, preferably one that did not
 * fail its latest read, picked by the poll's time. Not simply the next in line: broken streams
 * often come in runs (neighbouring ids), and a poll that finds the API down leaves the state as
 * it was, so a fixed choice could meet the same broken stream on every poll; a choice that
 * varies from poll to poll reaches a healthy one within a few polls wherever the broken ones
 * lie, and at once when they are already counted as failing. Returns false when there is none.
 * While nothing succeeded, every queued task is untried in this poll (failed ones leave the
 * queue), so only the streams outside the queue are checked against `attempted`.
 */
function pickProbe(state: TriggerState, scope: Scope, attempted: Map<string, unknown>, nowMs: number): boolean {
	const { queue } = state.cycle;
	const queued = new Set(queue.map((task) => (task.kind === 'stream' ? task.id : '')));
	const outside: Task[] = scopeStreams(state, scope)
		.filter((id) => !queued.has(id) && !attempted.has(id) && state.streams[id] !== undefined)
		.map((id) => ({ kind: 'stream', id, ctx: state.streams[id].ctx }));
	const candidates = [...queue, ...outside];
	if (candidates.length === 0) return false;
	const fresh = candidates.filter((task) => task.kind === 'listing' || (state.streams[task.id]?.failures ?? 0) === 0);
	const pool = fresh.length > 0 ? fresh : candidates;
	const chosen = pool[parseInt(cyrb53(`probe|${nowMs}`), 36) % pool.length];
	const index = queue.indexOf(chosen);
	if (index >= 0) queue.splice(index, 1);
	queue.unshift(chosen);
	return true;
}

/** The metadata of an item: event kind, the ids of its stream, and (set by the caller) its key. */
export function itemMeta(
	event: EventKind,
	id: string,
	ctx: StreamContext | undefined,
	record: Record<string, unknown>,
): Emitted['meta'] {
	const meta: Emitted['meta'] = { event, streamId: id, dedupeKey: '' };
	if (ctx?.fleetId !== undefined) meta.fleetId = ctx.fleetId;
	if (event === 'gpsPosition') meta.trailerId = id;
	else {
		const trailerId = ctx?.trailerId ?? (typeof record.trailerId === 'string' ? record.trailerId : undefined);
		if (trailerId !== undefined) meta.trailerId = trailerId;
		if (event === 'deviceTelemetry') meta.deviceId = id;
		else meta.deliverSafeId = id;
	}
	return meta;
}

/** Pages of one stream in a row with nothing new (no record unseen, none newer) before it counts as endless. */
export const MAX_PAGES_WITHOUT_PROGRESS = 10;
/** Page tokens remembered per stream since its last progress, to recognise a cycle (A, B, A...). */
const MAX_TOKENS_REMEMBERED = 20;

/**
 * Whether a stream's paging goes on for ever: a page token that comes back after the stream
 * stopped making progress (a cycle), or too many pages in a row that bring nothing new yet
 * always a further token (endless empty pages, the same page under fresh tokens). Progress is a
 * record never met before, or one newer than any met in this pass over the stream: re-reading
 * the late records window moves forward in time, a loop does not. Returns the failure to report.
 */
export function endlessPaging(stream: StreamState, token: string, page: Page, result: IngestResult): string | undefined {
	const next = page.next as string;
	const times = page.records.map((record) => recordTimeMs(record)).filter((t): t is number => t !== undefined);
	const newest = times.length > 0 ? Math.max(...times) : undefined;
	const paging = stream.paging ?? { stalledPages: 0, tokens: [] };
	const newer = newest !== undefined && (paging.newest === undefined || newest > paging.newest);
	if (newer) paging.newest = newest;
	if (result.fresh > 0 || newer) {
		stream.paging = { stalledPages: 0, tokens: [cyrb53(token)], newest: paging.newest };
		return undefined;
	}
	const seen = [...paging.tokens, cyrb53(token)];
	if (seen.includes(cyrb53(next))) {
		return '4SEE keeps handing out page tokens it gave before (a cycle) with nothing new; reading this stream starts again from its cursor next round';
	}
	paging.stalledPages++;
	if (paging.stalledPages >= MAX_PAGES_WITHOUT_PROGRESS) {
		return `4SEE sent ${paging.stalledPages} pages in a row with nothing new, each with a further page token; reading this stream starts again from its cursor next round`;
	}
	paging.tokens = seen.slice(-MAX_TOKENS_REMEMBERED);
	stream.paging = paging;
	return undefined;
}

/** One accepted record as the item users see, flagged when its timestamp could not be trusted. */
function emitted(event: EventKind, id: string, ctx: StreamContext | undefined, accepted: Accepted): Emitted {
	const meta = itemMeta(event, id, ctx, accepted.record);
	meta.dedupeKey = `${event}:${id}:${accepted.key}`;
	if (accepted.detail !== undefined) meta.filter = accepted.detail;
	if (accepted.future === true) meta.futureTimestamp = true;
	if (accepted.untimed === true) meta.noTimestamp = true;
	return { record: accepted.record, meta };
}

/**
 * What a page of one stream showed that 4SEE's contract rules out, as warnings: records out of
 * time order (once per stream: they are put in order and still emitted once within the late
 * records window), records older than the read's start that were never emitted (how many),
 * records without a timestamp (how many were emitted) and records stamped in the future.
 */
export function readAnomalies(id: string, stream: StreamState, result: IngestResult): string[] {
	const warnings: string[] = [];
	if (result.disordered > 0 && stream.unordered !== true) {
		stream.unordered = true;
		warnings.push(
			`4SEE sent the records of ${id} out of time order (${result.disordered} older than one before them); the trigger put them in order and emits each once if it is within the late records window. This is said once per stream.`,
		);
	}
	if (result.skipped > 0) {
		warnings.push(
			`4SEE sent ${result.skipped} record(s) of ${id} older than the late records window; they were skipped. Raise 'Late Records Window (Minutes)' to catch records that arrive this late.`,
		);
	}
	const untimed = result.accepted.filter((a) => a.untimed === true).length;
	if (untimed > 0) {
		warnings.push(
			`4SEE sent ${untimed} record(s) of ${id} without a readable timestamp; each was emitted once (recognised by its content) and flagged fourSee.noTimestamp.`,
		);
	}
	const future = result.accepted.filter((a) => a.future === true).length;
	if (future > 0) {
		warnings.push(
			`4SEE sent ${future} record(s) of ${id} stamped more than 5 minutes in the future (a device clock may be wrong); each was emitted once, flagged fourSee.futureTimestamp, and the stream's cursor did not move to it.`,
		);
	}
	return warnings;
}

/**
 * One poll: continue the stored state (or prove the scope on a first poll from now), then take
 * tasks from the round-robin queue one by one until the queue, the budget, the item cap or the
 * time runs out, or a failure stops the poll; then settle the cursors and say what happened.
 */
export async function runPoll(
	stored: unknown,
	settings: PollSettings,
	io: PollIO,
	nowMs: number,
): Promise<PollOutcome> {
	const state = storedState(stored, settings);
	if (state === undefined && settings.start.mode === 'now') return await proveScope(settings, io, nowMs);
	const poll = beginPoll(state ?? freshState(settings, nowMs), settings, io, nowMs);
	for (let task = nextTask(poll); task !== undefined; task = nextTask(poll)) {
		const after = task.kind === 'listing' ? await readListing(poll, task) : await readStream(poll, task);
		if (after === 'stop') break;
	}
	// Reads started ahead and not taken end before the poll does: no request outlives its poll.
	await io.drain?.();
	return finishPoll(poll);
}

/** What one poll keeps while it runs, beside the state it will store. */
interface Poll {
	readonly state: TriggerState;
	readonly settings: PollSettings;
	readonly io: PollIO;
	readonly nowMs: number;
	/** Whether this poll began a round; if not, it is finishing one an earlier poll left. */
	roundBegun: boolean;
	/** The poll before ended early (Max Items per Poll, time bound): after its round, go on into the next. */
	readonly carriedEarly: boolean;
	roundsCompleted: number;
	readonly items: Emitted[];
	readonly warnings: string[];
	readonly failures: StreamFailure[];
	readonly reads: Map<string, ReadContext>;
	readonly streamsRead: Set<string>;
	requests: number;
	/** Requests counted against the budget: all but the pages of the scope's own listing. */
	spent: number;
	succeeded: number;
	/**
	 * The first failure that is not specific to its stream or listing: if nothing succeeds, this
	 * is what the poll throws. Stream-specific failures alone never fail the poll.
	 */
	globalError?: unknown;
	stoppedBy?: unknown;
	/** A failure that is not 4SEE's answer: the poll ends at once and commits nothing. */
	outsideApi?: unknown;
	timeUp: boolean;
	transientFailures: number;
	/** The head of the queue is a probe (see `pickProbe`): if it fails too, the API counts as down. */
	probing: boolean;
}

/** Starts the poll's round: a new one, the one an earlier poll left, or afresh for an edited scope. */
function beginPoll(state: TriggerState, settings: PollSettings, io: PollIO, nowMs: number): Poll {
	const carriedEarly = state.cycle.early === true;
	delete state.cycle.early;
	let roundBegun = true;
	if (state.cycle.scope !== scopeSignature(settings.scope)) {
		// The scope was edited: start over with the new one. Streams kept in both keep their cursors.
		beginCycle(state, settings.scope);
	} else if (state.cycle.queue.length === 0) {
		nextRound(state, settings.scope);
	} else {
		roundBegun = false;
	}
	return {
		state,
		settings,
		io,
		nowMs,
		roundBegun,
		carriedEarly,
		roundsCompleted: 0,
		items: [],
		warnings: [],
		failures: [],
		reads: new Map(),
		streamsRead: new Set(),
		requests: 0,
		spent: 0,
		succeeded: 0,
		timeUp: false,
		transientFailures: 0,
		probing: false,
	};
}

/**
 * The task the poll's next request is for, counted; undefined when the poll ends here (queue
 * done, item cap, budget or time used up, or no probe left to make).
 */
function nextTask(poll: Poll): Task | undefined {
	const { state, settings } = poll;
	if (
		state.cycle.queue.length === 0 &&
		!poll.roundBegun &&
		poll.carriedEarly &&
		continuesIntoNextRound(settings, poll.items.length, poll.spent, poll.succeeded)
	) {
		// A poll that finished the round an earlier one left (it ended early at Max Items per
		// Poll or its time bound) goes on into the next round within the same budget, so no stream waits a poll
		// longer for it. At most one new round per poll.
		nextRound(state, settings.scope);
		poll.roundBegun = true;
		poll.roundsCompleted++;
	}
	// A probe is due after a few server errors, and also when the budget or the rotation would
	// end the poll before one was made: a failing run at the head must not be all it sees.
	if (
		poll.succeeded === 0 &&
		poll.transientFailures > 0 &&
		!poll.probing &&
		poll.spent < settings.requestBudget &&
		(poll.transientFailures >= TRANSIENT_FAILURES_MEANING_DOWN ||
			state.cycle.queue.length === 0 ||
			poll.spent === settings.requestBudget - 1)
	) {
		poll.probing = pickProbe(state, settings.scope, poll.reads, poll.nowMs);
		if (!poll.probing && state.cycle.queue.length === 0) return undefined;
	}
	const queue = state.cycle.queue;
	if (queue.length === 0 || poll.items.length >= settings.maxItems) return undefined;
	const task = queue[0];
	const free = task.kind === 'listing' && isScopeListing(settings.scope, task.src);
	if (poll.spent >= settings.requestBudget && !free) return undefined;
	if (outOfTime(settings, poll.io, poll.requests)) {
		poll.timeUp = true;
		return undefined;
	}
	// Reads ahead only while the API answers: a poll probing whether it is down goes one by one.
	const width = settings.concurrency ?? 1;
	if (poll.io.ahead !== undefined && width > 1 && (poll.succeeded > 0 || poll.transientFailures === 0)) {
		poll.io.ahead(upcomingReads(state, settings, poll.reads, poll.spent, width, poll.nowMs));
	}
	poll.requests++;
	if (!free) poll.spent++;
	return task;
}

/**
 * Whether a failure stops the poll. Fatal errors do. Server errors before anything succeeded
 * may mean the API is down, or only that the streams at the head of the rotation are broken on
 * 4SEE's side: after a few, one stream elsewhere is probed, and only if it fails too does the
 * poll stop, rather than spend every retry wait of the budget on an API that is down. Its state
 * is then left alone; without the probe, broken streams at the head would freeze the rotation.
 */
function stops(poll: Poll, error: unknown, specific: boolean): boolean {
	if (!specific) poll.globalError ??= error;
	if (poll.io.isFatal(error)) return true;
	if (poll.succeeded > 0) return false;
	if (poll.io.isTransient?.(error) === true) {
		poll.transientFailures++;
		// The probe failed too: the API counts as down.
		if (poll.probing) return true;
	}
	// Not an answer that tells either way (a removed stream): the next request picks another probe.
	poll.probing = false;
	return false;
}

/** Whether a failed request ends the poll (recorded); 'next' when the poll goes on past it. */
function afterFailure(poll: Poll, error: unknown, specific: boolean): 'next' | 'stop' {
	if (endsPollAtOnce(poll.io, error)) {
		poll.outsideApi = error;
		return 'stop';
	}
	if (stops(poll, error, specific)) {
		poll.stoppedBy = error;
		return 'stop';
	}
	return 'next';
}

/** One page of a listing: the streams (or further listings) it names join the queue. */
async function readListing(poll: Poll, task: Extract<Task, { kind: 'listing' }>): Promise<'next' | 'stop'> {
	const { state, io } = poll;
	const queue = state.cycle.queue;
	try {
		const page = await io.listPage(task.src, task.next);
		poll.succeeded++;
		queue.shift();
		queue.push(...expand(state, poll.settings.scope.event, task, page.records));
		if (page.next !== undefined) queue.push({ ...task, next: page.next });
	} catch (error) {
		const specific = io.isStreamSpecific?.(error) === true && !isScopeListing(poll.settings.scope, task.src);
		if (afterFailure(poll, error, specific) === 'stop') return 'stop';
		// A listing that fails is retried next cycle; until then no stream counts as departed,
		// and the streams it named last time are read as before.
		queue.shift();
		state.cycle.listFailed = true;
		queue.push(...knownStreams(state, task.src));
		const label = task.src.of === 'deliverSafeUnits' ? 'deliverSafe' : `${task.src.of}:${task.src.id}`;
		poll.failures.push({ stream: label, message: io.describe(error), failures: 1 });
	}
	return 'next';
}

/** Counts a failed read of a stream, so a stream that keeps failing is reported, not silently frozen. */
function streamFailed(poll: Poll, id: string, stream: StreamState, message: string, reason: FailureReason): void {
	stream.failures = (stream.failures ?? 0) + 1;
	stream.lastError = message;
	stream.reason = reason;
	poll.failures.push({ stream: id, message, failures: stream.failures });
}

/** One page of a stream: its new records become items, and the stream's cursor and paging move on. */
async function readStream(poll: Poll, task: Extract<Task, { kind: 'stream' }>): Promise<'next' | 'stop'> {
	const { state, settings, io } = poll;
	const event = settings.scope.event;
	const queue = state.cycle.queue;
	const stream = state.streams[task.id] ?? (discover(state, task.id, task.ctx), state.streams[task.id]);
	let read = poll.reads.get(task.id);
	if (read === undefined) {
		read = startRead(`${event}:${task.id}`, stream, settings.latenessMs, settings.filter, poll.nowMs);
		poll.reads.set(task.id, read);
	}
	// A new pass over the stream (a second one in this poll when a round began mid-poll) starts
	// from its cursor again: that is not 4SEE breaking time order.
	if (stream.resume === undefined) delete read.top;
	const token = stream.resume ?? telemetryStartToken(new Date(read.lowBound));
	let page: Page;
	try {
		page = await io.readPage(event, task.id, token);
	} catch (error) {
		if (afterFailure(poll, error, io.isStreamSpecific?.(error) === true) === 'stop') return 'stop';
		// This stream waits for the next cycle; the others go on. Its cursor stays where it was,
		// the rotation moves past it, and its count of failed polls tells the node to report it.
		queue.shift();
		streamFailed(poll, task.id, stream, io.describe(error), io.reason?.(error) ?? 'other');
		return 'next';
	}
	poll.succeeded++;
	poll.streamsRead.add(task.id);
	delete stream.failures;
	delete stream.lastError;
	delete stream.reason;
	const result = ingestPage(stream, page.records, read, settings.maxItems - poll.items.length);
	for (const accepted of result.accepted) poll.items.push(emitted(event, task.id, stream.ctx, accepted));
	poll.warnings.push(...readAnomalies(task.id, stream, result));
	if (result.cut) {
		// Item cap reached inside this page: read it again first thing next poll.
		stream.resume = token === telemetryStartToken(new Date(read.lowBound)) ? undefined : token;
		return 'stop';
	}
	queue.shift();
	const endless = page.next === undefined || page.next === token ? undefined : endlessPaging(stream, token, page, result);
	if (page.next !== undefined && page.next === token) {
		// The same page again would never end: keep what it gave, report, and retry next cycle.
		stream.resume = page.next;
		streamFailed(poll, task.id, stream, '4SEE returned the same page token again; reading this stream resumes next poll', 'other');
	} else if (endless !== undefined) {
		// Pages that never end are a failing stream, not silent work: keep what they gave, report,
		// and read the stream from its cursor again next round.
		delete stream.resume;
		delete stream.paging;
		streamFailed(poll, task.id, stream, endless, 'other');
	} else if (page.next !== undefined) {
		stream.resume = page.next;
		queue.push(task);
	} else {
		delete stream.resume;
		delete stream.paging;
	}
	return 'next';
}

/** Settles the cursors read, bounds the state and says what the poll did. */
function finishPoll(poll: Poll): PollOutcome {
	const { state, settings, items, failures } = poll;
	for (const id of poll.reads.keys()) {
		const stream = state.streams[id];
		if (stream !== undefined) settle(stream, settings.latenessMs);
	}
	const queueLeft = state.cycle.queue.length;
	if (queueLeft > 0 && (items.length >= settings.maxItems || poll.timeUp)) markEndedEarly(state);
	const shrink = boundState(state);
	if (shrink !== undefined) poll.warnings.push(shrinkWarning(shrink));

	if (failures.length > 0) {
		// Every item says so (an alert workflow may look at any one), but briefly: a fleet with
		// hundreds of removed trailers must not copy hundreds of entries onto each of its items.
		const shown = failures.slice(0, MAX_FAILED_STREAMS_PER_ITEM);
		for (const item of items) {
			item.meta.failedStreams = shown;
			if (failures.length > shown.length) item.meta.failedStreamCount = failures.length;
		}
	}
	const outcome: PollOutcome = {
		state,
		items,
		failures,
		requests: poll.requests,
		streamsRead: [...poll.streamsRead],
		warnings: poll.warnings,
		cycleCompleted: queueLeft === 0 || poll.roundsCompleted > 0,
	};
	if (poll.timeUp) outcome.timeUp = true;
	if (poll.outsideApi !== undefined) outcome.error = poll.outsideApi;
	else if (poll.succeeded === 0 && poll.globalError !== undefined) outcome.error = poll.globalError;
	else {
		if (poll.stoppedBy !== undefined) outcome.stoppedBy = poll.stoppedBy;
		// Returning nothing here would look like a quiet fleet while the trigger is stuck.
		if (poll.streamsRead.size === 0) outcome.allFailing = failingScope(state, settings.scope);
	}
	return outcome;
}
