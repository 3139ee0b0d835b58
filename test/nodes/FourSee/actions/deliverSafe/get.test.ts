import { byId, testGetsOne, testNotFound, useNock } from '../setup';

useNock();

describe('DeliverSafe > Get', () => {
	testGetsOne({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('ds-0001') }, '/api/v1/deliversafe/ds-0001', {
		id: 'ds-0001',
		trailerId: 'trl-00001',
		name: 'Rear door',
		status: 'armed',
	});
	testNotFound({ resource: 'deliverSafe', operation: 'get', deliverSafeUnit: byId('ds-404') }, '/api/v1/deliversafe/ds-404', 'DeliverSafe unit ds-404 not found');
});
