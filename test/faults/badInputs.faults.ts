/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The bad-input catalogue: each entry gives a clear error naming the field before any request
 * reaches the API (the sandbox counts zero requests, token requests included). The action node
 * runs through n8n-core's engine, where expressions are resolved per item exactly as in n8n; the
 * trigger through its poll context.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { startSandbox, type Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import { PollHarness } from '../helpers/pollContext';
import { CredentialStore, itemsInto, runWorkflow } from '../helpers/workflow';

const rl = (value: unknown) => ({ __rl: true, mode: 'id', value });

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startSandbox({ clock: 'manual', fleets: 1, trailersPerFleet: 3 });
});
afterAll(async () => {
	await sandbox.close();
});
beforeEach(async () => {
	await control.resetStats(sandbox.url);
});

/** An input item whose fields expressions can point at. */
const INPUT = { obj: { id: 'trl-00001' }, list: ['trl-00001'], text: 'trl-00001' };

interface Case {
	what: string;
	parameters: IDataObject;
	/** The field the error must name. */
	field: RegExp;
}

/**
 * A literal bad id in the ID field is already refused by n8n's own check of the locator's
 * pattern ("the workflow has issues"); ids that arrive from upstream data through an
 * expression bypass it and reach the node. So each bad id comes in on the input item.
 */
const trailerGet = (trailer: unknown): IDataObject =>
	typeof trailer === 'string' && !trailer.startsWith('=')
		? { resource: 'trailer', operation: 'get', trailer: rl('={{ $json.value }}'), __value: trailer }
		: { resource: 'trailer', operation: 'get', trailer: rl(trailer) };
const trailersOfFleet = (extra: IDataObject): IDataObject => ({
	resource: 'trailer',
	operation: 'getMany',
	fleet: rl('fleet-001'),
	...extra,
});
const gps = (extra: IDataObject): IDataObject => ({
	resource: 'trailer',
	operation: 'getGpsTelemetry',
	trailer: rl('trl-00001'),
	timeRange: 'between',
	start: '2025-12-31T00:00:00Z',
	end: '2025-12-31T06:00:00Z',
	...extra,
});

const ACTION_CASES: Case[] = [
	{ what: 'an id with a slash', parameters: trailerGet('trl-00001/../../fleets'), field: /Trailer/ },
	{ what: 'an id that is two dots', parameters: trailerGet('..'), field: /Trailer/ },
	{ what: 'an id with dots leading up a level', parameters: trailerGet('../trl-00001'), field: /Trailer/ },
	{ what: 'an id with a backslash', parameters: trailerGet('trl\\00001'), field: /Trailer/ },
	{ what: 'an id in full-width unicode digits', parameters: trailerGet('trl-０００１'), field: /Trailer/ },
	{ what: 'an id with an emoji', parameters: trailerGet('trl-🚚'), field: /Trailer/ },
	{ what: 'an id with a space inside', parameters: trailerGet('trl 00001'), field: /Trailer/ },
	{ what: 'an id with a query string', parameters: trailerGet('trl-00001?take=500'), field: /Trailer/ },
	{ what: 'an empty id', parameters: trailerGet(''), field: /Trailer/ },
	{ what: 'an id of spaces only', parameters: trailerGet('   '), field: /Trailer/ },
	{ what: 'an empty fleet', parameters: trailersOfFleet({ fleet: rl('={{ $json.value }}'), __value: '' }), field: /Fleet/ },
	{ what: 'an id expression resolving to an object', parameters: trailerGet('={{ $json.obj }}'), field: /Trailer/ },
	{ what: 'an id expression resolving to a list', parameters: trailerGet('={{ $json.list }}'), field: /Trailer/ },
	{ what: 'a huge limit', parameters: trailersOfFleet({ returnAll: false, limit: 1e12 }), field: /Limit/ },
	{ what: 'a limit of 0', parameters: trailersOfFleet({ returnAll: false, limit: 0 }), field: /Limit/ },
	{ what: 'a negative limit', parameters: trailersOfFleet({ returnAll: false, limit: -5 }), field: /Limit/ },
	{ what: 'a fractional limit', parameters: trailersOfFleet({ returnAll: false, limit: 2.5 }), field: /Limit/ },
	{ what: 'a limit expression resolving to an object', parameters: trailersOfFleet({ returnAll: false, limit: '={{ $json.obj }}' }), field: /Limit/ },
	{ what: 'a page size above the maximum', parameters: trailersOfFleet({ returnAll: true, options: { pageSize: 100_000 } }), field: /Page Size/ },
	{ what: 'a page size of 0', parameters: trailersOfFleet({ returnAll: true, options: { pageSize: 0 } }), field: /Page Size/ },
	{ what: 'retry attempts of 0', parameters: trailersOfFleet({ returnAll: true, options: { retryAttempts: 0 } }), field: /Retry Attempts/ },
	{ what: 'a negative max wait', parameters: trailersOfFleet({ returnAll: true, options: { maxWaitSeconds: -1 } }), field: /Max Wait/ },
	{ what: 'an unreadable start date', parameters: gps({ start: 'last tuesday-ish' }), field: /Start/ },
	{ what: 'an impossible start date', parameters: gps({ start: '2026-13-45T25:61:00Z' }), field: /Start/ },
	{ what: 'an unreadable end date', parameters: gps({ end: 'soon' }), field: /End/ },
	{ what: 'a start after the end', parameters: gps({ start: '2025-12-31T07:00:00Z' }), field: /Start/ },
	{ what: 'a start expression resolving to an object', parameters: gps({ start: '={{ $json.obj }}' }), field: /Start/ },
	{ what: 'zero last hours', parameters: gps({ timeRange: 'lastHours', lastHours: 0 }), field: /Last Hours/ },
	{ what: 'negative last hours', parameters: gps({ timeRange: 'lastHours', lastHours: -24 }), field: /Last Hours/ },
	{
		what: 'a query parameter that would take over paging',
		parameters: trailersOfFleet({ returnAll: true, options: { additionalQuery: { parameter: [{ name: 'next', value: 'x' }] } } }),
		field: /Additional Query Parameters/,
	},
];

async function runAction({ __value, ...parameters }: IDataObject): Promise<{ error?: Error; items: number }> {
	const node = new FourSee();
	const execute = node.execute;
	let thrown: Error | undefined;
	node.execute = async function (this: IExecuteFunctions) {
		try {
			return await execute.call(this);
		} catch (error) {
			thrown = error as Error;
			throw error;
		}
	};
	const run = await runWorkflow(itemsInto({ type: 'fourSee', parameters }, [{ ...INPUT, value: __value as string }]), {
		nodeTypes: { fourSee: node },
		credentialTypes: [new FourSeeApi()],
		credentials: new CredentialStore({
			fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' },
		}),
	});
	const task = run.run.data.resultData.runData['4SEE']?.[0];
	return { error: thrown, items: task?.data?.main?.[0]?.length ?? 0 };
}

describe('the 4SEE node refuses bad input before any request', () => {
	it.each(ACTION_CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
		const { error, items } = await runAction(c.parameters);
		expect(items).toBe(0);
		expect(error?.constructor.name).toBe('NodeOperationError');
		expect(`${error?.message} ${(error as { description?: string }).description ?? ''}`).toMatch(c.field);
		const stats = await control.stats(sandbox.url);
		expect(stats.requests.total).toBe(0);
	});
});

const TRIGGER_CASES: Case[] = [
	{
		what: 'a trailer id with a slash',
		parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('a/b') },
		field: /Trailer/,
	},
	{ what: 'an empty trailer', parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('') }, field: /Trailer/ },
	{
		what: 'a trailer list with a unicode id',
		parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: 'trl-00001, trl-０２' },
		field: /Trailer IDs/,
	},
	{ what: 'an empty trailer list', parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds: ' , ' }, field: /Trailer IDs/ },
	{
		what: 'a latitude beyond the pole',
		parameters: {
			event: 'gpsPosition',
			gpsScope: 'trailer',
			trailer: rl('trl-00001'),
			gpsFilter: 'geofence',
			geofenceLatitude: 123,
			geofenceLongitude: 0,
			geofenceRadius: 100,
		},
		field: /Latitude/,
	},
	{
		what: 'an unreadable start date',
		parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('trl-00001'), startFrom: 'date', startDate: 'whenever' },
		field: /Start/,
	},
	{
		// 0 is Auto; below it is refused.
		what: 'a negative request budget',
		parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('trl-00001'), options: { requestBudget: -1 } },
		field: /Requests per Poll/,
	},
	{
		what: 'a huge page size',
		parameters: { event: 'gpsPosition', gpsScope: 'trailer', trailer: rl('trl-00001'), options: { pageSize: 1e9 } },
		field: /Page Size/,
	},
	{
		what: 'a device field left empty for a threshold',
		parameters: { event: 'deviceTelemetry', deviceScope: 'device', device: rl('dev-000001'), deviceFilter: 'threshold', field: ' ', threshold: 1 },
		field: /Field/,
	},
];

describe('the 4SEE Trigger refuses bad settings before any request', () => {
	it.each(TRIGGER_CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
		const harness = new PollHarness({ url: sandbox.url, apiKey: sandbox.apiKey, parameters: c.parameters });
		const result = await harness.poll();
		expect(result.items).toHaveLength(0);
		expect(result.error?.constructor.name).toBe('NodeOperationError');
		expect(`${result.error?.message} ${(result.error as { description?: string }).description ?? ''}`).toMatch(c.field);
		// Nothing was stored, so a corrected setting starts cleanly.
		expect(result.after).toBe(result.before);
		expect((await control.stats(sandbox.url)).requests.total).toBe(0);
	});
});
