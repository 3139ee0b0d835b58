/**
 * Bad input is caught before any request: the error is a NodeOperationError that names the
 * field to fix, and nock sees no request at all.
 */
import type { IDataObject } from 'n8n-workflow';

import { byId, nodeError, runNode, unexpectedRequests, useNock } from './setup';

useNock();

const gps = { resource: 'trailer', operation: 'getGpsTelemetry', trailer: byId('trl-00001') };

const cases: Array<[string, IDataObject, RegExp]> = [
	// IDs come from upstream data through expressions: n8n's own check of the ID field (see
	// below) cannot see them, so the node must.
	['empty fleet ID', { resource: 'fleet', operation: 'get', fleet: byId('={{ "" }}') }, /Fleet is empty/],
	['trailer ID with a slash', { resource: 'trailer', operation: 'get', trailer: byId('={{ "trl-1/../../fleets" }}') }, /Trailer .* is not a valid 4SEE ID/],
	['device ID with a slash', { resource: 'device', operation: 'get', device: byId('={{ "a/b" }}') }, /Device .* is not a valid 4SEE ID/],
	['DeliverSafe ID with dots', { resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('={{ ".." }}') }, /DeliverSafe Unit .* is not a valid 4SEE ID/],
	['blank fleet of Get Many trailers', { resource: 'trailer', operation: 'getMany', fleet: byId('={{ "  " }}') }, /Fleet is empty/],
	['unparseable Start', { ...gps, timeRange: 'between', start: 'yesterday-ish' }, /'Start' is not a date/],
	['unparseable End', { ...gps, timeRange: 'between', start: '2026-01-01T00:00:00Z', end: 'soon' }, /'End' is not a date/],
	['Start after End', { ...gps, timeRange: 'between', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }, /'Start' .* is after 'End'/],
	['Last Hours of 0', { ...gps, timeRange: 'lastHours', lastHours: 0 }, /'Last Hours' must be/],
	['Limit 0', { resource: 'fleet', operation: 'getMany', limit: 0 }, /'Limit' must be a whole number of at least 1/],
	['Limit from an expression that is not a number', { resource: 'fleet', operation: 'getMany', limit: '={{ "many" }}' }, /'Limit'/],
	['huge Limit', { resource: 'fleet', operation: 'getMany', limit: 1e12 }, /'Limit' is too large/],
	['reserved additional query parameter', { resource: 'fleet', operation: 'getMany', options: { additionalQuery: { parameter: [{ name: 'take', value: '5' }] } } }, /'take' in 'Additional Query Parameters' is set by the node/],
	['activeOnly as additional query parameter where the node models it', { resource: 'trailer', operation: 'getMany', fleet: byId('fleet-001'), options: { additionalQuery: { parameter: [{ name: 'activeOnly', value: 'true' }] } } }, /'activeOnly'/],
	['Page Size above the API maximum', { resource: 'fleet', operation: 'getMany', options: { pageSize: 501 } }, /'Page Size' must be a whole number from 1 to 500/],
	['Retry Attempts of 0', { resource: 'fleet', operation: 'getMany', options: { retryAttempts: 0 } }, /'Retry Attempts'/],
	['an ID expression resolving to an object', { resource: 'fleet', operation: 'get', fleet: byId('={{ { a: 1 } }}') }, /Fleet must be an ID/],
];

test.each(cases)('%s -> NodeOperationError naming the field, no request', async (_name, parameters, message) => {
	const run = await runNode(parameters);
	expect(nodeError(run)?.name).toBe('NodeOperationError');
	expect(run.error?.message).toMatch(message);
	expect(unexpectedRequests()).toEqual([]);
});

test('the no-request check itself sees a request that nock was not told about', async () => {
	// A valid Get with nothing mocked: the node does send its request, and the check must see it.
	await runNode({ resource: 'fleet', operation: 'get', fleet: byId('fleet-001') });
	expect(unexpectedRequests().length).toBeGreaterThan(0);
});

test.each([
	['empty', ''],
	['with a slash', 'a/b'],
])('a literal %s ID is refused by n8n itself (the ID field\'s validation) before the node runs', async (_name, id) => {
	await expect(runNode({ resource: 'fleet', operation: 'get', fleet: byId(id) })).rejects.toThrow(/workflow has issues/);
	expect(unexpectedRequests()).toEqual([]);
});
