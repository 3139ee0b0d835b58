/**
 * The trigger's data model. Everything here is plain JSON: it lives in n8n's workflow static
 * data, which n8n serialises between polls and across restarts. The stored state
 * (`TriggerState`) carries a version; states written by earlier versions are read through
 * `migrate.ts`, so a change to these shapes is a new version with a step there.
 */

export type EventKind = 'gpsPosition' | 'deviceTelemetry' | 'deliverSafeTelemetry';

/** Which streams a trigger watches. A stream is one trailer's GPS, one device or one unit. */
export type Scope =
	| { event: 'gpsPosition'; trailers: string[] }
	| { event: 'gpsPosition'; fleet: string }
	| { event: 'deviceTelemetry'; devices: string[] }
	| { event: 'deviceTelemetry'; trailer: string }
	| { event: 'deviceTelemetry'; fleet: string }
	| { event: 'deliverSafeTelemetry'; units: string[] }
	| { event: 'deliverSafeTelemetry'; allUnits: true };

/** Lists whose members are streams (or further lists): trailers of a fleet, devices of a trailer. */
export type ListSource =
	| { of: 'fleetTrailers'; id: string }
	| { of: 'trailerDevices'; id: string }
	| { of: 'deliverSafeUnits' };

/** Where a record came from, carried into each item's metadata. */
export interface StreamContext {
	fleetId?: string;
	trailerId?: string;
}

export type StartPoint =
	| { mode: 'now' }
	| { mode: 'relative'; hours: number }
	| { mode: 'date'; date: string }
	| { mode: 'all' };

export type Filter =
	| { type: 'none' }
	| {
			type: 'geofence';
			latitude: number;
			longitude: number;
			radiusMeters: number;
			on: 'enter' | 'leave' | 'both';
	  }
	| { type: 'speedAbove'; kph: number }
	| { type: 'fieldChange'; field: string }
	| { type: 'threshold'; field: string; value: number; direction: 'above' | 'below' | 'either' }
	| { type: 'events'; events: string[] };

export interface PollSettings {
	scope: Scope;
	start: StartPoint;
	filter: Filter;
	/** Records up to this much older than the newest seen are still caught (late uploads). */
	latenessMs: number;
	/** Logical API requests per poll: telemetry pages and nested listings (not the scope's own listing). */
	requestBudget: number;
	/** Items per poll; the rest is carried over, never dropped. */
	maxItems: number;
	/**
	 * The poll's time bound, as a time (ms, on PollIO's clock): after it the poll starts no new
	 * request and the rest continues next poll. None: no bound.
	 */
	deadlineMs?: number;
	/**
	 * Reads in flight at once (Concurrent Requests): the I/O reads the next tasks of the queue
	 * ahead while the engine takes their answers in queue order. 1 or none: one after another.
	 */
	concurrency?: number;
}

/** A unit of work in the round-robin queue: read one stream, or walk one listing (from page `next`). */
export type Task =
	| { kind: 'stream'; id: string; ctx?: StreamContext }
	| { kind: 'listing'; src: ListSource; next?: string; ctx?: StreamContext };

export interface StreamState {
	/** Nothing before this time (ms) is emitted: the start point, raised when keys are evicted. */
	floor: number;
	/** The newest record time (ms) processed so far. */
	watermark?: number;
	/** Keys of records processed with time >= watermark - lateness, mapped to their time (ms). */
	keys: Record<string, number>;
	/** Keys of records without a readable timestamp already emitted (bounded, oldest first). */
	untimed?: string[];
	/** 4SEE served this stream out of time order once: said so in the log, not again. */
	unordered?: true;
	/** Continuation token when a read stopped before the end of the stream. */
	resume?: string;
	/** While a pass over the stream follows page tokens: is it getting anywhere (see `endlessPaging`). */
	paging?: PagingState;
	ctx?: StreamContext;
	/** Cycle in which a listing (or the configured list) last named this stream. */
	seen: number;
	/** The filter settings `filterState` was built under: the state is reset when they change. */
	filterSignature?: string;
	filterState?: FilterState;
	/** Consecutive failed reads, so a stream that keeps failing is reported, not silently frozen. */
	failures?: number;
	lastError?: string;
	/** What the last failure means for the user (removed, hidden, 4SEE's own trouble). */
	reason?: FailureReason;
}

/**
 * Why a stream could not be read, in the terms the user acts on: removed from 4SEE (404), not
 * visible to the API key (403), 4SEE failing on that stream alone (5xx while others answer), or
 * anything else (an unusable id or answer).
 */
export type FailureReason = 'notFound' | 'noAccess' | 'server' | 'other';

export interface PagingState {
	/** Pages in a row without progress. */
	stalledPages: number;
	/** Hashes of the page tokens sent since the last progress. */
	tokens: string[];
	/** The newest record time (ms) met in this pass. */
	newest?: number;
}

/** What an edge filter remembers of a stream (one of `inside`, `value`, `number`, by filter type). */
export interface FilterState {
	/** Time (ms) of the record the state reflects; older records do not move it. */
	time: number;
	/** geofence: was the last position inside. */
	inside?: boolean;
	/** fieldChange: canonical JSON of the last value. */
	value?: string;
	/** threshold: the last numeric value. */
	number?: number;
}

export interface TriggerState {
	/** The format's version (`STATE_VERSION`); `migrate.ts` reads the earlier ones. */
	v: 2;
	/** Event kind and start settings (`stateSignature`): when they change the trigger starts afresh. */
	settingsSignature: string;
	/** The start point (ms): where a stream met for the first time begins. */
	startMs: number;
	streams: Record<string, StreamState>;
	/** Watermarks of streams that left the scope (bounded), so one that returns does not replay. */
	gone: Record<string, number>;
	cycle: {
		/** The cycle's number (a stream's `seen` refers to it). */
		n: number;
		/** Signature of the scope the queue was built for. */
		scope: string;
		queue: Task[];
		/** A listing failed in this cycle: do not treat unlisted streams as departed. */
		listFailed?: boolean;
		/** The last poll ended early (Max Items per Poll, time bound): the next goes on into a new cycle. */
		early?: true;
	};
}

/** One record to emit, with the metadata users see. */
export interface Emitted {
	record: Record<string, unknown>;
	meta: ItemMeta;
}

export interface ItemMeta {
	event: EventKind;
	streamId: string;
	fleetId?: string;
	trailerId?: string;
	deviceId?: string;
	deliverSafeId?: string;
	/** Stable per record: usable as an idempotency key downstream. */
	dedupeKey: string;
	/**
	 * The record is stamped later than now (beyond 5 minutes of clock skew): emitted once, but it
	 * did not move the stream's cursor.
	 */
	futureTimestamp?: true;
	/** The record has no readable timestamp: emitted once, recognised by its content (or id). */
	noTimestamp?: true;
	/** What the filter saw, e.g. a geofence transition or a field's old and new value. */
	filter?: Record<string, unknown>;
	/** Streams that could not be read in this poll (no secrets: status and message only). */
	failedStreams?: StreamFailure[];
	/** Set when more streams failed than `failedStreams` lists. */
	failedStreamCount?: number;
}

export interface StreamFailure {
	stream: string;
	message: string;
	/** Consecutive polls in which this stream failed. */
	failures: number;
}

/** A stream of the scope whose latest read failed, as the poll reports it when all of them did. */
export interface ScopeFailure extends StreamFailure {
	reason: FailureReason;
}
