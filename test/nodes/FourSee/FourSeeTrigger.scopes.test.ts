/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The 4SEE Trigger's other events and filters against the sandbox: devices of a trailer with a
 * change filter (edges, checked against edges computed from the ground truth), every DeliverSafe
 * unit with an event-type filter, and "Fetch Test Event" leaving the stored state alone.
 */
import { canonicalJson } from '../../../nodes/FourSee/helpers/canonicalJson';
import { readField } from '../../../nodes/FourSee/trigger/filters';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { advanceClock, appendTelemetry, clock, configure, scope, truth } from '../../../sandbox/client';
import { gpsOfTrailers, PollHarness } from '../../helpers/pollContext';
import { authenticate, request } from '../../sandbox/helpers';

type Json = Record<string, unknown>;
const rl = (value: string) => ({ __rl: true, mode: 'id', value });
const minus = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();
const plain = (item: Json) => {
	const { fourSee: _meta, ...record } = item;
	return canonicalJson(record);
};

/** The wall-clock time of `ms` in `timeZone`, as "YYYY-MM-DDTHH:mm:ss" without a zone. */
function wallClock(ms: number, timeZone: string): string {
	const format = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
	});
	const part = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
	return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}`;
}

describe('4SEE Trigger scopes and filters against the sandbox', () => {
	let sandbox: Sandbox;
	afterEach(async () => {
		await sandbox?.close();
	});

	it('devices of a trailer, "a field changes": exactly the edges of the ground truth, once each', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const { trailers } = await scope(sandbox.url);
		const trailer = trailers[0];
		const token = await authenticate(sandbox.url, sandbox.apiKey);
		const devices = ((await request(sandbox.url, `/api/v1/devices/${trailer}?activeOnly=true&take=500`, { token })).body.data as Json[]).map((d) => String(d.id));
		const start = minus((await clock(sandbox.url)).now, 3600);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: {
				event: 'deviceTelemetry',
				deviceScope: 'trailer',
				trailer: rl(trailer),
				deviceFilter: 'fieldChange',
				field: 'lights.stop',
				startFrom: 'date',
				startDate: start,
				options: { pageSize: 3 },
			},
		});
		const emitted: Json[] = [];
		for (let i = 0; i < 12; i++) {
			if (i === 3 || i === 7 || i === 8) {
				// A stop light goes out, is reported out again (no new edge), then comes back.
				const now = (await clock(sandbox.url)).now;
				const stop = i === 3 ? 'out' : i === 7 ? 'out' : 'ok';
				for (const device of devices) {
					await appendTelemetry(sandbox.url, {
						kind: 'device',
						id: device,
						records: [{ deviceId: device, timestamp: now, lights: { stop, tail: 'ok' }, appended: i }],
					});
				}
			}
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			emitted.push(...result.items);
			if (i < 11) await advanceClock(sandbox.url, 600);
		}
		const end = (await clock(sandbox.url)).now;
		const expected: string[] = [];
		for (const device of devices) {
			let last: string | undefined;
			for (const record of (await truth(sandbox.url, { kind: 'device', id: device, from: start, to: end })).records) {
				const value = readField(record, 'lights.stop');
				if (value === undefined) continue;
				if (last !== undefined && last !== JSON.stringify(value)) expected.push(canonicalJson(record));
				last = JSON.stringify(value);
			}
		}
		expect(emitted.map(plain).sort()).toEqual(expected.sort());
		// Each appended device saw out (edge), out (no edge), ok (edge), unless its baseline was out.
		expect(expected.length).toBeGreaterThanOrEqual(devices.length);
		expect(emitted[0].fourSee).toMatchObject({
			event: 'deviceTelemetry',
			trailerId: trailer,
			filter: { field: 'lights.stop', to: expect.any(String) },
		});
	});

	it('every DeliverSafe unit, chosen event types: exactly the matching records of the ground truth', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 4, deliverSafeUnits: 4 });
		const { deliverSafeUnits } = await scope(sandbox.url);
		const start = minus((await clock(sandbox.url)).now, 6 * 3600);
		const types = ['door_opened', 'tamper'];
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: {
				event: 'deliverSafeTelemetry',
				deliverSafeScope: 'all',
				deliverSafeEvents: types,
				startFrom: 'date',
				startDate: start,
				options: { flatten: true, pageSize: 2 },
			},
		});
		const emitted: Json[] = [];
		for (let i = 0; i < 10; i++) {
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			emitted.push(...result.items);
			if (i < 9) await advanceClock(sandbox.url, 1800);
		}
		const end = (await clock(sandbox.url)).now;
		const expected: string[] = [];
		for (const unit of deliverSafeUnits) {
			for (const record of (await truth(sandbox.url, { kind: 'deliverSafe', id: unit, from: start, to: end })).records) {
				if (types.includes(String(record.event))) expected.push(String(record.id));
			}
		}
		expect(expected.length).toBeGreaterThan(3);
		// Flattened for sheets: metadata as dot columns, one row per record.
		expect(emitted.map((item) => String(item.id)).sort()).toEqual(expected.sort());
		expect(emitted[0]).toMatchObject({ 'fourSee.event': 'deliverSafeTelemetry', 'fourSee.dedupeKey': expect.stringMatching(/^deliverSafeTelemetry:ds-/) });
	});

	it('a fleet: trailers that join are read from the start point, ones that leave are dropped from the state', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 3 });
		const { fleets } = await scope(sandbox.url);
		const start = minus((await clock(sandbox.url)).now, 900);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'fleet', fleet: rl(fleets[0]), startFrom: 'date', startDate: start },
		});
		const emitted: Json[] = [];
		const pollAll = async () => {
			for (let i = 0; i < 2; i++) {
				const result = await harness.poll();
				expect(result.error).toBeUndefined();
				emitted.push(...result.items);
			}
		};
		// The fleet listing asks for active trailers only.
		const activeTrailers = async () => {
			const { trailers, inactiveTrailers } = await scope(sandbox.url);
			return trailers.filter((id) => !inactiveTrailers.includes(id));
		};
		await pollAll();
		const before = await activeTrailers();
		await configure(sandbox.url, { trailersPerFleet: 8 });
		await advanceClock(sandbox.url, 300);
		await pollAll();
		const after = await activeTrailers();
		expect(after.length).toBeGreaterThan(before.length);
		const end = (await clock(sandbox.url)).now;
		for (const trailer of after) {
			const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end });
			const mine = emitted.filter((item) => (item.fourSee as Json).trailerId === trailer).map(plain);
			expect(mine.sort()).toEqual(expected.records.map((r) => canonicalJson(r)).sort());
		}
		await configure(sandbox.url, { trailersPerFleet: 2 });
		await pollAll();
		const remaining = await activeTrailers();
		const streams = Object.keys((JSON.parse(harness.stored) as { fourSeeTrigger: { streams: Json } }).fourSeeTrigger.streams);
		expect(streams.sort()).toEqual([...remaining].sort());
	});

	it('a trailer that cannot be read is reported and does not hold back the others', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const { trailers } = await scope(sandbox.url);
		const start = minus((await clock(sandbox.url)).now, 600);
		const harness = gpsOfTrailers(sandbox, `${trailers[0]}, trl-99999`, start);
		const result = await harness.poll();
		expect(result.error).toBeUndefined();
		expect(result.items.length).toBeGreaterThan(0);
		expect(result.items[0].fourSee).toMatchObject({
			trailerId: trailers[0],
			failedStreams: [{ stream: 'trl-99999', message: expect.stringMatching(/Trailer trl-99999 not found/), failures: 1 }],
		});
		expect(harness.logs.join('\n')).toMatch(/could not read trl-99999/);
	});

	it('a single watched trailer that was removed fails every poll with an error naming it, instead of staying silent', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 1 });
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('trl-99999'), startFrom: 'now' },
		});
		for (let poll = 1; poll <= 2; poll++) {
			const result = await harness.poll();
			expect(result.items).toEqual([]);
			expect(result.error?.constructor.name).toBe('NodeApiError');
			expect(result.error?.message).toBe('Trailer trl-99999 not found: it may have been removed from the fleet; update the trigger');
			expect((result.error as { description?: string }).description).toMatch(poll === 1 ? /failed its last read/ : /failed at least its last 2 reads/);
			// Only the failure count moved; the trigger's cursor for it did not.
			const stream = (JSON.parse(result.after) as { fourSeeTrigger: { streams: Record<string, Json> } }).fourSeeTrigger.streams['trl-99999'];
			expect(stream).toMatchObject({ failures: poll, reason: 'notFound' });
			expect(stream.watermark).toBeUndefined();
		}
		expect(harness.logs.join('\n')).toContain('could not read trl-99999 (2 poll(s) in a row): Trailer trl-99999 not found');
	});

	it("a key refused on every watched trailer fails the poll naming them, with what to ask for", async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const others = (await scope(sandbox.url, 'other')).trailers.slice(0, 2);
		expect(others).toHaveLength(2);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: others.join(', '), startFrom: 'now' },
		});
		const result = await harness.poll();
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe(`None of the 2 trailers this trigger watches can be read: ${others.join(', ')} not visible to your API key`);
		expect((result.error as { description?: string }).description).toMatch(/^Ask your Grote representative to give your API key access to them, or update the trigger\./);
		expect((result.error as { httpCode?: string }).httpCode).toBe('403');
	});

	it('a run of removed trailers longer than the request budget does not freeze the trigger: the healthy ones are reached', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const { trailers } = await scope(sandbox.url);
		const removed = Array.from({ length: 12 }, (_, i) => `trl-99${String(i).padStart(3, '0')}`);
		const start = minus((await clock(sandbox.url)).now, 900);
		const budget = 4;
		const harness = gpsOfTrailers(sandbox, [...removed, ...trailers].join(', '), start, { requestBudget: budget });
		const emitted: Json[] = [];
		const bound = Math.ceil((removed.length + trailers.length) / budget);
		for (let i = 0; i < bound; i++) {
			const result = await harness.poll();
			// Only trailers failed, each with its own 404: no error for n8n to show and back off on.
			expect(result.error).toBeUndefined();
			if (i < removed.length / budget) {
				expect(result.items).toEqual([]);
				// The rotation moved past them, so the next poll asks for other trailers.
				expect(result.after).not.toBe(result.before);
			}
			emitted.push(...result.items);
		}
		const end = (await clock(sandbox.url)).now;
		let expectedTotal = 0;
		for (const trailer of trailers) {
			const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end });
			expectedTotal += expected.count;
			const mine = emitted.filter((item) => (item.fourSee as Json).trailerId === trailer).map(plain);
			expect(mine.sort()).toEqual(expected.records.map((r) => canonicalJson(r)).sort());
		}
		expect(expectedTotal).toBeGreaterThan(0);
		// Each removed trailer is reported in n8n's log and counted in the state, poll after poll.
		const logs = harness.logs.join('\n');
		for (const id of removed) expect(logs).toContain(`could not read ${id} (1 poll(s) in a row): Trailer ${id} not found`);
		for (let i = 0; i < bound; i++) expect((await harness.poll()).error).toBeUndefined();
		const streams = (JSON.parse(harness.stored) as { fourSeeTrigger: { streams: Record<string, Json> } }).fourSeeTrigger.streams;
		for (const id of removed) expect(streams[id]).toMatchObject({ failures: 2, lastError: expect.stringMatching(/not found/) });
		for (const id of trailers) expect(streams[id].failures).toBeUndefined();
		expect(harness.logs.join('\n')).toContain(`could not read ${removed[0]} (2 poll(s) in a row)`);
	});

	it('"Fetch Test Event" shows a few recent records and leaves the stored state alone', async () => {
		sandbox = await startSandbox({ clock: 'real', fleets: 1, trailersPerFleet: 3 });
		const { fleets } = await scope(sandbox.url);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'fleet', fleet: rl(fleets[0]) },
		});
		const test = await harness.poll('manual');
		expect(test.error).toBeUndefined();
		expect(test.items.length).toBeGreaterThan(0);
		expect(test.items.length).toBeLessThanOrEqual(5);
		expect(test.items[0].fourSee).toMatchObject({ event: 'gpsPosition', fleetId: fleets[0] });
		expect(test.after).toBe('{}');
		// Activated afterwards, the trigger starts from now: no history flood.
		const first = await harness.poll('trigger');
		expect(first.error).toBeUndefined();
		expect(first.items).toHaveLength(0);
		expect(JSON.parse(first.after)).toHaveProperty('fourSeeTrigger.startMs');
	});

	it("a Start Date without a zone is read in the workflow's time zone, not the server's", async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const trailer = (await scope(sandbox.url)).trailers[0];
		const now = Date.parse((await clock(sandbox.url)).now);
		// Any zone but this machine's shows the difference; neither has daylight saving time.
		const timezone = new Date(now).getTimezoneOffset() === -540 ? 'America/Bogota' : 'Asia/Tokyo';
		const startMs = Math.floor((now - 1800_000) / 1000) * 1000;
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			timezone,
			parameters: {
				event: 'gpsPosition',
				gpsScope: 'trailer',
				trailer: rl(trailer),
				startFrom: 'date',
				// What n8n's date picker stores: the wall-clock time, without a zone.
				startDate: wallClock(startMs, timezone),
			},
		});
		const result = await harness.poll();
		expect(result.error).toBeUndefined();
		const expected = await truth(sandbox.url, { kind: 'gps', id: trailer, from: new Date(startMs).toISOString(), to: new Date(now).toISOString() });
		expect(expected.count).toBeGreaterThan(0);
		expect(result.items.map(plain).sort()).toEqual(expected.records.map((r) => canonicalJson(r)).sort());
		expect(JSON.parse(result.after)).toMatchObject({ fourSeeTrigger: { startMs } });
	});

	it('bad input is refused before any request, naming the field', async () => {
		sandbox = await startSandbox({ clock: 'manual' });
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('../fleets') },
		});
		const result = await harness.poll();
		expect(result.error?.message).toMatch(/'Trailer' "..\/fleets" is not a valid 4SEE ID/);
		harness.parameters = { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('trl-00001'), startFrom: 'date', startDate: 'yesterday-ish' };
		expect((await harness.poll()).error?.message).toMatch(/'Start Date' is not a date/);
		expect(harness.n8n.store.writes).toBe(0);
		expect(harness.stored).toBe('{}');
	});
});
