/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The trigger's Simplify and its speed filter in mph, against the sandbox: what it emits is
 * checked against the sandbox's ground truth, not against the node's own arithmetic.
 */
import { KM_PER_MILE, SIMPLIFIED_FIELDS } from '../../../nodes/FourSee/api';
import { simplifyRecord } from '../../../nodes/FourSee/helpers/simplify';
import { canonicalJson } from '../../../nodes/FourSee/helpers/canonicalJson';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { advanceClock, clock, scope, truth } from '../../../sandbox/client';
import { PollHarness } from '../../helpers/pollContext';
import { withoutMeta } from '../../helpers/truth';

type Json = Record<string, unknown>;
const rl = (value: string) => ({ __rl: true, mode: 'id', value });
const minus = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();
const plain = (item: Json) => canonicalJson(withoutMeta(item));

describe('4SEE Trigger: Simplify and mph', () => {
	let sandbox: Sandbox;
	afterEach(async () => {
		await sandbox?.close();
	});

	/** A trigger on the GPS of the sandbox's second trailer (it stands and drives) from `hoursBack` on, with a Speed Above filter. */
	async function speedTrigger(hoursBack: number, filter: Json): Promise<{ harness: PollHarness; trailer: string; start: string }> {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const trailer = (await scope(sandbox.url)).trailers[1];
		const start = minus((await clock(sandbox.url)).now, hoursBack * 3600);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl(trailer), gpsFilter: 'speedAbove', ...filter, startFrom: 'date', startDate: start, options: {} },
		});
		return { harness, trailer, start };
	}

	it('Speed Above 40 mph, simplified: exactly the positions faster than 64.37 km/h, each with its handful of fields', async () => {
		const { harness, trailer, start } = await speedTrigger(6, { speedUnit: 'mph', speedMph: 40, simplify: true });
		const emitted: Json[] = [];
		for (let i = 0; i < 4; i++) {
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			emitted.push(...result.items);
			await advanceClock(sandbox.url, 900);
		}
		const end = (await clock(sandbox.url)).now;
		const all = (await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end })).records;
		const fast = all.filter((record) => Number(record.speedKph) > 40 * KM_PER_MILE);
		// The sandbox's second trailer stands and drives in this window: something to keep and to drop.
		expect(fast.length).toBeGreaterThan(0);
		expect(fast.length).toBeLessThan(all.length);
		expect(emitted.map(plain).sort()).toEqual(fast.map((record) => canonicalJson(simplifyRecord('gps', record))).sort());
		for (const item of emitted) {
			expect(Object.keys(item).sort()).toEqual([...SIMPLIFIED_FIELDS.gps, 'speedMph', 'fourSee'].sort());
			expect(Number(item.speedMph)).toBeGreaterThan(40);
		}
	});

	it('Speed Above in km/h stays as it was for workflows saved before the unit existed', async () => {
		const { harness, trailer, start } = await speedTrigger(3, { speedKph: 40 });
		const result = await harness.poll();
		expect(result.error).toBeUndefined();
		const end = (await clock(sandbox.url)).now;
		const all = (await truth(sandbox.url, { kind: 'gps', id: trailer, from: start, to: end })).records;
		expect(all.some((r) => Number(r.speedKph) <= 40) && all.some((r) => Number(r.speedKph) > 40)).toBe(true);
		// Unsimplified: the records as the API serves them.
		expect(result.items.map(plain).sort()).toEqual(all.filter((r) => Number(r.speedKph) > 40).map((r) => canonicalJson(r)).sort());
	});

	it('device readings simplified keep their readings and the metadata', async () => {
		sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 1 });
		const { devices } = await scope(sandbox.url);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { event: 'deviceTelemetry', deviceScope: 'device', device: rl(devices[0]), simplify: true, startFrom: 'date', startDate: minus((await clock(sandbox.url)).now, 3600), options: {} },
		});
		const result = await harness.poll();
		expect(result.error).toBeUndefined();
		expect(result.items.length).toBeGreaterThan(0);
		for (const item of result.items) {
			const { fourSee, ...record } = item;
			expect(fourSee).toMatchObject({ event: 'deviceTelemetry', streamId: devices[0] });
			expect(Object.keys(record).every((key) => (SIMPLIFIED_FIELDS.deviceTelemetry as readonly string[]).includes(key))).toBe(true);
			expect(record).toHaveProperty('deviceId');
			expect(record).toHaveProperty('timestamp');
		}
	});
});
