import { byId, testGetsOne, testNotFound, useNock } from '../setup';

useNock();

describe('Trailer > Get', () => {
	// By ID alone: the browse-only fleet picker is not needed.
	testGetsOne({ resource: 'trailer', operation: 'get', trailer: byId('trl-00001') }, '/api/v1/trailers/trl-00001', {
		id: 'trl-00001',
		fleetId: 'fleet-001',
		unitNumber: 'U1',
		vin: 'V',
		active: true,
	});
	testNotFound({ resource: 'trailer', operation: 'get', trailer: byId('trl-404') }, '/api/v1/trailers/trl-404', 'Trailer trl-404 not found');
});
