/**
 * The trigger's I/O: the engine's page reads and listings, done through the shared transport.
 * This is the only file of the trigger that knows about n8n; the rest is pure.
 */
import type { IDataObject, IPollFunctions, JsonObject as N8nJsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { PAGING, parsePage, paths, type Page } from '../api';
import { apiRequest, pathSegment, type RetryPolicy, type Subject } from '../transport';
import type { PollIO } from './engine';
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

export interface IoOptions {
	pageSize: number;
	retry: RetryPolicy;
}

function segment(context: IPollFunctions, field: string, id: string): string {
	try {
		return pathSegment.call(context, field, id);
	} catch (error) {
		throw streamProblem(context, (error as Error).message);
	}
}

async function getPage(context: IPollFunctions, path: string, qs: IDataObject, retry: RetryPolicy, subject?: Subject): Promise<Page> {
	const body = await apiRequest.call(context, { method: 'GET', path, qs, retry, subject });
	const page = parsePage(body);
	if (page === undefined) throw streamProblem(context, `4SEE answered ${path} in an unexpected format`);
	return page;
}

export function pollIo(context: IPollFunctions, options: IoOptions): PollIO {
	return {
		async readPage(event, streamId, token) {
			const spec = TELEMETRY[event];
			const path = spec.path(segment(context, spec.field, streamId));
			return await getPage(
				context,
				path,
				{ [PAGING.takeParam]: options.pageSize, [PAGING.nextParam]: token },
				options.retry,
				{ kind: spec.kind, id: streamId },
			);
		},
		async listPage(source: ListSource, token) {
			const qs: IDataObject = { [PAGING.takeParam]: PAGING.maxTake };
			if (token !== undefined) qs[PAGING.nextParam] = token;
			if (source.of === 'deliverSafeUnits') return await getPage(context, paths.deliverSafeUnits, qs, options.retry);
			// Inactive trailers and devices report nothing; leaving them out saves requests.
			qs[PAGING.activeOnlyParam] = true;
			if (source.of === 'fleetTrailers') {
				const path = paths.trailersOfFleet(segment(context, 'Fleet', source.id));
				return await getPage(context, path, qs, options.retry, { kind: 'fleet', id: source.id });
			}
			const path = paths.devicesOfTrailer(segment(context, 'Trailer', source.id));
			return await getPage(context, path, qs, options.retry, { kind: 'trailer', id: source.id });
		},
		isFatal,
		isTransient,
		isStreamSpecific,
		reason,
		describe,
	};
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

export function describe(error: unknown): string {
	if (error instanceof Error) {
		const code = httpCode(error);
		return code !== undefined && /^\d{3}$/.test(code) && !error.message.includes(code)
			? `${error.message} (HTTP ${code})`
			: error.message;
	}
	return String(error);
}

/** What the poll throws when nothing could be read: the original n8n error when there is one. */
export function asNodeError(context: IPollFunctions, error: unknown): Error {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
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
