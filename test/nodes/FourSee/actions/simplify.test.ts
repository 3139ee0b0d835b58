/**
 * Simplify on every operation, and the node as an AI agent's tool. n8n builds the tool variant
 * from the node's description with `Tool` appended to its name (type `...fourSeeTool`), and its
 * own NodeHelpers decide what a user sees and which defaults apply from that name (`@tool`):
 * these tests resolve the real description with n8n's NodeHelpers, and run the tool variant
 * through n8n-core's engine with a description renamed the same way.
 */
import type { INode, INodeParameters, INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { deepCopy, NodeHelpers } from 'n8n-workflow';

import { FourSeeApi } from '../../../../credentials/FourSeeApi.credentials';
import { SIMPLIFIED_FIELDS } from '../../../../nodes/FourSee/api';
import { FourSee } from '../../../../nodes/FourSee/FourSee.node';
import { itemsInto, runWorkflow } from '../../../helpers/workflow';
import { api, byId, credentialStore, outputJson, runNode, unexpectedRequests, useNock } from './setup';

useNock();

const node = new FourSee();

/** The tool variant's description, as n8n derives it (the name is what `@tool` reads). */
function toolVariant(): FourSee {
	const tool = new FourSee();
	tool.description = { ...deepCopy(tool.description), name: `${tool.description.name}Tool`, displayName: '4SEE Tool' };
	return tool;
}

/** The operations and the kind of record each returns; rotation returns no record. */
const OPERATIONS: Array<[string, string, keyof typeof SIMPLIFIED_FIELDS]> = [
	['fleet', 'get', 'fleet'],
	['fleet', 'getMany', 'fleet'],
	['trailer', 'get', 'trailer'],
	['trailer', 'getMany', 'trailer'],
	['trailer', 'getGpsTelemetry', 'gps'],
	['device', 'get', 'device'],
	['device', 'getMany', 'device'],
	['device', 'getTelemetry', 'deviceTelemetry'],
	['deliverSafe', 'get', 'deliverSafeUnit'],
	['deliverSafe', 'getMany', 'deliverSafeUnit'],
	['deliverSafe', 'getTelemetry', 'deliverSafeTelemetry'],
];

/** What n8n resolves for a node with these parameters (defaults filled in, hidden ones left out). */
function resolved(description: INodeTypeDescription, parameters: INodeParameters): INodeParameters {
	const n8nNode = { parameters, typeVersion: 1 } as unknown as INode;
	return NodeHelpers.getNodeParameters(description.properties, parameters, true, false, n8nNode, description) ?? {};
}

/** The properties the editor shows for these parameters. */
function shown(description: INodeTypeDescription, parameters: INodeParameters): INodeProperties[] {
	const values = resolved(description, parameters);
	const n8nNode = { parameters: values, typeVersion: 1 } as unknown as INode;
	return description.properties.filter((property) => NodeHelpers.displayParameter(values, property, n8nNode, description));
}

describe('Simplify', () => {
	it('every operation and resource of the node is listed here (a new one needs its kind of record)', () => {
		const listed = new Set(OPERATIONS.map(([resource, operation]) => `${resource} > ${operation}`));
		const resources = node.description.properties.find((p) => p.name === 'resource')!.options as Array<{ value: string }>;
		const all: string[] = [];
		for (const { value: resource } of resources) {
			const operation = node.description.properties.find(
				(p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource),
			)!;
			for (const { value } of operation.options as Array<{ value: string }>) all.push(`${resource} > ${value}`);
		}
		expect(all.filter((pair) => !listed.has(pair))).toEqual(['apiKey > rotate']);
	});

	it.each(OPERATIONS)('%s > %s: off by default on the canvas, on by default as an AI tool, its fields named', (resource, operation, kind) => {
		const parameters = { resource, operation };
		expect(resolved(node.description, parameters).simplify).toBe(false);
		expect(resolved(toolVariant().description, parameters).simplify).toBe(true);
		// A choice the user made is kept in both.
		expect(resolved(toolVariant().description, { ...parameters, simplify: false }).simplify).toBe(false);
		const help = shown(node.description, parameters).find((p) => p.name === 'simplify')!;
		for (const field of SIMPLIFIED_FIELDS[kind]) expect(help.description).toContain(field);
	});

	it('Trailer > Get GPS Telemetry with Simplify: the handful of fields, speed in km/h and mph', async () => {
		const fix = (minute: number) => ({
			trailerId: 'trl-00001',
			timestamp: new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString(),
			latitude: 42.1,
			longitude: -83.2,
			speedKph: 96.56,
			heading: 180,
			altitudeM: 190,
			satellites: 9,
			hdop: 0.8,
			odometerKm: 100_000 + minute,
			ignition: true,
			rawNmea: '$GPRMC,...',
		});
		api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query(true)
			.reply(200, { data: [fix(0), fix(10)] });
		const run = await runNode({
			resource: 'trailer',
			operation: 'getGpsTelemetry',
			trailer: byId('trl-00001'),
			timeRange: 'between',
			start: '2026-01-01T08:00:00Z',
			end: '2026-01-01T09:00:00Z',
			returnAll: true,
			simplify: true,
		});
		expect(run.error).toBeUndefined();
		expect(outputJson(run)).toEqual(
			[0, 10].map((minute) => ({
				trailerId: 'trl-00001',
				timestamp: fix(minute).timestamp,
				latitude: 42.1,
				longitude: -83.2,
				speedKph: 96.56,
				speedMph: 60,
				heading: 180,
			})),
		);
		expect(unexpectedRequests()).toEqual([]);
	});

	it('Simplify then Flatten: nested readings become columns of the simplified record', async () => {
		api()
			.get('/api/v1/devices/telemetry/dev-000001')
			.query(true)
			.reply(200, { data: [{ deviceId: 'dev-000001', timestamp: '2026-01-01T08:00:00.000Z', lights: { stop: 'out' }, rssi: -70 }] });
		const run = await runNode({
			resource: 'device',
			operation: 'getTelemetry',
			device: byId('dev-000001'),
			timeRange: 'between',
			start: '2026-01-01T08:00:00Z',
			end: '2026-01-01T09:00:00Z',
			returnAll: true,
			simplify: true,
			options: { flatten: true },
		});
		expect(outputJson(run)).toEqual([{ deviceId: 'dev-000001', timestamp: '2026-01-01T08:00:00.000Z', 'lights.stop': 'out' }]);
	});

	it('without Simplify the record is passed on whole', async () => {
		const record = { id: 'trl-00001', fleetId: 'fleet-001', unitNumber: 'U-1', vin: 'V', make: 'Wabash', model: 'M', year: 2020, active: true };
		api().get('/api/v1/trailers/trl-00001').reply(200, record);
		const run = await runNode({ resource: 'trailer', operation: 'get', trailer: byId('trl-00001') });
		expect(outputJson(run)).toEqual([record]);
	});

	it('as an AI tool, left at its default, a GPS answer comes simplified', async () => {
		api()
			.get('/api/v1/trailers/telemetry/gps/trl-00001')
			.query(true)
			.reply(200, {
				data: [{ trailerId: 'trl-00001', timestamp: '2026-01-01T08:00:00.000Z', latitude: 1, longitude: 2, speedKph: 0, heading: 0, satellites: 7 }],
			});
		const run = await runWorkflow(
			itemsInto({
				type: 'fourSeeTool',
				parameters: {
					resource: 'trailer',
					operation: 'getGpsTelemetry',
					trailer: byId('trl-00001'),
					timeRange: 'between',
					start: '2026-01-01T08:00:00Z',
					end: '2026-01-01T09:00:00Z',
				},
			}),
			{ nodeTypes: { fourSeeTool: toolVariant() }, credentialTypes: [new FourSeeApi()], credentials: credentialStore() },
		);
		expect(run.error).toBeUndefined();
		expect(run.output('4SEE').map((item) => item.json)).toEqual([
			{ trailerId: 'trl-00001', timestamp: '2026-01-01T08:00:00.000Z', latitude: 1, longitude: 2, speedKph: 0, speedMph: 0, heading: 0 },
		]);
	});
});

describe('as an AI tool, no picker the agent cannot use', () => {
	const pairs: Array<[string, string, string]> = [
		['trailer', 'get', 'trailer'],
		['trailer', 'getGpsTelemetry', 'trailer'],
		['device', 'getMany', 'trailer'],
		['device', 'get', 'device'],
		['device', 'getTelemetry', 'device'],
	];

	it.each(pairs)('%s > %s: no Browse pickers, and %s by ID only', (resource, operation, picker) => {
		const tool = toolVariant().description;
		const properties = shown(tool, { resource, operation });
		const names = properties.map((p) => p.name);
		expect(names).not.toContain('fleet');
		if (picker === 'device') expect(names).not.toContain('trailer');
		const pickers = properties.filter((p) => p.name === picker);
		expect(pickers).toHaveLength(1);
		expect(pickers[0].modes!.map((mode) => mode.name)).toEqual(['id']);
		expect(pickers[0].default).toEqual({ mode: 'id', value: '' });
	});

	it.each(pairs)('%s > %s on the canvas: Browse pickers and the %s list as before', (resource, operation, picker) => {
		const properties = shown(node.description, { resource, operation });
		const names = properties.map((p) => p.name);
		expect(names).toContain('fleet');
		const pickers = properties.filter((p) => p.name === picker);
		expect(pickers).toHaveLength(1);
		expect(pickers[0].modes!.map((mode) => mode.name)).toEqual(['list', 'id']);
	});

	it('every list picker left in tool mode lists without a parent (fleets, DeliverSafe units)', () => {
		const tool = toolVariant().description;
		for (const [resource, operation] of OPERATIONS) {
			for (const property of shown(tool, { resource, operation })) {
				const list = property.modes?.find((mode) => mode.name === 'list');
				if (list === undefined) continue;
				expect([resource, operation, list.typeOptions?.searchListMethod]).toEqual([
					resource,
					operation,
					expect.stringMatching(/^(searchFleets|searchDeliverSafeUnits)$/),
				]);
			}
		}
	});

	it('a trailer id given to the tool runs it without any Browse parameter', async () => {
		api().get('/api/v1/trailers/trl-00042').reply(200, { id: 'trl-00042', fleetId: 'fleet-001', unitNumber: 'U-42', make: 'X' });
		const run = await runWorkflow(
			itemsInto({ type: 'fourSeeTool', parameters: { resource: 'trailer', operation: 'get', trailer: byId('trl-00042') } }),
			{ nodeTypes: { fourSeeTool: toolVariant() }, credentialTypes: [new FourSeeApi()], credentials: credentialStore() },
		);
		expect(run.error).toBeUndefined();
		expect(run.output('4SEE').map((item) => item.json)).toEqual([{ id: 'trl-00042', fleetId: 'fleet-001', unitNumber: 'U-42' }]);
	});
});
