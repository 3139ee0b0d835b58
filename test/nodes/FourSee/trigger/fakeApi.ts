/**
 * An in-memory stand-in for the telemetry and listing endpoints, small enough to reason about in
 * unit tests: time-based paging that re-serves same-timestamp records at a page boundary (or
 * skips with `<iso>~<n>` when a whole page shares one timestamp), late inserts, and failures on
 * demand. The sandbox tests exercise the real thing.
 */
import type { Page } from '../../../../nodes/FourSee/api';
import type { EventKind, FailureReason, ListSource, Scope } from '../../../../nodes/FourSee/trigger/types';
import type { PollIO } from '../../../../nodes/FourSee/trigger/engine';

export type Rec = Record<string, unknown> & { timestamp: string };

export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

/** A failure of n8n itself (its database, its expression engine), not of the API. */
export class OutsideError extends Error {}

export class FakeApi implements PollIO {
	readonly streams = new Map<string, Rec[]>();
	readonly lists = new Map<string, Array<Record<string, unknown>>>();
	pageSize = 3;
	listPageSize = 500;
	requests: string[] = [];
	/** Stream or list keys that fail with the given status. */
	failing = new Map<string, number>();
	/** Every request fails with this status (API down, key rejected). */
	down?: number;
	/** Set by tests that model the transport's 5xx classification. */
	isTransient?: (error: unknown) => boolean;
	/** The fake's clock (ms); every request moves it on by `msPerRequest`. */
	clock = T0;
	msPerRequest = 0;
	/** From this request on (1-based, counted over all requests), every request throws `outside.error`. */
	outside?: { fromRequest: number; error: Error };

	now(): number {
		return this.clock;
	}

	/** n8n failing under the poll (its database closed): not an answer of 4SEE. */
	isOutsideApi(error: unknown): boolean {
		return error instanceof OutsideError;
	}

	private tick(): void {
		this.clock += this.msPerRequest;
		if (this.outside !== undefined && this.requests.length >= this.outside.fromRequest) throw this.outside.error;
	}

	async checkScope(scope: Scope, id?: string): Promise<void> {
		const key = id ?? ('fleet' in scope ? `fleetTrailers:${scope.fleet}` : 'trailer' in scope ? `trailerDevices:${scope.trailer}` : 'deliverSafe');
		this.requests.push(`check ${key}`);
		this.tick();
		if (this.down !== undefined) throw new ApiError(this.down, 'API down');
		const status = this.failing.get(key);
		if (status !== undefined) throw new ApiError(status, `${key} failed`);
	}

	add(stream: string, ...records: Rec[]): void {
		const list = this.streams.get(stream) ?? [];
		for (const record of records) {
			// Late records land in time order, after records with the same timestamp.
			const t = Date.parse(record.timestamp);
			let i = list.length;
			while (i > 0 && Date.parse(list[i - 1].timestamp) > t) i--;
			list.splice(i, 0, record);
		}
		this.streams.set(stream, list);
	}

	async readPage(_event: EventKind, streamId: string, token: string): Promise<Page> {
		this.requests.push(`read ${streamId}`);
		this.tick();
		if (this.down !== undefined) throw new ApiError(this.down, 'API down');
		const status = this.failing.get(streamId);
		if (status !== undefined) throw new ApiError(status, `stream ${streamId} failed`);
		const [iso, skipText] = token.split('~');
		const from = Date.parse(iso);
		if (!Number.isFinite(from)) throw new ApiError(400, `bad token ${token}`);
		const skip = Number(skipText ?? 0);
		const eligible = (this.streams.get(streamId) ?? []).filter((r) => Date.parse(r.timestamp) >= from);
		const served = eligible.slice(skip, skip + this.pageSize);
		const rest = eligible.slice(skip + this.pageSize);
		if (rest.length === 0) return { records: served };
		const firstRest = Date.parse(rest[0].timestamp);
		const next =
			firstRest === Date.parse(served[0].timestamp) && firstRest === from
				? `${iso}~${skip + this.pageSize}`
				: new Date(firstRest).toISOString();
		return { records: served, next };
	}

	async listPage(source: ListSource, token: string | undefined): Promise<Page> {
		const key = source.of === 'deliverSafeUnits' ? 'deliverSafe' : `${source.of}:${source.id}`;
		this.requests.push(`list ${key}`);
		this.tick();
		if (this.down !== undefined) throw new ApiError(this.down, 'API down');
		const status = this.failing.get(key);
		if (status !== undefined) throw new ApiError(status, `list ${key} failed`);
		const all = this.lists.get(key) ?? [];
		const offset = Number(token ?? 0);
		const records = all.slice(offset, offset + this.listPageSize);
		const next = offset + this.listPageSize < all.length ? String(offset + this.listPageSize) : undefined;
		return { records, next };
	}

	isFatal(error: unknown): boolean {
		return error instanceof ApiError && (error.status === 401 || error.status === 429);
	}

	/** A removed (404) or hidden (403) stream or listing, as the real I/O classifies them. */
	isStreamSpecific(error: unknown): boolean {
		return error instanceof ApiError && (error.status === 404 || error.status === 403);
	}

	/** What a failure means for the user, as the real I/O tells it from the status. */
	reason(error: unknown): FailureReason {
		if (!(error instanceof ApiError)) return 'other';
		if (error.status === 404) return 'notFound';
		if (error.status === 403) return 'noAccess';
		return error.status >= 500 ? 'server' : 'other';
	}

	describe(error: unknown): string {
		return error instanceof Error ? error.message : String(error);
	}
}

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');
export const iso = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString();
