/**
 * The trigger's I/O: the engine's page reads and listings, done through the shared transport.
 * This is the only file of the trigger that knows about n8n; the rest is pure.
 */
import type { ICredentialsDecrypted, IDataObject, IPollFunctions, JsonObject as N8nJsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { PAGING, parsePage, paths, type Page } from '../api';
import { apiRequest, notFromApi, pathSegment, redact, type RetryPolicy, type Subject } from '../transport';
import type { AheadRead, PollIO } from './engine';
import type { EventKind, FailureReason, ListSource, Scope, ScopeFailure } from './types';

/**
 * Stream-specific problems (an id from a listing that cannot be used, an odd answer): they fail
 * that stream only, unlike other NodeOperationErrors, which mean the settings are unusable.
 */
const streamProblems = new WeakSet<object>();

function streamProblem(context: IPollFunctions, message: string): NodeOperationError {
	const error = new NodeOperationError(context.getNode(), message);
	streamProblems.add(error);
	return error;
}

const TELEMETRY: Record<EventKind, { path: (id: string) => string; kind: Subject['kind']; field: string }> = {
	gpsPosition: { path: paths.trailerGpsTelemetry, kind: 'trailer', field: 'Trailer' },
	deviceTelemetry: { path: paths.deviceTelemetry, kind: 'device', field: 'Device' },
	deliverSafeTelemetry: { path: paths.deliverSafeTelemetry, kind: 'deliverSafe', field: 'DeliverSafe Unit' },
};

/** Where one trailer, device or unit of a typed-in list is read, to prove it is there. */
const SINGLE: Record<EventKind, { path: (id: string) => string; kind: Subject['kind']; field: string }> = {
	gpsPosition: { path: paths.trailer, kind: 'trailer', field: 'Trailer' },
	deviceTelemetry: { path: paths.device, kind: 'device', field: 'Device' },
	deliverSafeTelemetry: { path: paths.deliverSafeUnit, kind: 'deliverSafe', field: 'DeliverSafe Unit' },
};

export interface IoOptions {
	pageSize: number;
	retry: RetryPolicy;
	/** The credential, read once at the poll's start (see ApiRequestOptions.credentials). */
	credentials?: ICredentialsDecrypted;
	/** The poll's time bound (ms): waits before a retry are cut so as not to run past it. */
	deadlineMs?: number;
	now?: () => number;
	/**
	 * Reads in flight at once: the next reads of the queue (PollIO.ahead) start while the engine
	 * takes answers in queue order; the process's request scheduler bounds them too. Default 1.
	 */
	concurrency?: number;
}

function aheadKey(read: AheadRead): string {
	return read.kind === 'page'
		? JSON.stringify(['page', read.event, read.id, read.token])
		: JSON.stringify(['list', read.src.of, 'id' in read.src ? read.src.id : '', read.token ?? null]);
}

/**
 * The retry policy of one request: a poll with a time bound does not wait past it for a retry
 * (a 429's Retry-After can be a minute); the request then fails and the poll stops early, its
 * rest following next poll.
 */
export function retryWithin(retry: RetryPolicy, deadlineMs: number | undefined, nowMs: number): RetryPolicy {
	if (deadlineMs === undefined) return retry;
	return { ...retry, maxWaitMs: Math.max(0, Math.min(retry.maxWaitMs, deadlineMs - nowMs)) };
}

function segment(context: IPollFunctions, field: string, id: string): string {
	try {
		return pathSegment.call(context, field, id);
	} catch (error) {
		throw streamProblem(context, (error as Error).message);
	}
}

export function pollIo(context: IPollFunctions, options: IoOptions): PollIO {
	const now = options.now ?? Date.now;
	const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
	const get = async (path: string, qs: IDataObject, subject?: Subject): Promise<unknown> =>
		await apiRequest.call(context, {
			method: 'GET',
			path,
			qs,
			retry: retryWithin(options.retry, options.deadlineMs, now()),
			subject,
			credentials: options.credentials,
			concurrency,
		});
	const getPage = async (path: string, qs: IDataObject, subject?: Subject): Promise<Page> => {
		const page = parsePage(await get(path, qs, subject));
		if (page === undefined) throw streamProblem(context, `4SEE answered ${path} in an unexpected format`);
		return page;
	};
	const readPage = async (event: EventKind, streamId: string, token: string): Promise<Page> => {
		const spec = TELEMETRY[event];
		const path = spec.path(segment(context, spec.field, streamId));
		return await getPage(
			path,
			{ [PAGING.takeParam]: options.pageSize, [PAGING.nextParam]: token },
			{ kind: spec.kind, id: streamId },
		);
	};
	const listPage = async (source: ListSource, token: string | undefined): Promise<Page> => {
		// The user's Page Size, like the telemetry pages: it is what they set to suit their 4SEE.
		const qs: IDataObject = { [PAGING.takeParam]: options.pageSize };
		if (token !== undefined) qs[PAGING.nextParam] = token;
		if (source.of === 'deliverSafeUnits') return await getPage(paths.deliverSafeUnits, qs);
		// Inactive trailers and devices report nothing; leaving them out saves requests.
		qs[PAGING.activeOnlyParam] = true;
		if (source.of === 'fleetTrailers') {
			const path = paths.trailersOfFleet(segment(context, 'Fleet', source.id));
			return await getPage(path, qs, { kind: 'fleet', id: source.id });
		}
		const path = paths.devicesOfTrailer(segment(context, 'Trailer', source.id));
		return await getPage(path, qs, { kind: 'trailer', id: source.id });
	};
	// Reads started ahead, by what they read, until the engine asks for them; and those it will not.
	const started = new Map<string, Promise<Page>>();
	const dropped = new Set<Promise<unknown>>();
	const take = async (key: string, read: () => Promise<Page>): Promise<Page> => {
		const early = started.get(key);
		if (early === undefined) return await read();
		started.delete(key);
		return await early;
	};
	return {
		now,
		ahead(reads: AheadRead[]) {
			const wanted = new Map(reads.map((read) => [aheadKey(read), read]));
			for (const [key, promise] of started) {
				// No longer next (the poll went another way): its answer is not used.
				if (wanted.has(key)) continue;
				started.delete(key);
				dropped.add(promise);
				void promise.then(
					() => dropped.delete(promise),
					() => dropped.delete(promise),
				);
			}
			for (const [key, read] of wanted) {
				if (started.size >= concurrency) break;
				if (started.has(key)) continue;
				const promise = read.kind === 'page' ? readPage(read.event, read.id, read.token) : listPage(read.src, read.token);
				// Handled when the engine takes it; until then a failure must not count as unhandled.
				promise.catch(() => undefined);
				started.set(key, promise);
			}
		},
		async drain() {
			for (const promise of started.values()) dropped.add(promise);
			started.clear();
			await Promise.allSettled([...dropped]);
			dropped.clear();
		},
		async checkScope(scope: Scope, id?: string) {
			const first = { [PAGING.takeParam]: 1 };
			if ('fleet' in scope) {
				await get(paths.trailersOfFleet(segment(context, 'Fleet', scope.fleet)), first, { kind: 'fleet', id: scope.fleet });
			} else if ('trailer' in scope) {
				await get(paths.devicesOfTrailer(segment(context, 'Trailer', scope.trailer)), first, { kind: 'trailer', id: scope.trailer });
			} else if ('allUnits' in scope) {
				await get(paths.deliverSafeUnits, first);
			} else if (id !== undefined) {
				const spec = SINGLE[scope.event];
				await get(spec.path(segment(context, spec.field, id)), {}, { kind: spec.kind, id });
			}
		},
		async readPage(event, streamId, token) {
			return await take(aheadKey({ kind: 'page', event, id: streamId, token }), async () => await readPage(event, streamId, token));
		},
		async listPage(source: ListSource, token) {
			return await take(aheadKey({ kind: 'list', src: source, token }), async () => await listPage(source, token));
		},
		isFatal,
		isTransient,
		isStreamSpecific,
		isOutsideApi,
		reason,
		describe: describeError,
	};
}

/**
 * Failures that are not 4SEE's answer (PollIO.isOutsideApi): a request n8n cancelled or failed
 * before or around sending (its database closed while stopping, its expression engine, the
 * credential unreadable or unusable), and any error that is not one of the transport's at all.
 */
export function isOutsideApi(error: unknown): boolean {
	if (typeof error === 'object' && error !== null && streamProblems.has(error)) return false;
	if (notFromApi(error)) return true;
	if (error instanceof NodeOperationError) return true;
	return !(error instanceof NodeApiError);
}

function httpCode(error: unknown): string | undefined {
	const code = (error as { httpCode?: unknown } | null)?.httpCode;
	return typeof code === 'string' ? code : undefined;
}

/**
 * Errors no further request of this poll would escape: the key or token rejected (401), the
 * rate limit spent after waiting (429), the API unreachable (no HTTP status at all), or the
 * credential itself unusable.
 */
export function isFatal(error: unknown): boolean {
	if (typeof error === 'object' && error !== null && streamProblems.has(error)) return false;
	if (error instanceof NodeOperationError) return true;
	const code = httpCode(error);
	if (code === '401' || code === '429') return true;
	if (error instanceof NodeApiError) return code === undefined || !/^\d{3}$/.test(code);
	return false;
}

/**
 * Errors about the one trailer, device, unit or listing asked for: 404 (removed), 403 (not
 * visible to this key), or an id or answer of that stream the node cannot use. They fail that
 * stream only; the poll goes on with the others and does not fail because of them alone.
 */
export function isStreamSpecific(error: unknown): boolean {
	if (typeof error === 'object' && error !== null && streamProblems.has(error)) return true;
	const code = httpCode(error);
	return code === '404' || code === '403';
}

export function isTransient(error: unknown): boolean {
	const code = httpCode(error);
	return code !== undefined && /^5\d\d$/.test(code);
}

export function reason(error: unknown): FailureReason {
	const code = httpCode(error);
	if (code === '404') return 'notFound';
	if (code === '403') return 'noAccess';
	return isTransient(error) ? 'server' : 'other';
}

/** Stored in the trigger's state and logged: bounded, and never a secret. */
const MAX_DESCRIBED = 500;

export function describeError(error: unknown): string {
	if (error instanceof Error) {
		const code = httpCode(error);
		return redact(
			code !== undefined && /^\d{3}$/.test(code) && !error.message.includes(code)
				? `${error.message} (HTTP ${code})`
				: error.message,
			MAX_DESCRIBED,
		);
	}
	return redact(String(error), MAX_DESCRIBED);
}

/** What the poll throws when nothing could be read: the original n8n error when there is one. */
export function asNodeError(context: IPollFunctions, error: unknown): Error {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const message = redact(error instanceof Error ? error.message : String(error), MAX_DESCRIBED);
	return new NodeApiError(context.getNode(), { message } as N8nJsonObject, { message });
}

const NOUNS: Record<EventKind, [string, string]> = {
	gpsPosition: ['trailer', 'trailers'],
	deviceTelemetry: ['device', 'devices'],
	deliverSafeTelemetry: ['DeliverSafe unit', 'DeliverSafe units'],
};

/** How each reason reads after the ids, for one stream and for several. */
const PHRASES: Record<FailureReason, [string, string]> = {
	notFound: ['not found', 'not found'],
	noAccess: ['is not visible to your API key', 'not visible to your API key'],
	server: ['gets a server error from 4SEE', 'get a server error from 4SEE'],
	other: ['cannot be read', 'cannot be read'],
};

const MAX_IDS_NAMED = 10;

function idList(ids: string[]): string {
	if (ids.length <= MAX_IDS_NAMED) return ids.join(', ');
	return `${ids.slice(0, MAX_IDS_NAMED).join(', ')} and ${ids.length - MAX_IDS_NAMED} more`;
}

/** Where the scope's streams come from, when a listing names them. */
function listedIn(scope: Scope): string | undefined {
	if ('fleet' in scope) return `fleet ${scope.fleet}`;
	if ('trailer' in scope) return `trailer ${scope.trailer}`;
	if ('allUnits' in scope) return 'your DeliverSafe units';
	return undefined;
}

/** What the user can do about streams failing for `why`. */
function advice(why: FailureReason, scope: Scope, several: boolean): string {
	const them = several ? 'them' : 'it';
	const listing = listedIn(scope);
	if (why === 'notFound') {
		return listing === undefined
			? `${several ? 'they' : 'it'} may have been removed from the fleet; update the trigger`
			: `4SEE still lists ${them} in ${listing} but has no data for ${them}; the trigger drops ${them} once 4SEE stops listing ${them}`;
	}
	if (why === 'noAccess') {
		return `ask your Grote representative to give your API key access to ${them}${listing === undefined ? ', or update the trigger' : ''}`;
	}
	if (why === 'server') return "the problem is on 4SEE's side; tell Grote if it lasts";
	return 'check the trigger\'s settings and the error below';
}

/**
 * The error a poll throws when no stream could be read and every stream of the scope failed in
 * its latest attempt: without it the trigger would return nothing, poll after poll, and look
 * like a quiet fleet. It names the streams and says what to do, grouped by reason.
 */
export function scopeFailingError(context: IPollFunctions, scope: Scope, failing: ScopeFailure[]): NodeApiError {
	const [noun, nouns] = NOUNS[scope.event];
	const byReason = new Map<FailureReason, ScopeFailure[]>();
	for (const failure of failing) byReason.set(failure.reason, [...(byReason.get(failure.reason) ?? []), failure]);
	const groups = [...byReason.entries()];
	let message: string;
	if (failing.length === 1) {
		const [only] = failing;
		message = `${capitalise(noun)} ${only.stream} ${PHRASES[only.reason][0]}: ${advice(only.reason, scope, false)}`;
	} else {
		const where = listedIn(scope);
		const what = `${where === undefined ? `the ${failing.length} ${nouns} this trigger watches` : `the ${failing.length} ${nouns} of ${where}`}`;
		const parts = groups.map(([why, list]) => `${idList(list.map((f) => f.stream))} ${PHRASES[why][list.length === 1 ? 0 : 1]}`);
		message = `None of ${what} can be read: ${parts.join('; ')}`;
	}
	const polls = Math.min(...failing.map((f) => f.failures));
	const lines = [
		...(failing.length > 1 ? groups.map(([why, list]) => `${capitalise(advice(why, scope, list.length > 1))}.`) : []),
		`${failing.length === 1 ? 'It has' : 'Each has'} failed ${polls === 1 ? 'its last read' : `at least its last ${polls} reads`}. The trigger keeps trying on every round and loses nothing: reading resumes where it stopped once 4SEE answers.`,
		`Last answer${failing.length === 1 ? '' : 's'}: ${failing.slice(0, 3).map((f) => (failing.length === 1 ? f.message : `${f.stream}: ${f.message}`)).join('; ')}${failing.length > 3 ? '; ...' : ''}`,
	];
	const description = lines.join(' ');
	const codes = new Set(failing.map((f) => f.reason));
	const httpCode = codes.size === 1 && codes.has('notFound') ? '404' : codes.size === 1 && codes.has('noAccess') ? '403' : null;
	const error = new NodeApiError(context.getNode(), { message, description, httpCode } as N8nJsonObject, {
		message,
		description,
		...(httpCode === null ? {} : { httpCode }),
	});
	// NodeApiError may swap a message for a generic text by status; ours names the streams.
	error.message = message;
	error.description = description;
	return error;
}

function capitalise(text: string): string {
	return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
