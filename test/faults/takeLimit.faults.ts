/**
 * A 4SEE whose largest page is smaller than the node's Page Size (the sandbox's `maxTake`, as
 * `--max-take`): every paged operation, the credential test, every list search and every
 * trigger scope must still deliver all records, exactly once, with no error. The user's Page
 * Size (500 here, and the default) is refused once per Integration API; the node asks that
 * page again with the size the refusal names and keeps using it.
 */
import type { IDataObject } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { forgetLearnedTakes, learnedTakes } from '../../nodes/FourSee/transport/take';
import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import { fakeN8n } from '../helpers/context';
import { PollHarness } from '../helpers/pollContext';
import { compareRecords, withoutMeta } from '../helpers/truth';
import { CredentialStore, loadOptionsContext } from '../helpers/workflow';
import { readAll, rl, runNode, type Json } from './cells';

const FAST_RETRY = { retryAttempts: 8, maxWaitSeconds: 10 };
const minus = (iso: string, minutes: number) => new Date(Date.parse(iso) - minutes * 60_000).toISOString();
const exclusive = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

describe.each([100, 30])('a 4SEE whose largest page is %i records', (maxTake) => {
	let sandbox: Sandbox;
	let now: string;
	let ids: control.Scope;
	beforeAll(async () => {
		sandbox = await startSandbox({
			clock: 'manual',
			quiet: true,
			maxTake,
			fleets: 2,
			// Lists just longer than one page of the limit: every listing takes two pages or more.
			trailersPerFleet: maxTake + 10,
			devicesPerTrailer: 2,
			deliverSafeUnits: maxTake + 5,
			burst: 1_000_000,
			refillPerSecond: 1_000_000,
			// Every run logs in afresh (a new n8n each), and so does every read of the truth.
			authLimit: { requests: 10_000, perSeconds: 300 },
		});
		now = (await control.clock(sandbox.url)).now;
		ids = await control.scope(sandbox.url);
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(async () => {
		// Each case meets the refusal itself, as a fresh n8n would.
		forgetLearnedTakes();
		await control.resetStats(sandbox.url);
	});

	/** The refusals this case met: one, then the learned size is used. */
	/** `inFlight`: requests sent at once before the first refusal was learned (the trigger's Concurrent Requests). */
	async function expectOneRefusalLearned(inFlight = 1): Promise<void> {
		const stats = await control.stats(sandbox.url);
		expect(stats.responses['400']).toBeGreaterThanOrEqual(1);
		expect(stats.responses['400']).toBeLessThanOrEqual(inFlight);
		expect(learnedTakes().get(sandbox.url)).toBe(maxTake);
	}

	const trailerOf = (fleet: string) => readAll(sandbox.url, `/api/v1/trailers/${fleet}`, maxTake);

	describe.each([
		['Page Size 500', { pageSize: 500 }],
		['the default Page Size', {}],
	])('paged operations with %s', (_label, pageOptions) => {
		const options = { ...FAST_RETRY, ...pageOptions };
		// The default (50) is within a limit of 100: nothing to refuse there.
		const refused = (pageOptions as IDataObject).pageSize !== undefined || maxTake < 50;

		async function expectComplete(parameters: IDataObject, expected: Json[]): Promise<void> {
			const run = await runNode(sandbox, { returnAll: true, ...parameters, options });
			expect(run.error).toBeUndefined();
			expect(compareRecords(run.items, expected)).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
			expect(run.items).toHaveLength(expected.length);
			expect(expected.length).toBeGreaterThan(maxTake);
			if (refused) await expectOneRefusalLearned();
			else expect((await control.stats(sandbox.url)).responses['400']).toBeUndefined();
		}

		it('Fleet > Get Many and Trailer > Get Many', async () => {
			const trailers = await trailerOf(ids.fleets[0]);
			await control.resetStats(sandbox.url);
			await expectComplete({ resource: 'trailer', operation: 'getMany', fleet: rl(ids.fleets[0]) }, trailers);
			forgetLearnedTakes();
			await control.resetStats(sandbox.url);
			const run = await runNode(sandbox, { resource: 'fleet', operation: 'getMany', returnAll: true, options });
			expect(run.error).toBeUndefined();
			expect(run.items.map((f) => f.id)).toEqual(ids.fleets);
		});

		it('Device > Get Many (every device of a trailer) and DeliverSafe > Get Many', async () => {
			await expectComplete({ resource: 'deliverSafe', operation: 'getMany' }, await readAll(sandbox.url, '/api/v1/deliversafe', maxTake));
			forgetLearnedTakes();
			await control.resetStats(sandbox.url);
			const devices = await readAll(sandbox.url, `/api/v1/devices/${ids.trailers[0]}`, maxTake);
			await control.resetStats(sandbox.url);
			const run = await runNode(sandbox, { resource: 'device', operation: 'getMany', trailer: rl(ids.trailers[0]), returnAll: true, options });
			expect(run.error).toBeUndefined();
			expect(compareRecords(run.items, devices)).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
		});

		it.each([
			['Trailer > Get GPS Telemetry', 'gps', 'trailer', 'getGpsTelemetry', 'trailer', 6 * 60],
			['Device > Get Telemetry', 'device', 'device', 'getTelemetry', 'device', 24 * 60],
			['DeliverSafe > Get Telemetry', 'deliverSafe', 'deliverSafe', 'getTelemetry', 'deliverSafeUnit', 7 * 24 * 60],
		] as const)('%s', async (_name, kind, resource, operation, locator, minutes) => {
			const id = kind === 'gps' ? ids.trailers[0] : kind === 'device' ? ids.devices.find((d) => !ids.inactiveDevices.includes(d))! : ids.deliverSafeUnits[0];
			const start = minus(now, minutes);
			const end = minus(now, 1);
			const truth = await control.truth(sandbox.url, { kind, id, from: start, to: exclusive(end) });
			await control.resetStats(sandbox.url);
			await expectComplete({ resource, operation, [locator]: rl(id), timeRange: 'between', start, end }, truth.records);
		});
	});

	it('the credential test passes', async () => {
		const n8n = fakeN8n({ apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' });
		await expect(n8n.testCredential()).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it('every list search lists every record, page after page', async () => {
		const credentials = new CredentialStore({
			fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' },
		});
		const { listSearch } = new FourSee().methods;
		const searchAll = async (method: keyof typeof listSearch, parameters: IDataObject, parameter: string) => {
			const context = loadOptionsContext(
				{ type: 'fourSee', parameters },
				{ nodeTypes: { fourSee: new FourSee() }, credentialTypes: [new FourSeeApi()], credentials },
				parameter,
			);
			const found: string[] = [];
			let token: unknown;
			for (let call = 0; call < 100; call++) {
				const result = await listSearch[method].call(context, undefined, token as string | undefined);
				found.push(...result.results.map((r) => String(r.value)));
				token = result.paginationToken;
				if (token === undefined) return found;
			}
			throw new Error('the list search never ended');
		};
		expect(await searchAll('searchFleets', { resource: 'fleet', operation: 'get' }, 'fleet')).toEqual(ids.fleets);
		expect(await searchAll('searchTrailers', { resource: 'trailer', operation: 'get', fleet: rl(ids.fleets[0]) }, 'trailer')).toEqual(
			(await trailerOf(ids.fleets[0])).map((t) => t.id),
		);
		expect(await searchAll('searchDevices', { resource: 'device', operation: 'get', trailer: rl(ids.trailers[0]) }, 'device')).toEqual(
			(await readAll(sandbox.url, `/api/v1/devices/${ids.trailers[0]}`, maxTake)).map((d) => d.id),
		);
		expect(await searchAll('searchDeliverSafeUnits', { resource: 'deliverSafe', operation: 'get' }, 'deliverSafeUnit')).toEqual(ids.deliverSafeUnits);
		// The searches ask for 100 a page: refused once when the limit is lower, never when it is not.
		expect((await control.stats(sandbox.url)).responses['400']).toBe(maxTake < 100 ? 1 : undefined);
	});

	const activeTrailers = () => ids.trailers.filter((t) => !ids.inactiveTrailers.includes(t));
	const activeDevices = async (trailers: string[]) => {
		const out: string[] = [];
		for (const trailer of trailers) {
			const devices = await readAll(sandbox.url, `/api/v1/devices/${trailer}`, maxTake);
			out.push(...devices.map((d) => String(d.id)));
		}
		return out.filter((d) => !ids.inactiveDevices.includes(d));
	};
	const fleetTrailers = async (fleet: string) => (await trailerOf(fleet)).map((t) => String(t.id)).filter((t) => !ids.inactiveTrailers.includes(t));

	it.each([
		['GPS of one trailer', { event: 'gpsPosition', gpsScope: 'trailer', trailer: 'T0' }, 'gps', async () => [activeTrailers()[0]]],
		['GPS of a list of trailers', { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: 'T0,T1' }, 'gps', async () => activeTrailers().slice(0, 2)],
		['GPS of every active trailer of a fleet', { event: 'gpsPosition', gpsScope: 'fleet', fleet: 'F0' }, 'gps', async () => fleetTrailers(ids.fleets[0])],
		['one device', { event: 'deviceTelemetry', deviceScope: 'device', device: 'D0' }, 'device', async () => (await activeDevices([activeTrailers()[0]])).slice(0, 1)],
		['every device of a trailer', { event: 'deviceTelemetry', deviceScope: 'trailer', trailer: 'T0' }, 'device', async () => activeDevices([activeTrailers()[0]])],
		['every device of a fleet', { event: 'deviceTelemetry', deviceScope: 'fleet', fleet: 'F0' }, 'device', async () => activeDevices(await fleetTrailers(ids.fleets[0]))],
		['one DeliverSafe unit', { event: 'deliverSafeTelemetry', deliverSafeScope: 'unit', deliverSafeUnit: 'U0' }, 'deliverSafe', async () => [ids.deliverSafeUnits[0]]],
		['every DeliverSafe unit', { event: 'deliverSafeTelemetry', deliverSafeScope: 'all' }, 'deliverSafe', async () => ids.deliverSafeUnits],
	] as const)('trigger on %s with Page Size 500: every record once, no error', async (_name, scopeParameters, kind, streams) => {
		const watched = await streams();
		const resolve = (value: string) => {
			if (value === 'T0') return rl(activeTrailers()[0]);
			if (value === 'T0,T1') return activeTrailers().slice(0, 2).join(',');
			if (value === 'F0') return rl(ids.fleets[0]);
			if (value === 'D0') return rl(watched[0]);
			if (value === 'U0') return rl(ids.deliverSafeUnits[0]);
			return value;
		};
		const parameters = Object.fromEntries(Object.entries(scopeParameters).map(([k, v]) => [k, k === 'event' || k.endsWith('Scope') ? v : resolve(v)]));
		// Long enough back that the smaller limit takes more than one page of a stream.
		const minutes = kind === 'gps' ? 90 : kind === 'device' ? 4 * 60 : 24 * 60;
		const start = minus(now, minutes);
		const expected: Json[] = [];
		for (const id of watched) expected.push(...(await control.truth(sandbox.url, { kind, id, from: start })).records);
		await control.resetStats(sandbox.url);
		const harness = new PollHarness({
			url: sandbox.url,
			apiKey: sandbox.apiKey,
			parameters: { ...parameters, startFrom: 'date', startDate: start, options: { ...FAST_RETRY, pageSize: 500, requestBudget: 100, maxItems: 100_000 } },
		});
		const emitted: Json[] = [];
		let quiet = 0;
		for (let poll = 0; poll < 60 && quiet < 2; poll++) {
			const result = await harness.poll();
			expect(result.error).toBeUndefined();
			emitted.push(...result.items.map(withoutMeta));
			quiet = result.items.length === 0 ? quiet + 1 : 0;
		}
		expect(compareRecords(emitted, expected)).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
		expect(expected.length).toBeGreaterThan(0);
		// The trigger's first reads go out 4 at a time (Concurrent Requests): each may meet the refusal once.
		await expectOneRefusalLearned(4);
		// The node said so in n8n's log, once: the other requests refused at the same moment taught nothing new.
		expect(harness.logs.filter((line) => /^warn: 4SEE refused a page size of 500/.test(line))).toHaveLength(1);
	}, 300_000);
});
