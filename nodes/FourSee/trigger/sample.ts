/**
 * n8n's "Fetch Test Event": the few most recent records of the scope, so users can map fields,
 * without reading or writing the trigger's stored state. Filters are not applied (a crossing
 * may not have happened lately); the items look exactly like the ones the trigger emits.
 */
import { recordTimeMs, telemetryStartToken } from '../api';
import { hoursBefore } from '../helpers/time';
import { itemMeta, type PollIO } from './engine';
import type { Emitted, PollSettings, StreamContext, Task } from './types';
import { recordKey } from './watermark';

/** How far back to look, widening until something is found. */
export const SAMPLE_LOOKBACK_HOURS = [1, 24, 7 * 24, 30 * 24];
const SAMPLE_SIZE = 5;
const SAMPLE_STREAMS = 3;
const SAMPLE_PAGES_PER_STREAM = 10;

async function sampleStreams(settings: PollSettings, io: PollIO): Promise<Array<{ id: string; ctx?: StreamContext }>> {
	const { scope } = settings;
	if ('trailers' in scope) return scope.trailers.slice(0, SAMPLE_STREAMS).map((id) => ({ id }));
	if ('devices' in scope) return scope.devices.slice(0, SAMPLE_STREAMS).map((id) => ({ id }));
	if ('units' in scope) return scope.units.slice(0, SAMPLE_STREAMS).map((id) => ({ id }));
	const first: Extract<Task, { kind: 'listing' }> =
		'allUnits' in scope
			? { kind: 'listing', src: { of: 'deliverSafeUnits' } }
			: 'trailer' in scope
				? { kind: 'listing', src: { of: 'trailerDevices', id: scope.trailer }, ctx: { trailerId: scope.trailer } }
				: { kind: 'listing', src: { of: 'fleetTrailers', id: scope.fleet }, ctx: { fleetId: scope.fleet } };
	const page = await io.listPage(first.src, undefined);
	const ids = page.records.map((r) => r.id).filter((id): id is string => typeof id === 'string');
	if (scope.event === 'deviceTelemetry' && 'fleet' in scope) {
		const found: Array<{ id: string; ctx?: StreamContext }> = [];
		for (const trailerId of ids.slice(0, SAMPLE_STREAMS)) {
			const devices = await io.listPage({ of: 'trailerDevices', id: trailerId }, undefined);
			for (const d of devices.records) {
				if (typeof d.id === 'string') found.push({ id: d.id, ctx: { fleetId: scope.fleet, trailerId } });
			}
			if (found.length >= SAMPLE_STREAMS) break;
		}
		return found.slice(0, SAMPLE_STREAMS);
	}
	return ids.slice(0, SAMPLE_STREAMS).map((id) => ({ id, ctx: first.ctx }));
}

export async function sampleRecent(settings: PollSettings, io: PollIO, nowMs: number): Promise<Emitted[]> {
	const event = settings.scope.event;
	const found: Array<Emitted & { t: number }> = [];
	for (const stream of await sampleStreams(settings, io)) {
		for (const hours of SAMPLE_LOOKBACK_HOURS) {
			let token: string | undefined = telemetryStartToken(new Date(hoursBefore(nowMs, hours)));
			const recent: Array<Record<string, unknown>> = [];
			for (let pages = 0; token !== undefined && pages < SAMPLE_PAGES_PER_STREAM; pages++) {
				const page = await io.readPage(event, stream.id, token);
				recent.push(...page.records);
				recent.splice(0, Math.max(0, recent.length - SAMPLE_SIZE));
				token = page.next;
			}
			if (recent.length === 0) continue;
			for (const record of recent) {
				const meta = itemMeta(event, stream.id, stream.ctx, record);
				meta.dedupeKey = `${event}:${stream.id}:${recordKey(`${event}:${stream.id}`, record)}`;
				found.push({ record, meta, t: recordTimeMs(record) ?? 0 });
			}
			break;
		}
	}
	found.sort((a, b) => a.t - b.t);
	return found.slice(-SAMPLE_SIZE).map(({ record, meta }) => ({ record, meta }));
}
