/**
 * The trigger's I/O: the engine's page reads and listings, done through the shared transport.
 * This is the only file of the trigger that knows about n8n; the rest is pure.
 */
import type { IDataObject, IPollFunctions, JsonObject as N8nJsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { PAGING, parsePage, paths, type Page } from '../api';
import { apiRequest, pathSegment, type RetryPolicy, type Subject } from '../transport';
import type { PollIO } from './engine';
import type { EventKind, ListSource } from './types';

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
