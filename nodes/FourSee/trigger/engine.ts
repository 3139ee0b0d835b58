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
 * (a fleet's trailers, all DeliverSafe units, a trailer's devices: one page per 500 or so) are
 * read on top of the budget, so a fleet of N trailers is covered in ceil(N / budget) polls; the
 * listings they lead to (each trailer's devices) count in it. A new cycle (fresh listings, then every
 * stream again) starts only at the beginning of a poll, so a caught-up stream costs one request
 * per cycle. The item cap stops a poll mid-page; that task stays at the head and the page is
 * read again next poll, where the keys skip what was already emitted.
 */
import { telemetryStartToken, type Page } from '../api';
import { canonicalJson, cyrb53 } from './hash';
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
	Task,
	TriggerState,
} from './types';
import { ingestPage, newStream, settle, startRead, type ReadContext } from './watermark';

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
	/** Stream ids read successfully in this poll (for coverage checks and logs). */
	streamsRead: string[];
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
		v: 1,
		sig: stateSignature(settings),
		startMs: startMs(settings.start, nowMs),
		streams: {},
		gone: {},
		cycle: { n: 0, scope: '', queue: [] },
	};
}

/**
 * The state to continue from: a deep copy of the stored one, or a fresh one when there is none,
 * it is unreadable, or the event or start settings changed.
 */
export function loadState(stored: unknown, settings: Pick<PollSettings, 'scope' | 'start'>, nowMs: number): TriggerState {
	if (typeof stored === 'object' && stored !== null) {
		const candidate = stored as Partial<TriggerState>;
		if (
			candidate.v === 1 &&
			candidate.sig === stateSignature(settings) &&
			typeof candidate.startMs === 'number' &&
			typeof candidate.streams === 'object' &&
			typeof candidate.cycle === 'object' &&
			Array.isArray(candidate.cycle?.queue)
		) {
			return JSON.parse(JSON.stringify(candidate)) as TriggerState;
		}
	}
	return freshState(settings, nowMs);
}

function unique(ids: string[]): string[] {
	return [...new Set(ids.filter((id) => id !== ''))];
}

/** Streams named directly by the settings, or the listings that name them. */
function initialTasks(scope: Scope): { streams: string[]; lists: Task[] } {
	if ('trailers' in scope) return { streams: unique(scope.trailers), lists: [] };
	if ('devices' in scope) return { streams: unique(scope.devices), lists: [] };
	if ('units' in scope) return { streams: unique(scope.units), lists: [] };
	if ('allUnits' in scope) return { streams: [], lists: [{ t: 'l', src: { of: 'deliverSafeUnits' } }] };
	if ('trailer' in scope) {
		return {
			streams: [],
			lists: [{ t: 'l', src: { of: 'trailerDevices', id: scope.trailer }, ctx: { trailerId: scope.trailer } }],
		};
	}
	return { streams: [], lists: [{ t: 'l', src: { of: 'fleetTrailers', id: scope.fleet }, ctx: { fleetId: scope.fleet } }] };
}

/** Streams no listing named during a complete cycle have left the scope: forget them. */
function endCycle(state: TriggerState): void {
	const { cycle } = state;
	if (cycle.n === 0 || cycle.listFailed) return;
	for (const [id, stream] of Object.entries(state.streams)) {
		if (stream.seen >= cycle.n) continue;
		if (stream.wm !== undefined) {
			delete state.gone[id];
			state.gone[id] = stream.wm;
		}
		delete state.streams[id];
	}
	const gone = Object.keys(state.gone);
	for (const id of gone.slice(0, Math.max(0, gone.length - MAX_GONE))) delete state.gone[id];
}

function beginCycle(state: TriggerState, scope: Scope): void {
	const { streams, lists } = initialTasks(scope);
	state.cycle = { n: state.cycle.n + 1, scope: scopeSignature(scope), queue: [...lists] };
	for (const id of streams) {
		discover(state, id, undefined);
		state.cycle.queue.push({ t: 's', id });
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

function recordId(record: Record<string, unknown>): string | undefined {
	const id = record.id;
	if (typeof id === 'string' && id !== '') return id;
	if (typeof id === 'number' && Number.isFinite(id)) return String(id);
	return undefined;
}

/** What a listing's records become: streams to read, or further listings to walk. */
function expand(state: TriggerState, task: Extract<Task, { t: 'l' }>, records: Array<Record<string, unknown>>): Task[] {
	const event = state.sig.split('|')[0] as EventKind;
	const tasks: Task[] = [];
	for (const record of records) {
		const id = recordId(record);
		if (id === undefined) continue;
		if (task.src.of === 'fleetTrailers' && event === 'deviceTelemetry') {
			tasks.push({ t: 'l', src: { of: 'trailerDevices', id }, ctx: { ...task.ctx, trailerId: id } });
			continue;
		}
		let ctx: StreamContext | undefined = task.ctx;
		if (task.src.of === 'deliverSafeUnits' && typeof record.trailerId === 'string') {
			ctx = { trailerId: record.trailerId };
		}
		if (discover(state, id, ctx)) tasks.push({ t: 's', id, ctx });
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
		tasks.push({ t: 's', id, ctx: stream.ctx });
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
	const queued = new Set(queue.map((task) => (task.t === 's' ? task.id : '')));
	const outside: Task[] = scopeStreams(state, scope)
		.filter((id) => !queued.has(id) && !attempted.has(id) && state.streams[id] !== undefined)
		.map((id) => ({ t: 's', id, ctx: state.streams[id].ctx }));
	const candidates = [...queue, ...outside];
	if (candidates.length === 0) return false;
	const fresh = candidates.filter((task) => task.t === 'l' || (state.streams[task.id]?.failures ?? 0) === 0);
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

export async function runPoll(
	stored: unknown,
	settings: PollSettings,
	io: PollIO,
	nowMs: number,
): Promise<PollOutcome> {
	const state = loadState(stored, settings, nowMs);
	const event = settings.scope.event;
	if (state.cycle.scope !== scopeSignature(settings.scope)) {
		// The scope was edited: start over with the new one. Streams kept in both keep their cursors.
		beginCycle(state, settings.scope);
	} else if (state.cycle.queue.length === 0) {
		endCycle(state);
		beginCycle(state, settings.scope);
	}

	const items: Emitted[] = [];
	const failures: StreamFailure[] = [];
	const reads = new Map<string, ReadContext>();
	const streamsRead = new Set<string>();
	let requests = 0;
	// Requests counted against the budget: all but the pages of the scope's own listing.
	let spent = 0;
	let succeeded = 0;
	// The first failure that is not specific to its stream or listing: if nothing succeeds, this
	// is what the poll throws. Stream-specific failures alone never fail the poll.
	let globalError: unknown;
	let stoppedBy: unknown;
	let transientFailures = 0;
	// 'due': the next request is a probe; 'sent': the head of the queue is one.
	let probe = 'no' as 'no' | 'due' | 'sent';
	const queue = state.cycle.queue;
	// Fatal errors stop the poll. Server errors before anything succeeded may mean the API is
	// down, or only that the streams at the head of the rotation are broken on 4SEE's side: after
	// a few, one stream elsewhere is probed, and only if it fails too does the poll stop, rather
	// than spend every retry wait of the budget on an API that is down. Its state is then left
	// alone; without the probe, broken streams at the head would freeze the rotation for good.
	const stops = (error: unknown, specific: boolean): boolean => {
		if (!specific) globalError ??= error;
		if (io.isFatal(error)) return true;
		if (succeeded > 0) return false;
		if (io.isTransient?.(error) === true) {
			transientFailures++;
			if (probe === 'sent') return true;
			if (transientFailures >= TRANSIENT_FAILURES_MEANING_DOWN) probe = 'due';
		} else if (probe === 'sent') {
			// Not an answer that tells either way (a removed stream): probe another one.
			probe = 'due';
		}
		return false;
	};

	for (;;) {
		// A probe is due after a few server errors, and also when the budget or the rotation would
		// end the poll before one was made: a failing run at the head must not be all it sees.
		if (
			succeeded === 0 &&
			transientFailures > 0 &&
			probe !== 'sent' &&
			spent < settings.requestBudget &&
			(probe === 'due' || queue.length === 0 || spent === settings.requestBudget - 1)
		) {
			probe = pickProbe(state, settings.scope, reads, nowMs) ? 'sent' : 'no';
			if (probe === 'no' && queue.length === 0) break;
		}
		if (queue.length === 0 || items.length >= settings.maxItems) break;
		const task = queue[0];
		const free = task.t === 'l' && isScopeListing(settings.scope, task.src);
		if (spent >= settings.requestBudget && !free) break;
		requests++;
		if (!free) spent++;
		if (task.t === 'l') {
			try {
				const page = await io.listPage(task.src, task.next);
				succeeded++;
				queue.shift();
				queue.push(...expand(state, task, page.records));
				if (page.next !== undefined) queue.push({ ...task, next: page.next });
			} catch (error) {
				const specific = io.isStreamSpecific?.(error) === true && !isScopeListing(settings.scope, task.src);
				if (stops(error, specific)) {
					stoppedBy = error;
					break;
				}
				// A listing that fails is retried next cycle; until then no stream counts as departed,
				// and the streams it named last time are read as before.
				queue.shift();
				state.cycle.listFailed = true;
				queue.push(...knownStreams(state, task.src));
				const label = task.src.of === 'deliverSafeUnits' ? 'deliverSafe' : `${task.src.of}:${task.src.id}`;
				failures.push({ stream: label, message: io.describe(error), failures: 1 });
			}
			continue;
		}

		const stream = state.streams[task.id] ?? (discover(state, task.id, task.ctx), state.streams[task.id]);
		let read = reads.get(task.id);
		if (read === undefined) {
			read = startRead(`${event}:${task.id}`, stream, settings.latenessMs, settings.filter);
			reads.set(task.id, read);
		}
		const token = stream.resume ?? telemetryStartToken(new Date(read.lowBound));
		let page: Page;
		try {
			page = await io.readPage(event, task.id, token);
		} catch (error) {
			if (stops(error, io.isStreamSpecific?.(error) === true)) {
				stoppedBy = error;
				break;
			}
			// This stream waits for the next cycle; the others go on. Its cursor stays where it was,
			// the rotation moves past it, and its count of failed polls tells the node to report it.
			queue.shift();
			stream.failures = (stream.failures ?? 0) + 1;
			stream.lastError = io.describe(error);
			stream.reason = io.reason?.(error) ?? 'other';
			failures.push({ stream: task.id, message: stream.lastError, failures: stream.failures });
			continue;
		}
		succeeded++;
		streamsRead.add(task.id);
		delete stream.failures;
		delete stream.lastError;
		delete stream.reason;
		const result = ingestPage(stream, page.records, read, settings.maxItems - items.length);
		for (const accepted of result.accepted) {
			const meta = itemMeta(event, task.id, stream.ctx, accepted.record);
			meta.dedupeKey = `${event}:${task.id}:${accepted.key}`;
			if (accepted.detail !== undefined) meta.filter = accepted.detail;
			items.push({ record: accepted.record, meta });
		}
		if (result.cut) {
			// Item cap reached inside this page: read it again first thing next poll.
			stream.resume = token === telemetryStartToken(new Date(read.lowBound)) ? undefined : token;
			break;
		}
		queue.shift();
		if (page.next !== undefined && page.next === token) {
			// The same page again would never end: keep what it gave, report, and retry next cycle.
			stream.resume = page.next;
			stream.failures = (stream.failures ?? 0) + 1;
			stream.lastError = '4SEE returned the same page token again; reading this stream resumes next poll';
			stream.reason = 'other';
			failures.push({ stream: task.id, message: stream.lastError, failures: stream.failures });
		} else if (page.next !== undefined) {
			stream.resume = page.next;
			queue.push(task);
		} else {
			delete stream.resume;
		}
	}

	for (const id of reads.keys()) {
		const stream = state.streams[id];
		if (stream !== undefined) settle(stream, settings.latenessMs);
	}

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
		requests,
		streamsRead: [...streamsRead],
		cycleCompleted: queue.length === 0,
	};
	if (succeeded === 0 && globalError !== undefined) outcome.error = globalError;
	else {
		if (stoppedBy !== undefined) outcome.stoppedBy = stoppedBy;
		// Returning nothing here would look like a quiet fleet while the trigger is stuck.
		if (streamsRead.size === 0) outcome.allFailing = failingScope(state, settings.scope);
	}
	return outcome;
}
