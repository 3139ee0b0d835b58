/**
 * Reads the trigger's parameters into plain settings, checking them before any request: bad
 * input becomes a NodeOperationError naming the field.
 */
import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { KM_PER_MILE, type RecordKind } from '../api';
import { describeValue, FieldError, parseDateTime } from '../helpers/time';
import { parseConcurrency, parsePageSize, parseRetrySettings, readId } from '../helpers/values';
import { DEFAULT_RETRY, type RetryPolicy } from '../transport';
import { DEFAULTS } from './description';
import type { Filter, PollSettings, Scope, StartPoint } from './types';

export interface TriggerSettings extends PollSettings {
	/** Time Limit per Poll (Seconds); 0: automatic (see schedule.ts). */
	timeLimitSeconds: number;
	flatten: boolean;
	/** The kind of record to simplify emitted records to, when Simplify is on. */
	simplify?: RecordKind;
	pageSize: number;
	retry: RetryPolicy;
}

const SIMPLIFY_KIND: Record<PollSettings['scope']['event'], RecordKind> = {
	gpsPosition: 'gps',
	deviceTelemetry: 'deviceTelemetry',
	deliverSafeTelemetry: 'deliverSafeTelemetry',
};

function checkedId(field: string, value: unknown): string {
	const read = readId(value);
	if ('id' in read) return read.id;
	if (read.problem === 'invalid') {
		throw new FieldError(field, `'${field}' ${describeValue(read.text)} is not a valid 4SEE ID (letters, digits and . _ : ~ - only)`);
	}
	throw new FieldError(field, `'${field}' is empty: pick one from the list or enter its ID`);
}

function wholeNumber(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		throw new FieldError(field, `'${field}' must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'} (got ${describeValue(value)})`);
	}
	return value;
}

function finiteNumber(field: string, value: unknown, min = -Infinity, max = Infinity): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
		throw new FieldError(field, `'${field}' must be a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''} (got ${describeValue(value)})`);
	}
	return value;
}

export function readSettings(context: IPollFunctions): TriggerSettings {
	try {
		return read(context);
	} catch (error) {
		if (error instanceof FieldError) {
			throw new NodeOperationError(context.getNode(), error.message, {
				description: `Check the '${error.field}' parameter.`,
			});
		}
		// n8n's own parameter errors (already NodeOperationErrors) keep their wording.
		throw error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error);
	}
}

function read(context: IPollFunctions): TriggerSettings {
	const param = (name: string, fallback?: unknown): unknown => context.getNodeParameter(name, fallback);
	const event = param('event') as string;
	let scope: Scope;
	let filter: Filter = { type: 'none' };

	if (event === 'gpsPosition') {
		const mode = param('gpsScope', 'trailer');
		if (mode === 'trailers') {
			const text = param('trailerIds', '');
			const ids = (typeof text === 'string' ? text : '').split(/[,\s]+/).filter((id) => id !== '');
			if (ids.length === 0) throw new FieldError('Trailer IDs', "'Trailer IDs' is empty: enter trailer IDs separated by commas");
			scope = { event, trailers: ids.map((id) => checkedId('Trailer IDs', id)) };
		} else if (mode === 'fleet') {
			scope = { event, fleet: checkedId('Fleet', param('fleet')) };
		} else {
			scope = { event, trailers: [checkedId('Trailer', param('trailer'))] };
		}
		const kind = param('gpsFilter', 'none');
		if (kind === 'geofence') {
			const on = param('geofenceOn', 'enter');
			filter = {
				type: 'geofence',
				latitude: finiteNumber('Area Centre Latitude', param('geofenceLatitude'), -90, 90),
				longitude: finiteNumber('Area Centre Longitude', param('geofenceLongitude'), -180, 180),
				radiusMeters: finiteNumber('Radius (Meters)', param('geofenceRadius'), 0),
				on: on === 'leave' || on === 'both' ? on : 'enter',
			};
		} else if (kind === 'speedAbove') {
			// The API reports km/h; a threshold in mph is compared in km/h.
			filter =
				param('speedUnit', 'kph') === 'mph'
					? { type: 'speedAbove', kph: finiteNumber('Speed Above (Mph)', param('speedMph'), 0) * KM_PER_MILE }
					: { type: 'speedAbove', kph: finiteNumber('Speed Above (Km/h)', param('speedKph'), 0) };
		}
	} else if (event === 'deviceTelemetry') {
		const mode = param('deviceScope', 'device');
		if (mode === 'trailer') scope = { event, trailer: checkedId('Trailer', param('trailer')) };
		else if (mode === 'fleet') scope = { event, fleet: checkedId('Fleet', param('fleet')) };
		else scope = { event, devices: [checkedId('Device', param('device'))] };
		const kind = param('deviceFilter', 'none');
		if (kind === 'fieldChange' || kind === 'threshold') {
			const field = param('field', '');
			if (typeof field !== 'string' || field.trim() === '') {
				throw new FieldError('Field', "'Field' is empty: enter the name of the reading to watch, e.g. lights.stop");
			}
			if (kind === 'fieldChange') filter = { type: 'fieldChange', field: field.trim() };
			else {
				const direction = param('direction', 'below');
				filter = {
					type: 'threshold',
					field: field.trim(),
					value: finiteNumber('Threshold', param('threshold')),
					direction: direction === 'above' || direction === 'either' ? direction : 'below',
				};
			}
		}
	} else if (event === 'deliverSafeTelemetry') {
		const mode = param('deliverSafeScope', 'unit');
		scope = mode === 'all' ? { event, allUnits: true } : { event, units: [checkedId('DeliverSafe Unit', param('deliverSafeUnit'))] };
		const events = param('deliverSafeEvents', []);
		if (Array.isArray(events) && events.length > 0) filter = { type: 'events', events: events.map(String) };
	} else {
		throw new FieldError('Trigger On', `Unknown event ${describeValue(event)}`);
	}

	const options = param('options', {}) as IDataObject;
	const retry = parseRetrySettings(options, DEFAULT_RETRY);
	return {
		scope,
		start: readStart(param, context.getTimezone()),
		filter,
		latenessMs:
			finiteNumber('Late Records Window (Minutes)', options.latenessMinutes ?? DEFAULTS.latenessMinutes, 0, 7 * 24 * 60) * 60_000,
		requestBudget: requestBudget(options.requestBudget, context.getNode().typeVersion),
		maxItems: wholeNumber('Max Items per Poll', options.maxItems ?? DEFAULTS.maxItems, 1),
		timeLimitSeconds: finiteNumber('Time Limit per Poll (Seconds)', options.timeLimitSeconds ?? 0, 0, 24 * 3600),
		flatten: options.flatten === true,
		simplify: param('simplify', false) === true ? SIMPLIFY_KIND[scope.event] : undefined,
		pageSize: parsePageSize(options.pageSize),
		concurrency: parseConcurrency(options),
		retry: { ...DEFAULT_RETRY, ...retry },
	};
}

/** Requests per Poll: Auto (no bound but the poll's time and 4SEE's 429) for 0, or unset from version 1.1 on. */
export function requestBudget(value: unknown, typeVersion: number): number {
	const budget = value ?? (typeVersion >= 1.1 ? 0 : DEFAULTS.requestBudget);
	const checked = wholeNumber('Requests per Poll', budget, 0);
	return checked === 0 ? Number.POSITIVE_INFINITY : checked;
}

function readStart(param: (name: string, fallback?: unknown) => unknown, timeZone: string): StartPoint {
	const mode = param('startFrom', 'now');
	if (mode === 'lastHours') return { mode: 'relative', hours: finiteNumber('Hours Back', param('startHours', DEFAULTS.startHours), 0) };
	if (mode === 'all') return { mode: 'all' };
	if (mode === 'date') {
		const value = param('startDate', '');
		// The date picker stores the time without an offset, meant in the workflow's zone (as in
		// n8n's own nodes and the action node's time window), not in the server's.
		const date = parseDateTime(value, timeZone);
		if (date === undefined) {
			throw new FieldError('Start Date', `'Start Date' is not a date and time this node can read (got ${describeValue(value)})`);
		}
		return { mode: 'date', date: date.toISOString() };
	}
	return { mode: 'now' };
}
