/** Options of the sandbox, their defaults and their validation. */

export interface RateWindow {
	requests: number;
	perSeconds: number;
}

export interface SandboxOptions {
	/** 0 = a free port chosen by the OS (the programmatic default; the CLI defaults to 4480). */
	port?: number;
	/** API key of the primary customer; default DEMO_API_KEY. */
	apiKey?: string;
	/** All generated data is a function of the seed (default 1). */
	seed?: number;
	/** JWT lifetime in seconds (default 1800). */
	tokenTtlSeconds?: number;
	/** Per-customer token bucket: capacity (default 100) and tokens added per second (default 20). */
	burst?: number;
	refillPerSecond?: number;
	/** Per-customer cap on concurrent Integration API requests (default 8); excess gets 429. */
	concurrency?: number;
	/** Authenticate limit per customer (default 10 per 300 s). */
	authLimit?: RateWindow;
	/** Rotate limit per customer (default 3 per 3600 s). */
	rotateLimit?: RateWindow;
	/** Size of the primary customer's data. */
	fleets?: number;
	trailersPerFleet?: number;
	devicesPerTrailer?: number;
	deliverSafeUnits?: number;
	/** manual: the simulated clock moves only via /__sandbox/clock; real: it follows the wall clock. */
	clock?: 'manual' | 'real';
	/** ISO time the simulated clock starts at (manual default 2026-01-01T00:00:00.000Z, real default now). */
	startTime?: string;
	/** How far back telemetry exists before the start time (default 7 days). */
	historySeconds?: number;
	/** Interval between telemetry records of one stream. */
	gpsIntervalSeconds?: number;
	deviceIntervalSeconds?: number;
	deliverSafeIntervalSeconds?: number;
	/** Added latency of every Integration API request, in ms (default 0); it holds a concurrency slot. */
	latencyMs?: number;
	/**
	 * Every trailer and device in service (default false: about one trailer in five and a few
	 * devices are out of service, as in a real fleet). For measuring a fleet where every stream
	 * reports, e.g. a trigger's coverage of all 5,000 trailers.
	 */
	allActive?: boolean;
	/**
	 * Largest `take` a list or telemetry request may ask for (default 500); larger ones get a 400
	 * naming `take`, as an API with a smaller page limit than ours would answer.
	 */
	maxTake?: number;
	/**
	 * How a 429 of the Integration API's rate or concurrency limit names its wait (default
	 * 'seconds'): `Retry-After: <seconds>`, `Retry-After: <HTTP date>` (RFC 9110 allows both), or
	 * no Retry-After at all, as an API that only says "too many" would answer.
	 */
	retryAfter?: RetryAfterForm;
	/** No request logging (programmatic default true; the CLI logs unless --quiet). */
	quiet?: boolean;
}

export type RetryAfterForm = 'seconds' | 'date' | 'none';

/** The settings that can be changed while running (POST /__sandbox/config). */
export interface LiveConfig {
	seed: number;
	tokenTtlSeconds: number;
	burst: number;
	refillPerSecond: number;
	concurrency: number;
	authLimit: RateWindow;
	rotateLimit: RateWindow;
	fleets: number;
	trailersPerFleet: number;
	devicesPerTrailer: number;
	deliverSafeUnits: number;
	historySeconds: number;
	gpsIntervalSeconds: number;
	deviceIntervalSeconds: number;
	deliverSafeIntervalSeconds: number;
	latencyMs: number;
	allActive: boolean;
	maxTake: number;
	retryAfter: RetryAfterForm;
}

export const DEFAULT_CONFIG: LiveConfig = {
	seed: 1,
	tokenTtlSeconds: 1800,
	burst: 100,
	refillPerSecond: 20,
	concurrency: 8,
	authLimit: { requests: 10, perSeconds: 300 },
	rotateLimit: { requests: 3, perSeconds: 3600 },
	fleets: 3,
	trailersPerFleet: 25,
	devicesPerTrailer: 4,
	deliverSafeUnits: 10,
	historySeconds: 7 * 24 * 3600,
	gpsIntervalSeconds: 60,
	deviceIntervalSeconds: 300,
	deliverSafeIntervalSeconds: 1800,
	latencyMs: 0,
	allActive: false,
	maxTake: 500,
	retryAfter: 'seconds',
};

export const DEFAULT_MANUAL_START = '2026-01-01T00:00:00.000Z';

type Check = (value: unknown) => string | undefined;

const integer =
	(min: number, max: number): Check =>
	(value) =>
		typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
			? undefined
			: `must be a whole number from ${min} to ${max}`;

const number =
	(min: number, max: number): Check =>
	(value) =>
		typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
			? undefined
			: `must be a number from ${min} to ${max}`;

const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'must be true or false');

const oneOf =
	(...allowed: string[]): Check =>
	(value) =>
		typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;

const window: Check = (value) => {
	if (typeof value !== 'object' || value === null) return 'must be { requests, perSeconds }';
	const { requests, perSeconds } = value as Record<string, unknown>;
	return integer(1, 1_000_000)(requests) ?? number(0.001, 86_400 * 365)(perSeconds)
		? 'must be { requests: whole number >= 1, perSeconds: number > 0 }'
		: undefined;
};

const CHECKS: Record<keyof LiveConfig, Check> = {
	seed: integer(-2_147_483_648, 4_294_967_295),
	tokenTtlSeconds: integer(1, 365 * 86_400),
	burst: integer(1, 1_000_000),
	refillPerSecond: number(0, 1_000_000),
	concurrency: integer(1, 100_000),
	authLimit: window,
	rotateLimit: window,
	fleets: integer(1, 900),
	trailersPerFleet: integer(1, 100_000),
	devicesPerTrailer: integer(0, 50),
	deliverSafeUnits: integer(0, 100_000),
	historySeconds: integer(0, 10 * 365 * 86_400),
	gpsIntervalSeconds: integer(1, 86_400),
	deviceIntervalSeconds: integer(1, 86_400),
	deliverSafeIntervalSeconds: integer(1, 86_400),
	latencyMs: integer(0, 600_000),
	allActive: boolean,
	maxTake: integer(1, 100_000),
	retryAfter: oneOf('seconds', 'date', 'none'),
};

/**
 * Merges `changes` into `base`, checking each known key. Returns the field errors (key ->
 * messages) instead of throwing, so the control endpoint can answer with a 400.
 */
export function applyConfig(
	base: LiveConfig,
	changes: Record<string, unknown>,
	ignore: readonly string[] = [],
): { config: LiveConfig; errors: Record<string, string[]> } {
	const config: LiveConfig = { ...base };
	const errors: Record<string, string[]> = {};
	for (const [key, value] of Object.entries(changes)) {
		if (value === undefined || ignore.includes(key)) continue;
		if (!(key in CHECKS)) {
			errors[key] = [`unknown setting; known: ${Object.keys(CHECKS).join(', ')}`];
			continue;
		}
		const problem = CHECKS[key as keyof LiveConfig](value);
		if (problem !== undefined) errors[key] = [`${key} ${problem}`];
		else (config as unknown as Record<string, unknown>)[key] = value;
	}
	const trailers = config.fleets * config.trailersPerFleet;
	// Units are fitted to trailers; only an explicit request for more than there are is an error.
	if (changes.deliverSafeUnits === undefined) config.deliverSafeUnits = Math.min(config.deliverSafeUnits, trailers);
	if (config.deliverSafeUnits > trailers) {
		errors.deliverSafeUnits = [
			`deliverSafeUnits (${config.deliverSafeUnits}) cannot exceed the number of trailers (${config.fleets * config.trailersPerFleet})`,
		];
	}
	return { config, errors };
}

/** Options that are not live settings. */
export const STARTUP_ONLY = ['port', 'apiKey', 'clock', 'startTime', 'quiet'] as const;
