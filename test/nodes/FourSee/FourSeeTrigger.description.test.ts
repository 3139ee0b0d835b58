/**
 * The trigger's description as n8n resolves it: for each event and scope, n8n's own
 * NodeHelpers pick the parameters a user sees, with their defaults.
 */
import type { INode, INodeParameters } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { FourSeeTrigger } from '../../../nodes/FourSee/FourSeeTrigger.node';

const trigger = new FourSeeTrigger();

function visible(parameters: INodeParameters): string[] {
	const node = { parameters } as unknown as INode;
	const resolved = NodeHelpers.getNodeParameters(trigger.description.properties, parameters, true, false, node, trigger.description);
	return Object.keys(resolved ?? {}).sort();
}

describe('4SEE Trigger description', () => {
	it('is a polling trigger using the 4SEE credential and the shared list searches', () => {
		expect(trigger.description.polling).toBe(true);
		expect(trigger.description.credentials).toEqual([{ name: 'fourSeeApi', required: true }]);
		expect(Object.keys(trigger.methods.listSearch).sort()).toEqual(['searchDeliverSafeUnits', 'searchDevices', 'searchFleets', 'searchTrailers']);
	});

	it.each([
		[{ event: 'gpsPosition', gpsScope: 'trailer' }, ['fleet', 'trailer'], ['trailerIds', 'device']],
		[{ event: 'gpsPosition', gpsScope: 'trailers' }, ['trailerIds'], ['trailer', 'fleet']],
		[{ event: 'gpsPosition', gpsScope: 'fleet', gpsFilter: 'geofence' }, ['fleet', 'geofenceLatitude', 'geofenceRadius', 'geofenceOn'], ['trailer', 'speedKph']],
		[{ event: 'gpsPosition', gpsFilter: 'speedAbove' }, ['speedUnit', 'speedKph', 'simplify'], ['speedMph']],
		[{ event: 'gpsPosition', gpsFilter: 'speedAbove', speedUnit: 'mph' }, ['speedUnit', 'speedMph'], ['speedKph']],
		[{ event: 'deviceTelemetry', deviceScope: 'device', deviceFilter: 'threshold' }, ['device', 'trailer', 'field', 'threshold', 'direction'], ['gpsFilter']],
		[{ event: 'deviceTelemetry', deviceScope: 'fleet', deviceFilter: 'fieldChange' }, ['fleet', 'field'], ['threshold', 'device']],
		[{ event: 'deliverSafeTelemetry', deliverSafeScope: 'all' }, ['deliverSafeEvents'], ['deliverSafeUnit', 'fleet']],
		[{ event: 'deliverSafeTelemetry', deliverSafeScope: 'unit', startFrom: 'lastHours' }, ['deliverSafeUnit', 'startHours'], ['startDate']],
	])('%j shows what it needs and hides the rest', (parameters, shown, hidden) => {
		const names = visible(parameters as INodeParameters);
		for (const name of shown) expect(names).toContain(name);
		for (const name of hidden) expect(names).not.toContain(name);
		expect(names).toEqual(expect.arrayContaining(['event', 'startFrom', 'options']));
	});
});
