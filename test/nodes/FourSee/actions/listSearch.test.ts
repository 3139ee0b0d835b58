/**
 * The pickers' list searches, called as n8n's editor calls them (n8n-core's LoadOptionsContext
 * with the node's current parameters).
 */
import { FourSee } from '../../../../nodes/FourSee/FourSee.node';
import { SEARCH_MAX_PAGES, SEARCH_PAGE_SIZE } from '../../../../nodes/FourSee/methods/listSearch';
import { api, byId, listSearchContext, unexpectedRequests, useNock } from './setup';

useNock();

const { listSearch } = new FourSee().methods;

test('fleets: lists id and name, and hands the API next token back as the pagination token', async () => {
	const scope = api()
		.get('/api/v1/fleets')
		.query({ take: SEARCH_PAGE_SIZE })
		.reply(200, { data: [{ id: 'fleet-001', name: 'North' }, { id: 'fleet-002' }], next: 'p2' })
		.get('/api/v1/fleets')
		.query({ take: SEARCH_PAGE_SIZE, next: 'p2' })
		.reply(200, { data: [{ id: 'fleet-003', name: 'West' }] });

	const context = listSearchContext({ resource: 'fleet', operation: 'get' }, 'fleet');
	const result = await listSearch.searchFleets.call(context);

	expect(result).toEqual({
		results: [
			{ name: 'North (fleet-001)', value: 'fleet-001' },
			{ name: 'fleet-002', value: 'fleet-002' },
			{ name: 'West (fleet-003)', value: 'fleet-003' },
		],
		paginationToken: undefined,
	});
	expect(scope.isDone()).toBe(true);
});

test('trailers: listed within the fleet chosen above, filtered by the typed text (id, unit number or VIN)', async () => {
	const scope = api()
		.get('/api/v1/trailers/fleet-007')
		.query({ take: SEARCH_PAGE_SIZE })
		.reply(200, {
			data: [
				{ id: 'trl-1', unitNumber: 'U-100', vin: '1GRAA0621KB700001', active: true },
				{ id: 'trl-2', unitNumber: 'U-200', vin: '1GRAA0621KB700002', active: false },
				{ id: 'trl-3', unitNumber: 'X-300', vin: '1GRAA0621KB700003' },
			],
		});

	const context = listSearchContext(
		{ resource: 'trailer', operation: 'get', fleet: byId('fleet-007') },
		'trailer',
	);
	const result = await listSearch.searchTrailers.call(context, 'u-');

	expect(result.results).toEqual([
		{ name: 'U-100 (trl-1)', value: 'trl-1' },
		{ name: 'U-200 (trl-2) - inactive', value: 'trl-2' },
	]);
	expect(scope.isDone()).toBe(true);
});

test('a filtered search reads a bounded number of pages per call and continues from the token', async () => {
	let scope = api();
	for (let page = 0; page < SEARCH_MAX_PAGES; page++) {
		scope = scope
			.get('/api/v1/deliversafe')
			.query(page === 0 ? { take: SEARCH_PAGE_SIZE } : { take: SEARCH_PAGE_SIZE, next: `t${page}` })
			.reply(200, { data: [{ id: `ds-${page}`, name: 'nothing matching' }], next: `t${page + 1}` });
	}
	const context = listSearchContext({ resource: 'deliverSafe', operation: 'get' }, 'deliverSafeUnit');
	const result = await listSearch.searchDeliverSafeUnits.call(context, 'rear door');
	expect(result).toEqual({ results: [], paginationToken: `t${SEARCH_MAX_PAGES}` });
	expect(scope.isDone()).toBe(true);

	api()
		.get('/api/v1/deliversafe')
		.query({ take: SEARCH_PAGE_SIZE, next: `t${SEARCH_MAX_PAGES}` })
		.reply(200, { data: [{ id: 'ds-9', name: 'Rear Door' }] });
	const more = await listSearch.searchDeliverSafeUnits.call(context, 'rear door', result.paginationToken as string);
	expect(more.results).toEqual([{ name: 'Rear Door (ds-9)', value: 'ds-9' }]);
});

test('devices: listed within the trailer chosen above; with no trailer chosen, a clear message and no request', async () => {
	const scope = api()
		.get('/api/v1/devices/trl-00001')
		.query({ take: SEARCH_PAGE_SIZE })
		.reply(200, { data: [{ id: 'dev-1', serialNumber: 'SN-1' }] });
	const withTrailer = listSearchContext(
		{ resource: 'device', operation: 'get', trailer: byId('trl-00001') },
		'device',
	);
	expect((await listSearch.searchDevices.call(withTrailer)).results).toEqual([{ name: 'SN-1 (dev-1)', value: 'dev-1' }]);
	expect(scope.isDone()).toBe(true);

	const withoutTrailer = listSearchContext({ resource: 'device', operation: 'get' }, 'device');
	await expect(listSearch.searchDevices.call(withoutTrailer)).rejects.toThrow(/Choose a trailer first/);
	expect(unexpectedRequests()).toEqual([]);
});
