/**
 * Everything this package assumes about the 4SEE Integration API, in one place.
 *
 * The vendor's public overview names endpoints, the auth flow, paging words and rate limits but
 * publishes no schemas. Each constant or function below is either [seed] (from that overview)
 * or [assumed] (our working contract, written out in docs/api-contract.md). When the real
 * schema is known, this is the one file to edit (and that page). Keep it free of n8n imports
 * so the trigger's pure logic and tests can use it too.
 */

import { idMap } from './helpers/maps';
import { parseTimestamp } from './helpers/time';

export type JsonObject = { [key: string]: unknown };

/** [seed] Default host of the authentication API. The Integration API host is per customer. */
export const DEFAULT_AUTH_URL = 'https://auth.groteintegrations.com';

/** [seed] Token lifetime when nothing in the token response says otherwise (~30 min). */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 1800;

/** [seed] Rate limit of key rotation. */
export const ROTATE_RATE_LIMIT = { requests: 3, perSeconds: 3600 };

/**
 * Rules for the two service URLs of the credential (Auth URL, Integration API URL): https, or
 * plain http only for loopback hosts (the sandbox and tests), so a key or token never crosses
 * a network in clear text. Trailing slashes are tolerated; a path prefix is kept.
 * Returns the URL without trailing slashes, or a sentence saying what is wrong.
 */
export function checkServiceUrl(value: unknown): { url: string } | { problem: string } {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') return { problem: 'is empty' };
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		return { problem: `is not a valid URL (expected something like https://host.example.com)` };
	}
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		return { problem: `must start with https:// (got ${parsed.protocol}//)` };
	}
	if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
		return {
			problem:
				'uses plain http://, which would send the API key and token unencrypted; use https:// (http:// is accepted only for localhost / 127.0.0.1 / ::1)',
		};
	}
	if (parsed.username !== '' || parsed.password !== '') {
		return { problem: 'must not contain a user name or password' };
	}
	if (parsed.search !== '' || parsed.hash !== '') {
		return { problem: 'must not contain a query (?...) or fragment (#...)' };
	}
	return { url: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}` };
}

/**
 * Hosts that are loopback without asking DNS: `localhost`, 127.0.0.0/8 and ::1 literals. Names
 * under `.localhost` (evil.localhost) are not: on many machines they go to DNS like any other.
 */
function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
	if (host === 'localhost') return true;
	if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
	return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** [seed] Paths. Ids are inserted already validated and encoded (see `pathSegment`). */
export const paths = {
	customerLogin: '/api/v1/customers/authenticate',
	rotate: '/api/v1/customers/rotate',
	fleets: '/api/v1/fleets',
	fleet: (fleet: string) => `/api/v1/fleets/${fleet}`,
	trailersOfFleet: (fleet: string) => `/api/v1/trailers/${fleet}`,
	trailer: (trailer: string) => `/api/v1/trailers/${trailer}`,
	trailerGpsTelemetry: (trailer: string) => `/api/v1/trailers/telemetry/gps/${trailer}`,
	devicesOfTrailer: (trailer: string) => `/api/v1/devices/${trailer}`,
	device: (device: string) => `/api/v1/devices/details/${device}`,
	deviceTelemetry: (device: string) => `/api/v1/devices/telemetry/${device}`,
	deliverSafeUnits: '/api/v1/deliversafe',
	deliverSafeUnit: (id: string) => `/api/v1/deliversafe/${id}`,
	deliverSafeTelemetry: (id: string) => `/api/v1/deliversafe/telemetry/${id}`,
} as const;

/** [seed] Paging query parameters. [assumed] `take` default and range. */
export const PAGING = {
	takeParam: 'take',
	nextParam: 'next',
	activeOnlyParam: 'activeOnly',
	defaultTake: 50,
	minTake: 1,
	maxTake: 500,
} as const;

/** [assumed] Where a page's records and its continuation token may be found. */
const ENVELOPE_DATA_FIELDS = ['data', 'items', 'results', 'records'] as const;
const ENVELOPE_NEXT_FIELDS = ['next', 'nextToken'] as const;

export interface Page {
	records: JsonObject[];
	/** Token for the following page; undefined on the last page. */
	next?: string;
}

/**
 * [assumed] Reads a page in any of the envelopes the contract tolerates:
 * `{ data|items|results|records: [...], next|nextToken }`, or a bare array (no more pages).
 * Returns undefined when the body is none of these, so the caller can raise a clear error.
 */
export function parsePage(body: unknown): Page | undefined {
	if (Array.isArray(body)) return { records: body.filter(isObject) };
	if (!isObject(body)) return undefined;
	const field = ENVELOPE_DATA_FIELDS.find((name) => Array.isArray(body[name]));
	if (field === undefined) return undefined;
	const records = (body[field] as unknown[]).filter(isObject);
	for (const name of ENVELOPE_NEXT_FIELDS) {
		const next = pageToken(body[name]);
		if (next !== undefined) return { records, next };
	}
	return { records };
}

/**
 * [assumed] A `next` of any JSON scalar type is a token to send back as it was written (an API
 * may page with numbers: 0 included). null, false, "" and a missing field mean the last page.
 */
function pageToken(value: unknown): string | undefined {
	if (typeof value === 'string') return value === '' ? undefined : value;
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
	if (value === true) return 'true';
	return undefined;
}

/**
 * [assumed] Single-record endpoints (`/fleets/{id}`, `/trailers/{id}`, `/devices/details/{id}`,
 * `/deliversafe/{id}`) answer with the record object itself. Tolerate a `{ data: {...} }`
 * wrapper (the list envelope's field names). Undefined when the body is neither.
 */
export function parseRecord(body: unknown): JsonObject | undefined {
	if (!isObject(body)) return undefined;
	const keys = Object.keys(body);
	const wrapper = ENVELOPE_DATA_FIELDS.find((name) => isObject(body[name]));
	if (wrapper !== undefined && keys.length === 1) return body[wrapper] as JsonObject;
	return body;
}

/** [assumed] Field names of the token response, first present wins. */
const TOKEN_FIELDS = ['token', 'accessToken', 'access_token', 'jwt'] as const;
const TOKEN_LIFETIME_FIELDS = ['expiresIn', 'expires_in'] as const;

/** [assumed] The longest session token accepted: the API's JWTs are a few hundred characters. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Why a login answer's token cannot be a session token (an HTML page, text with spaces, far
 * too long), or undefined when it can. Such a token would be stored and sent as a Bearer
 * header to the Integration API, and the error would then blame the wrong URL.
 */
export function implausibleToken(token: string): string | undefined {
	if (/^\s*</.test(token)) return 'an HTML or XML page';
	if (token.length > MAX_TOKEN_LENGTH) return `${token.length} characters, far more than a session token has`;
	if (!/^[\x21-\x7e]+$/.test(token)) return 'text with spaces or characters a session token cannot contain';
	return undefined;
}

export interface ParsedToken {
	token: string;
	/** Seconds the token is valid for, counted from when it was issued/received. */
	lifetimeSeconds: number;
	/** Absolute expiry in ms since epoch when known from the JWT `exp` claim. */
	expiresAtMs?: number;
}

/**
 * [assumed] Reads the authenticate response: the token from the first present of
 * `token`, `accessToken`, `access_token`, `jwt`, or a bare JSON/text string body. Lifetime from
 * `expiresIn`/`expires_in` (seconds), else the JWT `exp` claim, else 1800 s.
 */
export function parseTokenResponse(body: unknown, nowMs: number = Date.now()): ParsedToken | undefined {
	let token: string | undefined;
	let lifetime: number | undefined;
	if (typeof body === 'string') {
		const text = body.trim();
		if (text.startsWith('"')) {
			try {
				const parsed: unknown = JSON.parse(text);
				if (typeof parsed === 'string') token = parsed;
			} catch {
				return undefined;
			}
		} else if (text.startsWith('{')) {
			try {
				return parseTokenResponse(JSON.parse(text), nowMs);
			} catch {
				return undefined;
			}
		} else if (text !== '') {
			token = text;
		}
	} else if (isObject(body)) {
		const field = TOKEN_FIELDS.find((name) => typeof body[name] === 'string' && body[name] !== '');
		if (field !== undefined) token = body[field] as string;
		const lifetimeField = TOKEN_LIFETIME_FIELDS.find((name) => Number(body[name]) > 0);
		if (lifetimeField !== undefined) lifetime = Number(body[lifetimeField]);
	}
	if (token === undefined || token === '') return undefined;
	const exp = jwtExpiry(token);
	if (lifetime !== undefined) return { token, lifetimeSeconds: lifetime, expiresAtMs: nowMs + lifetime * 1000 };
	if (exp !== undefined) {
		return { token, lifetimeSeconds: Math.max(0, Math.floor((exp - nowMs) / 1000)), expiresAtMs: exp };
	}
	return {
		token,
		lifetimeSeconds: DEFAULT_TOKEN_LIFETIME_SECONDS,
		expiresAtMs: nowMs + DEFAULT_TOKEN_LIFETIME_SECONDS * 1000,
	};
}

/** The `exp` claim of a JWT in ms since epoch, or undefined if the token is not a readable JWT. */
export function jwtExpiry(token: string): number | undefined {
	const parts = token.split('.');
	if (parts.length !== 3) return undefined;
	try {
		const payload: unknown = JSON.parse(base64UrlDecode(parts[1]));
		if (isObject(payload) && typeof payload.exp === 'number') return payload.exp * 1000;
	} catch {
		return undefined;
	}
	return undefined;
}

/** [assumed] Rotate response: the new key, first present wins. */
const ROTATED_KEY_FIELDS = ['apiKey', 'key', 'customerApiKey'] as const;

export function parseRotatedKey(body: unknown): string | undefined {
	if (!isObject(body)) return undefined;
	const field = ROTATED_KEY_FIELDS.find((name) => typeof body[name] === 'string' && body[name] !== '');
	return field === undefined ? undefined : (body[field] as string);
}

/** [assumed] Errors are RFC 9457 problem documents; 400s carry `errors: { field: [messages] }`. */
export interface Problem {
	type?: string;
	title?: string;
	status?: number;
	detail?: string;
	errors?: Record<string, string[]>;
}

export function parseProblem(body: unknown): Problem | undefined {
	if (typeof body === 'string') {
		try {
			return parseProblem(JSON.parse(body));
		} catch {
			return undefined;
		}
	}
	if (!isObject(body)) return undefined;
	const problem: Problem = {};
	if (typeof body.type === 'string') problem.type = body.type;
	if (typeof body.title === 'string') problem.title = body.title;
	if (typeof body.status === 'number') problem.status = body.status;
	if (typeof body.detail === 'string') problem.detail = body.detail;
	if (isObject(body.errors)) {
		// Field names are the server's: a field called `__proto__` must stay an entry.
		problem.errors = idMap(
			Object.entries(body.errors).map(([field, messages]) => [field, Array.isArray(messages) ? messages.map(String) : [String(messages)]] as const),
		);
	}
	return Object.keys(problem).length > 0 ? problem : undefined;
}

/**
 * [assumed] Telemetry: records come oldest first, each with an ISO-8601 UTC `timestamp`; a
 * client starts at a point in time by passing that time as `next` (records at or after it are
 * returned). Records may share a timestamp and may carry no id; records can arrive late.
 */
const TELEMETRY_TIMESTAMP_FIELD = 'timestamp';
export const RECORD_ID_FIELD = 'id';

/** [assumed] A record's own id, a string or a number, when it has one (telemetry may have none). */
export function recordId(record: JsonObject): string | undefined {
	const id = record[RECORD_ID_FIELD];
	return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** The first `next` for a time-based telemetry page starting at `start`. */
export function telemetryStartToken(start: Date): string {
	return start.toISOString();
}

/**
 * Milliseconds since epoch of a telemetry record's timestamp, or undefined if unreadable. A
 * timestamp without `Z` or an offset is taken in UTC, the API's zone, not in n8n's.
 */
export function recordTimeMs(record: JsonObject): number | undefined {
	return parseTimestamp(record[TELEMETRY_TIMESTAMP_FIELD]);
}

/** [assumed] Record fields used by pickers and filters. */
export const RECORD_FIELDS = {
	name: ['name', 'unitNumber', 'serialNumber', 'vin'],
	active: 'active',
	latitude: 'latitude',
	longitude: 'longitude',
	speed: 'speedKph',
	deliverSafeEvent: 'event',
} as const;

/**
 * [assumed] What "Simplify" keeps of each kind of record: the handful of fields a person or an
 * AI agent needs, in this order. Nested readings (`lights`, `tires`) stay whole. A record that
 * has none of its kind's fields (a different schema than assumed) is passed on unchanged, so
 * Simplify never turns data into an empty item.
 */
export const SIMPLIFIED_FIELDS = {
	fleet: ['id', 'name'],
	trailer: ['id', 'fleetId', 'unitNumber', 'vin', 'active'],
	device: ['id', 'trailerId', 'type', 'serialNumber', 'active'],
	deliverSafeUnit: ['id', 'trailerId', 'name', 'status'],
	gps: ['trailerId', 'timestamp', 'latitude', 'longitude', 'speedKph', 'heading'],
	deviceTelemetry: [
		'deviceId',
		'timestamp',
		'lights',
		'tires',
		'absStatus',
		'faultCodes',
		'batteryVoltage',
		'blueLineVoltage',
		'doorOpen',
	],
	deliverSafeTelemetry: ['id', 'deliverSafeId', 'timestamp', 'event', 'doorOpen', 'temperatureC'],
} as const;

export type RecordKind = keyof typeof SIMPLIFIED_FIELDS;

/** Kilometres per mile: speeds are km/h in the API; mph is offered beside them. */
export const KM_PER_MILE = 1.609344;

/** [assumed] DeliverSafe event types. */
export const DELIVERSAFE_EVENTS = [
	'door_opened',
	'door_closed',
	'cargo_loaded',
	'cargo_empty',
	'tamper',
] as const;

/**
 * Ids go into the path as one segment. They are not documented; we accept what an id
 * plausibly is (letters, digits and `-_.:~`, not starting with `.`, `-`, `:` or `~`; `__proto__`
 * is an id like any other), refuse anything that could change the route (`/`, `\`, `..`,
 * whitespace, control characters) and encode the rest.
 */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:~-]{0,127}$/;

export function isValidId(id: string): boolean {
	return ID_PATTERN.test(id) && !id.includes('..');
}

export function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64UrlDecode(text: string): string {
	const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
	const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
	// atob is a global in Node >= 16 and in browsers; Buffer is not allowed in node code.
	const binary = atob(padded);
	const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
	return new TextDecoder().decode(bytes);
}
