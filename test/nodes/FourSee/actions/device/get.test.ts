import { byId, testGetsOne, testNotFound, useNock } from '../setup';

useNock();

describe('Device > Get', () => {
	testGetsOne({ resource: 'device', operation: 'get', device: byId('dev-000001') }, '/api/v1/devices/details/dev-000001', {
		id: 'dev-000001',
		trailerId: 'trl-00001',
		type: 'tire sensor',
		firmwareVersion: '1.2.3',
	});
	testNotFound({ resource: 'device', operation: 'get', device: byId('dev-404') }, '/api/v1/devices/details/dev-404', 'Device dev-404 not found');
});
