/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The sandbox's state and request handling: the 4SEE Auth and Integration APIs as
 * docs/api-contract.md describes them (first alternative wherever it lists several),
 * plus the control API under /__sandbox/.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { FAULT_KINDS, FUTURE_RECORD_MS, Fault, FaultKind, FaultQueue, PAGE_FAULTS, PLANTING_FAULTS, freshToken, withoutRevision } from './faults';
import { HttpError, readJson, sendJson, sendProblem } from './http';
import { Claims, signJwt, verifyJwt } from './jwt';
import { TokenBucket, WindowLimiter } from './limits';
import { DEFAULT_CONFIG, DEFAULT_MANUAL_START, LiveConfig, RetryAfterForm, STARTUP_ONLY, SandboxOptions, applyConfig } from './options';
import {
	BEGINNING,
	SOURCE_FIELD,
	StreamRef,
	TELEMETRY_KINDS,
	TelemetryKind,
	TelemetryStore,
	TimePosition,
	iso,
	parseIsoTime,
	parseTimeToken,
} from './telemetry';
import {
	Customer,
	EntityKind,
	JsonObject,
	OTHER_CUSTOMER_ID,
	PRIMARY_CUSTOMER_ID,
	World,
	deviceId,
	fleetId,
	parseId,
	trailerCount,
	trailerId,
	unitId,
} from './world';

export const DEMO_API_KEY = '4see-demo-key-0000';
export const OTHER_CUSTOMER_API_KEY = '4see-other-key-0000';

const PAGE = { defaultTake: 50, minTake: 1 };
const LABEL: Record<EntityKind, string> = { fleet: 'fleet', trailer: 'trailer', device: 'device', unit: 'DeliverSafe unit' };
/** The entity whose id names a telemetry stream. */
const STREAM_ENTITY: Record<TelemetryKind, EntityKind> = { gps: 'trailer', device: 'device', deliverSafe: 'unit' };
const isResponseFault = (kind: FaultKind) => !PAGE_FAULTS.includes(kind);
const isPlantingFault = (kind: FaultKind) => PLANTING_FAULTS.includes(kind);
const isPageFault = (kind: FaultKind) => PAGE_FAULTS.includes(kind) && !isPlantingFault(kind);
const TRUTH_LIMIT = 200_000;
const SCOPE_LIMIT = 200_000;

export interface Stats {
	requests: { total: number; byRoute: Record<string, number> };
	responses: Record<string, number>;
	authCalls: number;
	rotateCalls: number;
	tokensIssued: number;
	rateLimited: number;
	maxConcurrency: number;
	maxConcurrencyByCustomer: Record<string, number>;
	faultsInjected: number;
	inFlight: number;
	/**
	 * For a client that sends one request at a time: the ms from the end of each answer to the
	 * next Integration API request, when none was in flight meanwhile (the client's own time per
	 * request: its processing, n8n's, the loopback). The last 20,000.
	 */
	idleGapsMs: number[];
	/**
	 * Telemetry streams answered at least once since the stats were reset, and when the last of
	 * them was first answered (ms after the reset): how long a client took to read every stream
	 * once, as the server saw it (a trigger's sweep of a fleet).
	 */
	streamsRead: { streams: number; lastFirstReadMs: number | null };
}

/** What an Integration API handler answers. Pages carry what page faults need. */
type Answer =
	| { kind: 'json'; body: unknown }
	| { kind: 'page'; data: JsonObject[]; next: string | null; requestNext?: string; startToken: string | null };

interface Route {
	key: string;
	type: 'authenticate' | 'rotate' | 'api';
	/** `plant`: a planting fault met by this request (telemetry routes plant into their stream). */
	run?: (customer: Customer, query: URLSearchParams, plant?: FaultKind) => Answer;
	/** Set when the path or method is not served: answered before authentication. */
	error?: HttpError;
}

export class SandboxState {
	config: LiveConfig;
	world: World;
	readonly telemetry = new TelemetryStore();
	readonly faults = new FaultQueue();
	/** Counter that makes each empty-pages token one the client has not seen. */
	private tokenRevision = 0;
	/** Records planted by future-record and no-timestamp faults, by stream (TelemetryStore.key). */
	private planted = new Map<string, JsonObject[]>();
	private plantedCount = 0;
	readonly clockMode: 'manual' | 'real';
	readonly startMs: number;
	private readonly wallAtStart = Date.now();
	private offsetMs = 0;
	private limiterOffsetMs = 0;
	private readonly secret = randomBytes(32);
	private tokenEpoch = 0;
	private keys = new Map<string, string>();
	private buckets = new Map<string, TokenBucket>();
	private readonly inFlightByCustomer = new Map<string, number>();
	private authLimiter: WindowLimiter;
	private rotateLimiter: WindowLimiter;
	stats: Stats = emptyStats();
	/** When the stats were last reset, and which telemetry streams were answered since. */
	private statsResetAt = performance.now();
	private readonly streamsReadSinceReset = new Set<string>();
	private inFlight = 0;
	/** When the last request in flight was answered (performance.now()), for `idleGapsMs`. */
	private idleSince?: number;
	private readonly log: (line: string) => void;

	constructor(
		private readonly initialConfig: LiveConfig,
		options: SandboxOptions,
		private readonly initialKeys: Map<string, string>,
	) {
		this.config = initialConfig;
		this.world = new World(initialConfig);
		this.clockMode = options.clock ?? 'manual';
		const start = options.startTime ?? (this.clockMode === 'manual' ? DEFAULT_MANUAL_START : undefined);
		this.startMs = start === undefined ? this.wallAtStart : (parseIsoTime(start) ?? NaN);
		if (!Number.isFinite(this.startMs)) throw new Error(`startTime must be an ISO-8601 time, got ${start}`);
		this.keys = new Map(initialKeys);
		this.authLimiter = new WindowLimiter(initialConfig.authLimit);
		this.rotateLimiter = new WindowLimiter(initialConfig.rotateLimit);
		this.log = options.quiet === false ? (line) => process.stdout.write(`${line}\n`) : () => undefined;
	}

	apiKey(customerId: string): string {
		return this.keys.get(customerId) ?? '';
	}

	// ---- clocks ----------------------------------------------------------------------------

	/** The simulated time: what "now" is for telemetry and token lifetimes. */
	simNow(): number {
		const base = this.clockMode === 'manual' ? this.startMs : this.startMs + (Date.now() - this.wallAtStart);
		return base + this.offsetMs;
	}

	/** Real monotonic time plus every forward move of the simulated clock. */
	/** A 429 of the Integration API's own limits, naming its wait as the `retryAfter` setting says. */
	private apiTooMany(retryAfterSeconds: number, detail: string): HttpError {
		return new HttpError(429, detail, { headers: retryAfterHeader(retryAfterSeconds, this.config.retryAfter) });
	}

	private limiterNow(): number {
		return performance.now() + this.limiterOffsetMs;
	}

	private moveClock(deltaMs: number): void {
		this.offsetMs += deltaMs;
		if (deltaMs > 0) this.limiterOffsetMs += deltaMs;
	}

	private get historyStartMs(): number {
		return this.startMs - this.config.historySeconds * 1000;
	}

	// ---- request entry ---------------------------------------------------------------------

	async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const started = performance.now();
		const method = req.method ?? 'GET';
		let path = '/';
		try {
			const url = new URL(req.url ?? '/', 'http://sandbox.local');
			path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
			if (path === '/__sandbox' || path.startsWith('/__sandbox/')) await this.control(req, res, method, path, url.searchParams);
			else await this.api(req, res, method, path, url.searchParams);
		} catch (error) {
			const problem =
				error instanceof HttpError
					? error
					: new HttpError(500, `The sandbox failed unexpectedly (${(error as Error).message}). This is a sandbox bug.`);
			if (!(error instanceof HttpError)) process.stderr.write(`4SEE sandbox: ${(error as Error).stack}\n`);
			this.respondProblem(res, path, problem);
		} finally {
			this.log(`${method} ${req.url} -> ${res.destroyed && !res.writableFinished ? 'dropped' : res.statusCode} ${Math.round(performance.now() - started)}ms`);
		}
	}

	private respondProblem(res: ServerResponse, path: string, problem: HttpError) {
		if (!path.startsWith('/__sandbox')) this.countResponse(problem.status);
		sendProblem(res, problem);
	}

	private countResponse(status: number) {
		this.stats.responses[status] = (this.stats.responses[status] ?? 0) + 1;
		if (status === 429) this.stats.rateLimited++;
	}

	private async api(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams) {
		this.stats.requests.total++;
		const route = this.route(method, path);
		this.stats.requests.byRoute[route.key] = (this.stats.requests.byRoute[route.key] ?? 0) + 1;
		if (route.error) throw route.error;
		if (this.inFlight === 0 && this.idleSince !== undefined && route.type !== 'authenticate') {
			this.stats.idleGapsMs.push(Math.round((performance.now() - this.idleSince) * 100) / 100);
			if (this.stats.idleGapsMs.length > 20_000) this.stats.idleGapsMs.shift();
		}
		this.inFlight++;
		this.stats.inFlight = this.inFlight;
		this.stats.maxConcurrency = Math.max(this.stats.maxConcurrency, this.inFlight);
		try {
			if (route.type === 'authenticate') return await this.authenticate(req, res, path);
			const customer = this.authorize(req);
			if (route.type === 'rotate') return await this.rotate(req, res, path, customer);
			await this.integration(req, res, path, query, customer, route);
		} finally {
			this.inFlight--;
			this.stats.inFlight = this.inFlight;
			if (this.inFlight === 0) this.idleSince = performance.now();
		}
	}

	private send(res: ServerResponse, body: unknown, headers: Record<string, string> = {}) {
		this.countResponse(200);
		sendJson(res, 200, body, headers);
	}

	// ---- auth ------------------------------------------------------------------------------

	private async authenticate(req: IncomingMessage, res: ServerResponse, path: string) {
		this.stats.authCalls++;
		if ((await this.injectFault(req, res, path)) === 'handled') return;
		const key = headerValue(req, 'x-api-key');
		if (key === undefined || key.trim() === '') {
			throw unauthorized('Send your customer API key in the X-API-KEY header to authenticate.');
		}
		const customer = this.world.customers.find((c) => this.keys.get(c.id) === key);
		const limited = this.authLimiter.hit(customer?.id ?? `key:${key}`, this.limiterNow());
		if (limited) {
			const { requests, perSeconds } = this.config.authLimit;
			throw tooMany(
				limited.retryAfterSeconds,
				`Too many authentication requests: at most ${requests} per ${perSeconds} s for this customer. ` +
					`Retry after ${limited.retryAfterSeconds} s, and reuse the token for its lifetime (expiresIn) instead of authenticating per request.`,
			);
		}
		if (!customer) {
			throw unauthorized('The API key is not valid. Check it for typos; if it was rotated, use the new key.');
		}
		const ttl = this.config.tokenTtlSeconds;
		const claims: Claims = {
			sub: customer.id,
			iat: Math.floor(Date.now() / 1000),
			exp: Math.floor(Date.now() / 1000) + ttl,
			// Expiry on the simulated clock too, so tests can expire tokens by advancing it.
			sexp: Math.floor(this.simNow() / 1000) + ttl,
			gen: this.tokenEpoch,
			jti: randomBytes(8).toString('hex'),
		};
		this.stats.tokensIssued++;
		this.send(res, { token: signJwt(claims, this.secret), expiresIn: ttl });
	}

	/** The customer behind the request's bearer token, or a 401. */
	private authorize(req: IncomingMessage): Customer {
		const header = headerValue(req, 'authorization');
		if (header === undefined || header.trim() === '') {
			throw unauthorized(
				'Missing bearer token: send Authorization: Bearer <token>, with a token from POST /api/v1/customers/authenticate.',
			);
		}
		const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
		const verified = verifyJwt(match[1], this.secret);
		if (!verified.ok) {
			throw unauthorized(
				verified.reason === 'malformed'
					? 'The bearer token is not a well-formed JWT. Authenticate again and send the token unchanged.'
					: 'The bearer token was not issued by this server (its signature does not match). Authenticate against this server.',
			);
		}
		const { sub, exp, sexp, gen } = verified.claims;
		if (typeof sub !== 'string' || typeof exp !== 'number' || typeof sexp !== 'number' || typeof gen !== 'number') {
			throw unauthorized('The bearer token lacks required claims. Authenticate again.');
		}
		if (Date.now() / 1000 >= exp || this.simNow() / 1000 >= sexp) {
			throw unauthorized('The bearer token has expired. Authenticate again to get a new token (tokens last expiresIn seconds).');
		}
		if (gen < this.tokenEpoch) throw unauthorized('The bearer token has been revoked. Authenticate again.');
		const customer = this.world.customer(sub);
		if (!customer) throw unauthorized('The bearer token names an unknown customer. Authenticate again.');
		return customer;
	}

	private async rotate(req: IncomingMessage, res: ServerResponse, path: string, customer: Customer) {
		this.stats.rotateCalls++;
		if ((await this.injectFault(req, res, path)) === 'handled') return;
		const limited = this.rotateLimiter.hit(customer.id, this.limiterNow());
		if (limited) {
			const { requests, perSeconds } = this.config.rotateLimit;
			throw tooMany(
				limited.retryAfterSeconds,
				`Too many key rotations: at most ${requests} per ${perSeconds} s. The current key stays valid; retry after ${limited.retryAfterSeconds} s.`,
			);
		}
		const apiKey = `4see-${customer.id.replace(/^cust-/, '')}-${randomBytes(12).toString('hex')}`;
		this.keys.set(customer.id, apiKey);
		this.send(res, { apiKey });
	}

	// ---- Integration API -------------------------------------------------------------------

	private async integration(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		query: URLSearchParams,
		customer: Customer,
		route: Route,
	) {
		const running = this.inFlightByCustomer.get(customer.id) ?? 0;
		if (running >= this.config.concurrency) {
			throw this.apiTooMany(
				1,
				`Too many concurrent requests: at most ${this.config.concurrency} at a time for this customer. ` +
					'Wait for running requests to finish, then retry.',
			);
		}
		let bucket = this.buckets.get(customer.id);
		if (!bucket) {
			bucket = new TokenBucket(this.config.burst, this.config.refillPerSecond, this.limiterNow());
			this.buckets.set(customer.id, bucket);
		}
		const limited = bucket.take(this.limiterNow());
		if (limited) {
			throw this.apiTooMany(
				limited.retryAfterSeconds,
				`Rate limit exceeded: this customer's bucket holds ${this.config.burst} requests and refills ` +
					`${this.config.refillPerSecond} per second. Retry after ${limited.retryAfterSeconds} s.`,
			);
		}
		this.inFlightByCustomer.set(customer.id, running + 1);
		const by = this.stats.maxConcurrencyByCustomer;
		by[customer.id] = Math.max(by[customer.id] ?? 0, running + 1);
		try {
			if ((await this.injectFault(req, res, path)) === 'handled') return;
			if (this.config.latencyMs > 0) await sleep(this.config.latencyMs);
			if (!route.run) throw new HttpError(500, 'No handler for this route.');
			const plant = route.key.includes('/telemetry/') ? this.faults.take(path, isPlantingFault) : undefined;
			if (plant) this.stats.faultsInjected++;
			const answer = route.run(customer, query, plant?.kind);
			if (answer.kind === 'json') return this.send(res, answer.body);
			let { data, next } = answer;
			const fault = this.faults.take(path, isPageFault);
			if (fault) {
				this.stats.faultsInjected++;
				// Those that change `next` lead back to where this request started: repeat-next with
				// the very token sent (a loop), empty-pages with a fresh token for that position (no
				// records, nothing lost), endless-next likewise but with the page's records (the same
				// page again and again, each time under a new token).
				const here = answer.requestNext ?? answer.startToken;
				const fresh = () => (here === null ? null : freshToken(withoutRevision(here), ++this.tokenRevision));
				if (fault.kind === 'empty-pages') {
					data = [];
					next = fresh();
				} else if (fault.kind === 'endless-next') next = fresh();
				else if (fault.kind === 'reverse-order') data = [...data].reverse();
				else next = here;
			}
			this.send(res, { data, next });
		} finally {
			this.inFlightByCustomer.set(customer.id, (this.inFlightByCustomer.get(customer.id) ?? 1) - 1);
		}
	}

	/** Applies an injected fault that replaces or delays the response, if one matches. 'handled': the response is done (or dropped). */
	private async injectFault(req: IncomingMessage, res: ServerResponse, path: string): Promise<'handled' | 'continue'> {
		const fault = this.faults.take(path, isResponseFault);
		if (!fault) return 'continue';
		this.stats.faultsInjected++;
		switch (fault.kind) {
			case '500':
				throw new HttpError(500, 'The server had a problem processing the request (injected by the sandbox). Retry later.');
			case '429':
				throw tooMany(1, 'Too many requests (injected by the sandbox). Retry after 1 s.');
			case '429-no-retry-after':
				throw new HttpError(429, 'Too many requests (injected by the sandbox, without Retry-After). Back off and retry.');
			case 'delay':
				await sleep(fault.delayMs ?? 1000);
				return 'continue';
			case 'drop':
				req.socket.destroy();
				return 'handled';
			case 'malformed': {
				this.countResponse(200);
				const text = '{"data": [{"id": "trl-0';
				res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
				res.end(text);
				return 'handled';
			}
			default:
				return 'continue';
		}
	}

	private route(method: string, path: string): Route {
		const segments = path.split('/').slice(1).map(safeDecode);
		const [api, v1, resource, a, b, c] = segments;
		const notFound: Route = {
			key: 'unmatched',
			type: 'api',
			error: new HttpError(404, `There is no endpoint ${method} ${path}. See the endpoint list in the 4SEE Integration API overview.`),
		};
		if (api !== 'api' || v1 !== 'v1' || segments.length > 6) return notFound;
		const expect = (allowed: string, key: string, route: Omit<Route, 'key'>): Route => {
			if (method !== allowed) {
				const error = new HttpError(405, `${key} accepts ${allowed} only.`, { headers: { Allow: allowed } });
				return { key: `${method} ${key}`, type: 'api', error };
			}
			return { key: `${allowed} ${key}`, ...route };
		};
		const n = segments.length;
		switch (resource) {
			case 'customers':
				if (n === 4 && a === 'authenticate') return expect('POST', '/api/v1/customers/authenticate', { type: 'authenticate' });
				if (n === 4 && a === 'rotate') return expect('PUT', '/api/v1/customers/rotate', { type: 'rotate' });
				break;
			case 'fleets':
				if (n === 3) return expect('GET', '/api/v1/fleets', { type: 'api', run: (cu, q) => this.listFleets(cu, q) });
				if (n === 4) return expect('GET', '/api/v1/fleets/{fleet}', { type: 'api', run: (cu) => this.getFleet(cu, a) });
				break;
			case 'trailers':
				if (n === 6 && a === 'telemetry' && b === 'gps') {
					return expect('GET', '/api/v1/trailers/telemetry/gps/{trailer}', {
						type: 'api',
						run: (cu, q, plant) => this.telemetryPage(cu, 'gps', c, q, plant),
					});
				}
				if (n === 4) {
					// One pattern, two endpoints: the id says whether it names a fleet or a trailer.
					if (parseId('fleet', a) !== undefined) {
						return expect('GET', '/api/v1/trailers/{fleet}', { type: 'api', run: (cu, q) => this.listTrailers(cu, a, q) });
					}
					if (parseId('trailer', a) !== undefined) {
						return expect('GET', '/api/v1/trailers/{trailer}', { type: 'api', run: (cu) => this.getTrailer(cu, a) });
					}
					return expect('GET', '/api/v1/trailers/{id}', {
						type: 'api',
						run: () => {
							throw new HttpError(404, `No fleet or trailer has the id '${a}'. Fleet ids look like fleet-001, trailer ids like trl-00001.`);
						},
					});
				}
				break;
			case 'devices':
				if (n === 5 && a === 'details') {
					return expect('GET', '/api/v1/devices/details/{device}', { type: 'api', run: (cu) => this.getDevice(cu, b) });
				}
				if (n === 5 && a === 'telemetry') {
					return expect('GET', '/api/v1/devices/telemetry/{device}', {
						type: 'api',
						run: (cu, q, plant) => this.telemetryPage(cu, 'device', b, q, plant),
					});
				}
				if (n === 4) return expect('GET', '/api/v1/devices/{trailer}', { type: 'api', run: (cu, q) => this.listDevices(cu, a, q) });
				break;
			case 'deliversafe':
				if (n === 3) return expect('GET', '/api/v1/deliversafe', { type: 'api', run: (cu, q) => this.listUnits(cu, q) });
				if (n === 5 && a === 'telemetry') {
					return expect('GET', '/api/v1/deliversafe/telemetry/{id}', {
						type: 'api',
						run: (cu, q, plant) => this.telemetryPage(cu, 'deliverSafe', b, q, plant),
					});
				}
				if (n === 4) return expect('GET', '/api/v1/deliversafe/{id}', { type: 'api', run: (cu) => this.getUnit(cu, a) });
				break;
		}
		return notFound;
	}

	// ---- lookups ---------------------------------------------------------------------------

	/** The number behind an id the customer may see: 404 if nobody has it, 403 if another customer does. */
	private owned(customer: Customer, kind: EntityKind, id: string): number {
		const n = parseId(kind, id);
		const owner = n === undefined ? undefined : this.world.ownerOf(kind, n);
		if (n === undefined || !owner) throw new HttpError(404, `No ${LABEL[kind]} has the id '${id}'. List them to see the valid ids.`);
		if (owner.id !== customer.id) {
			throw new HttpError(403, `The ${LABEL[kind]} '${id}' belongs to another customer; this API key cannot access it.`);
		}
		return n;
	}

	private getFleet(customer: Customer, id: string): Answer {
		return { kind: 'json', body: this.world.fleetRecord(this.owned(customer, 'fleet', id)) };
	}

	private getTrailer(customer: Customer, id: string): Answer {
		return { kind: 'json', body: this.world.trailerRecord(customer, this.owned(customer, 'trailer', id)) };
	}

	private getDevice(customer: Customer, id: string): Answer {
		return { kind: 'json', body: this.world.deviceRecord(customer, this.owned(customer, 'device', id)) };
	}

	private getUnit(customer: Customer, id: string): Answer {
		return { kind: 'json', body: this.world.unitRecord(customer, this.owned(customer, 'unit', id)) };
	}

	private listFleets(customer: Customer, query: URLSearchParams): Answer {
		const p = cursorParams(query, false, this.config.maxTake);
		return cursorPage(p, customer.fleetCount, () => true, (i) => this.world.fleetRecord(customer.firstFleet + i));
	}

	private listTrailers(customer: Customer, id: string, query: URLSearchParams): Answer {
		const p = cursorParams(query, true, this.config.maxTake);
		const fleet = this.owned(customer, 'fleet', id);
		const { first, count } = this.world.trailersOfFleet(customer, fleet);
		return cursorPage(
			p,
			count,
			(i) => !p.activeOnly || this.world.trailerActive(customer, first + i),
			(i) => this.world.trailerRecord(customer, first + i),
		);
	}

	private listDevices(customer: Customer, id: string, query: URLSearchParams): Answer {
		const p = cursorParams(query, true, this.config.maxTake);
		const trailer = this.owned(customer, 'trailer', id);
		const { first, count } = this.world.devicesOfTrailer(customer, trailer);
		return cursorPage(
			p,
			count,
			(i) => !p.activeOnly || this.world.deviceActive(customer, first + i),
			(i) => this.world.deviceRecord(customer, first + i),
		);
	}

	private listUnits(customer: Customer, query: URLSearchParams): Answer {
		const p = cursorParams(query, false, this.config.maxTake);
		return cursorPage(p, customer.unitCount, () => true, (i) => this.world.unitRecord(customer, customer.firstUnit + i));
	}

	private streamRef(customer: Customer, kind: TelemetryKind, id: string): StreamRef {
		return { kind, number: this.owned(customer, STREAM_ENTITY[kind], id), customer };
	}

	private telemetryPage(customer: Customer, kind: TelemetryKind, id: string, query: URLSearchParams, plant?: FaultKind): Answer {
		const errors: Record<string, string[]> = {};
		const take = parseTake(query, errors, this.config.maxTake);
		const nextText = query.get('next') ?? undefined;
		let position: TimePosition = BEGINNING;
		if (nextText !== undefined && nextText !== '') {
			const parsed = parseTimeToken(withoutRevision(nextText));
			if (parsed) position = parsed;
			else {
				errors.next = [
					'next must be an ISO-8601 UTC time (e.g. 2026-01-01T00:00:00.000Z) or a next token from a previous response.',
				];
			}
		}
		if (Object.keys(errors).length > 0) throw validation(errors);
		const ref = this.streamRef(customer, kind, id);
		if (plant !== undefined) this.plantRecord(plant, kind, id);
		const page = this.telemetry.page(this.world, ref, this.historyStartMs, position, take, this.simNow());
		this.noteStreamRead(`${kind}:${id}`);
		const { data, next } = this.withPlanted(kind, id, position, take, page.records, page.next);
		return {
			kind: 'page',
			data,
			next,
			requestNext: nextText || undefined,
			startToken: page.firstMs === undefined ? null : iso(page.firstMs),
		};
	}

	private noteStreamRead(stream: string): void {
		if (this.streamsReadSinceReset.has(stream)) return;
		this.streamsReadSinceReset.add(stream);
		this.stats.streamsRead = { streams: this.streamsReadSinceReset.size, lastFirstReadMs: Math.round(performance.now() - this.statsResetAt) };
	}

	/** Plants a record into a stream: stamped in 2099, or with no timestamp at all. */
	private plantRecord(kind: FaultKind, stream: TelemetryKind, id: string): void {
		const n = ++this.plantedCount;
		const record: JsonObject = { [SOURCE_FIELD[stream]]: id, planted: kind, n };
		if (kind === 'future-record') record.timestamp = iso(FUTURE_RECORD_MS + n * 1000);
		const key = TelemetryStore.key(stream, id);
		this.planted.set(key, [...(this.planted.get(key) ?? []), record]);
	}

	/**
	 * A page with the stream's planted records: the untimed ones ahead of every page's records
	 * (in addition to `take`: the server cannot place them), the future ones at the stream's end,
	 * within `take` (a full page ends with a `next` at the first one left out).
	 */
	private withPlanted(
		kind: TelemetryKind,
		id: string,
		position: TimePosition,
		take: number,
		records: JsonObject[],
		next: string | null,
	): { data: JsonObject[]; next: string | null } {
		const planted = this.planted.get(TelemetryStore.key(kind, id));
		if (planted === undefined) return { data: records, next };
		const untimed = planted.filter((r) => r.timestamp === undefined);
		let data = [...untimed, ...records];
		if (next === null) {
			const future = planted.filter((r) => r.timestamp !== undefined && Date.parse(String(r.timestamp)) >= position.ms);
			const room = Math.max(0, take - records.length);
			data = [...data, ...future.slice(0, room)];
			if (future.length > room) next = String(future[room].timestamp);
		}
		return { data, next };
	}

	// ---- control API -----------------------------------------------------------------------

	private async control(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams) {
		const route = `${method} ${path.slice('/__sandbox'.length) || '/'}`;
		const body = method === 'POST' || method === 'PUT' ? await readJson(req) : {};
		const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
		const ok = (payload: unknown) => sendJson(res, 200, payload);
		switch (route) {
			case 'GET /':
				return ok(CONTROL_HELP);
			case 'GET /clock':
				return ok(this.clockInfo());
			case 'POST /clock': {
				if (input.set !== undefined) {
					const ms = typeof input.set === 'string' ? parseIsoTime(input.set) : undefined;
					if (ms === undefined) throw validation({ set: ['set must be an ISO-8601 time'] });
					this.moveClock(ms - this.simNow());
				} else {
					const seconds = input.advanceSeconds;
					if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
						throw validation({ advanceSeconds: ['advanceSeconds must be a number >= 0 (or send { set: "<ISO time>" })'] });
					}
					this.moveClock(seconds * 1000);
				}
				return ok(this.clockInfo());
			}
			case 'POST /telemetry':
				return ok(this.appendTelemetry(input));
			case 'GET /faults':
				return ok({ pending: this.faults.pending() });
			case 'DELETE /faults':
				this.faults.clear();
				return ok({ pending: [] });
			case 'POST /faults':
				this.faults.add(parseFault(input));
				return ok({ pending: this.faults.pending() });
			case 'GET /config':
				return ok({ config: this.config });
			case 'POST /config': {
				const { config, errors } = applyConfig(this.config, input);
				if (Object.keys(errors).length > 0) throw validation(errors);
				this.applyLiveConfig(config);
				return ok({ config: this.config });
			}
			case 'POST /tokens/expire':
				this.tokenEpoch++;
				return ok({ revoked: true, tokenEpoch: this.tokenEpoch });
			case 'POST /reset':
				this.reset();
				return ok({ reset: true, ...this.clockInfo() });
			case 'GET /stats':
				return ok(this.stats);
			case 'POST /stats/reset':
				this.resetStats();
				return ok(this.stats);
			case 'GET /truth':
				return ok(this.truth(query));
			case 'GET /scope':
				return ok(this.scope(query.get('customer') ?? 'primary'));
		}
		throw new HttpError(404, `No control endpoint ${method} ${path}. GET /__sandbox lists them.`);
	}

	private clockInfo() {
		return { now: iso(this.simNow()), mode: this.clockMode, historyStart: iso(this.historyStartMs) };
	}

	private applyLiveConfig(config: LiveConfig) {
		const before = this.config;
		this.config = config;
		this.world = new World(config);
		if (config.burst !== before.burst || config.refillPerSecond !== before.refillPerSecond) this.buckets.clear();
		if (JSON.stringify(config.authLimit) !== JSON.stringify(before.authLimit)) this.authLimiter = new WindowLimiter(config.authLimit);
		if (JSON.stringify(config.rotateLimit) !== JSON.stringify(before.rotateLimit)) {
			this.rotateLimiter = new WindowLimiter(config.rotateLimit);
		}
	}

	reset(): void {
		this.config = this.initialConfig;
		this.world = new World(this.initialConfig);
		this.keys = new Map(this.initialKeys);
		this.offsetMs = 0;
		this.buckets.clear();
		this.authLimiter = new WindowLimiter(this.config.authLimit);
		this.rotateLimiter = new WindowLimiter(this.config.rotateLimit);
		this.telemetry.clear();
		this.planted.clear();
		this.faults.clear();
		this.resetStats();
	}

	private resetStats(): void {
		this.stats = emptyStats();
		this.stats.inFlight = this.inFlight;
		this.statsResetAt = performance.now();
		this.streamsReadSinceReset.clear();
	}

	/** Resolves a telemetry stream by id regardless of customer (control API only). */
	private anyStream(kind: unknown, id: unknown): StreamRef {
		if (typeof kind !== 'string' || !(TELEMETRY_KINDS as readonly string[]).includes(kind)) {
			throw validation({ kind: [`kind must be one of ${TELEMETRY_KINDS.join(', ')}`] });
		}
		const k = kind as TelemetryKind;
		const n = typeof id === 'string' ? parseId(STREAM_ENTITY[k], id) : undefined;
		const owner = n === undefined ? undefined : this.world.ownerOf(STREAM_ENTITY[k], n);
		if (n === undefined || !owner) throw new HttpError(404, `No ${LABEL[STREAM_ENTITY[k]]} with id '${String(id)}' exists for ${kind} telemetry.`);
		return { kind: k, number: n, customer: owner };
	}

	private appendTelemetry(input: Record<string, unknown>) {
		const ref = this.anyStream(input.kind, input.id);
		if (!Array.isArray(input.records)) throw validation({ records: ['records must be an array of telemetry records'] });
		const errors: Record<string, string[]> = {};
		input.records.forEach((r: unknown, i) => {
			if (typeof r !== 'object' || r === null || Array.isArray(r)) errors[`records[${i}]`] = ['must be an object'];
			else if (parseIsoTime(String((r as JsonObject).timestamp)) === undefined) {
				errors[`records[${i}].timestamp`] = ['must be an ISO-8601 time'];
			}
		});
		if (Object.keys(errors).length > 0) throw validation(errors);
		this.telemetry.append(ref.kind, input.id as string, input.records as JsonObject[]);
		return { appended: input.records.length, kind: ref.kind, id: input.id, sourceField: SOURCE_FIELD[ref.kind] };
	}

	private truth(query: URLSearchParams) {
		const ref = this.anyStream(query.get('kind'), query.get('id'));
		const errors: Record<string, string[]> = {};
		const time = (name: string): number | undefined => {
			const text = query.get(name);
			if (text === null || text === '') return undefined;
			const ms = parseIsoTime(text);
			if (ms === undefined) errors[name] = [`${name} must be an ISO-8601 time`];
			return ms;
		};
		const from = time('from') ?? BEGINNING.ms;
		const to = time('to') ?? this.simNow();
		if (Object.keys(errors).length > 0) throw validation(errors);
		const now = this.simNow();
		const count = this.telemetry.count(this.world, ref, this.historyStartMs, from, to, now);
		const result: Record<string, unknown> = {
			kind: ref.kind,
			id: query.get('id'),
			from: from === BEGINNING.ms ? null : iso(from),
			to: iso(to),
			now: iso(now),
			count,
			// Records the future-record and no-timestamp faults planted: owed to a client once each.
			planted: this.planted.get(TelemetryStore.key(ref.kind, String(query.get('id')))) ?? [],
		};
		if (query.get('countOnly') === 'true') return result;
		if (count > TRUTH_LIMIT) {
			throw new HttpError(400, `The range holds ${count} records, more than ${TRUTH_LIMIT}; narrow from/to or use countOnly=true.`, {
				errors: { to: ['range too large'] },
			});
		}
		const records: JsonObject[] = [];
		for (const r of this.telemetry.records(this.world, ref, this.historyStartMs, from, Math.min(to, now))) records.push(r.record);
		result.records = records;
		return result;
	}

	private scope(which: string) {
		const customer = this.world.customer(which === 'other' ? OTHER_CUSTOMER_ID : PRIMARY_CUSTOMER_ID);
		if (!customer || (which !== 'primary' && which !== 'other')) {
			throw validation({ customer: ['customer must be primary or other'] });
		}
		const trailers = trailerCount(customer);
		const devices = trailers * customer.devicesPerTrailer;
		const ids = (count: number, make: (i: number) => string, keep: (i: number) => boolean = () => true) => {
			const out: string[] = [];
			for (let i = 0; i < count && out.length < SCOPE_LIMIT; i++) if (keep(i)) out.push(make(i));
			return out;
		};
		return {
			customerId: customer.id,
			apiKey: this.apiKey(customer.id),
			counts: { fleets: customer.fleetCount, trailers, devices, deliverSafeUnits: customer.unitCount },
			truncated: devices > SCOPE_LIMIT || trailers > SCOPE_LIMIT,
			fleets: ids(customer.fleetCount, (i) => fleetId(customer.firstFleet + i)),
			trailers: ids(trailers, (i) => trailerId(customer.firstTrailer + i)),
			inactiveTrailers: ids(
				trailers,
				(i) => trailerId(customer.firstTrailer + i),
				(i) => !this.world.trailerActive(customer, customer.firstTrailer + i),
			),
			devices: ids(devices, (i) => deviceId(customer.firstDevice + i)),
			inactiveDevices: ids(
				devices,
				(i) => deviceId(customer.firstDevice + i),
				(i) => !this.world.deviceActive(customer, customer.firstDevice + i),
			),
			deliverSafeUnits: ids(customer.unitCount, (i) => unitId(customer.firstUnit + i)),
		};
	}
}

const CONTROL_HELP = {
	description: '4SEE sandbox control API (no auth). The real API cannot have these paths.',
	endpoints: {
		'GET /__sandbox/clock': 'simulated now, clock mode, start of telemetry history',
		'POST /__sandbox/clock': '{ advanceSeconds } or { set: "<ISO time>" }',
		'POST /__sandbox/telemetry': "{ kind: 'gps'|'device'|'deliverSafe', id, records: [{ timestamp, ... }] }",
		'POST /__sandbox/faults': `{ pathPrefix, count, kind: ${FAULT_KINDS.join('|')}, delayMs? }`,
		'GET /__sandbox/faults': 'pending faults',
		'DELETE /__sandbox/faults': 'drop pending faults',
		'GET /__sandbox/config': 'live settings',
		'POST /__sandbox/config': '{ burst, refillPerSecond, concurrency, tokenTtlSeconds, authLimit, rotateLimit, latencyMs, ... }',
		'POST /__sandbox/tokens/expire': 'every token issued so far gets 401',
		'POST /__sandbox/reset': 'back to the start: clock, keys, settings, appended telemetry, faults, limits, stats',
		'GET /__sandbox/stats': 'requests (total, byRoute), responses by status, authCalls, rotateCalls, rateLimited, maxConcurrency, faultsInjected, idleGapsMs',
		'POST /__sandbox/stats/reset': 'zero the stats',
		'GET /__sandbox/truth': '?kind=&id=&from=&to=[&countOnly=true]: every record of a stream in [from, to]',
		'GET /__sandbox/scope': '?customer=primary|other: ids of fleets, trailers, devices, DeliverSafe units',
	},
};

// ---- helpers -------------------------------------------------------------------------------

function emptyStats(): Stats {
	return {
		requests: { total: 0, byRoute: {} },
		responses: {},
		authCalls: 0,
		rotateCalls: 0,
		tokensIssued: 0,
		rateLimited: 0,
		maxConcurrency: 0,
		maxConcurrencyByCustomer: {},
		faultsInjected: 0,
		inFlight: 0,
		idleGapsMs: [],
		streamsRead: { streams: 0, lastFirstReadMs: null },
	};
}

function unauthorized(detail: string): HttpError {
	return new HttpError(401, detail, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
}

function tooMany(retryAfterSeconds: number, detail: string): HttpError {
	return new HttpError(429, detail, { headers: { 'Retry-After': String(retryAfterSeconds) } });
}

/**
 * The Retry-After header of a 429 in the given form: delay-seconds, an HTTP date that far ahead
 * of the wall clock (rounded up to its whole second, so it never asks for less), or none.
 */
export function retryAfterHeader(retryAfterSeconds: number, form: RetryAfterForm, nowMs = Date.now()): Record<string, string> {
	if (form === 'none') return {};
	if (form === 'seconds') return { 'Retry-After': String(retryAfterSeconds) };
	return { 'Retry-After': new Date(Math.ceil((nowMs + retryAfterSeconds * 1000) / 1000) * 1000).toUTCString() };
}

function validation(errors: Record<string, string[]>): HttpError {
	const detail = Object.values(errors)
		.map((messages) => messages.join(' '))
		.join(' ');
	return new HttpError(400, `The request is not valid: ${detail}`, { errors });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

function safeDecode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** A wait that does not by itself keep the process alive (the server does while it is open). */
function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function parseTake(query: URLSearchParams, errors: Record<string, string[]>, maxTake: number): number {
	const text = query.get('take');
	const fallback = Math.min(PAGE.defaultTake, maxTake);
	if (text === null || text === '') return fallback;
	const take = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
	if (!(take >= PAGE.minTake && take <= maxTake)) {
		errors.take = [`take must be a whole number from ${PAGE.minTake} to ${maxTake}; got '${text}'.`];
		return fallback;
	}
	return take;
}

interface CursorParams {
	take: number;
	offset: number;
	activeOnly: boolean;
	requestNext?: string;
}

const encodeCursor = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

function decodeCursor(token: string): number | undefined {
	const match = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
	if (!match || encodeCursor(Number(match[1])) !== token) return undefined;
	return Number(match[1]);
}

function cursorParams(query: URLSearchParams, allowActiveOnly: boolean, maxTake: number): CursorParams {
	const errors: Record<string, string[]> = {};
	const take = parseTake(query, errors, maxTake);
	const next = query.get('next');
	const position = next === null ? null : withoutRevision(next);
	let offset = 0;
	if (position !== null && position !== '') {
		const decoded = decodeCursor(position);
		if (decoded === undefined) {
			errors.next = ['next must be a token from a previous response of this endpoint; leave it out to start at the beginning.'];
		} else offset = decoded;
	}
	let activeOnly = false;
	const active = query.get('activeOnly');
	if (allowActiveOnly && active !== null && active !== '') {
		if (/^(true|false)$/i.test(active)) activeOnly = active.toLowerCase() === 'true';
		else errors.activeOnly = [`activeOnly must be true or false; got '${active}'.`];
	}
	if (Object.keys(errors).length > 0) throw validation(errors);
	return { take, offset, activeOnly, requestNext: next || undefined };
}

/** A page over indexes [0, total) keeping those that pass `keep`; next points at the next kept index. */
function cursorPage(
	p: CursorParams,
	total: number,
	keep: (i: number) => boolean,
	make: (i: number) => JsonObject,
): Answer {
	const data: JsonObject[] = [];
	let i = p.offset;
	for (; i < total && data.length < p.take; i++) if (keep(i)) data.push(make(i));
	while (i < total && !keep(i)) i++;
	return {
		kind: 'page',
		data,
		next: i < total ? encodeCursor(i) : null,
		requestNext: p.requestNext,
		startToken: encodeCursor(0),
	};
}

// ---- construction --------------------------------------------------------------------------

export function buildState(options: SandboxOptions): SandboxState {
	const { config, errors } = applyConfig(DEFAULT_CONFIG, options as Record<string, unknown>, STARTUP_ONLY);
	if (Object.keys(errors).length > 0) {
		throw new Error(
			`Invalid sandbox options: ${Object.entries(errors)
				.map(([k, m]) => `${k}: ${m.join(' ')}`)
				.join('; ')}`,
		);
	}
	if (options.clock !== undefined && options.clock !== 'manual' && options.clock !== 'real') {
		throw new Error(`Invalid sandbox options: clock must be manual or real, got ${String(options.clock)}`);
	}
	const apiKey = options.apiKey ?? DEMO_API_KEY;
	if (apiKey.trim() === '' || apiKey === OTHER_CUSTOMER_API_KEY) {
		throw new Error(`Invalid sandbox options: apiKey must be non-empty and differ from ${OTHER_CUSTOMER_API_KEY}`);
	}
	const keys = new Map([
		[PRIMARY_CUSTOMER_ID, apiKey],
		[OTHER_CUSTOMER_ID, OTHER_CUSTOMER_API_KEY],
	]);
	return new SandboxState(config, options, keys);
}

function parseFault(input: Record<string, unknown>): Fault {
	const errors: Record<string, string[]> = {};
	const { pathPrefix, kind } = input;
	const count = input.count ?? 1;
	if (typeof pathPrefix !== 'string' || !pathPrefix.startsWith('/')) errors.pathPrefix = ['pathPrefix must be a path starting with /'];
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) errors.count = ['count must be a whole number >= 1'];
	if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
		errors.kind = [`kind must be one of ${FAULT_KINDS.join(', ')}`];
	}
	const delayMs = input.delayMs;
	if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > 600_000)) {
		errors.delayMs = ['delayMs must be a whole number of milliseconds from 0 to 600000'];
	}
	if (Object.keys(errors).length > 0) throw validation(errors);
	return {
		pathPrefix: pathPrefix as string,
		count: count as number,
		kind: kind as FaultKind,
		...(delayMs === undefined ? {} : { delayMs: delayMs as number }),
	};
}
