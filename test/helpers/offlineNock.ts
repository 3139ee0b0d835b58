/**
 * nock for one test file, with no real network: every request must meet an interceptor. Call
 * at the top level of the file. nock patches Node's http for the whole jest worker, so files
 * run one after another in the same process would otherwise inherit this file's interceptors
 * and its "no network" rule: after the file, nock is restored. After each test, interceptors
 * left over are dropped and a test that opened the network (to reach a local sandbox) is undone.
 */
import nock from 'nock';

import { forgetLearnedTakes } from '../../nodes/FourSee/transport/take';

export function offlineNock(): void {
	beforeAll(() => {
		if (!nock.isActive()) nock.activate();
		nock.disableNetConnect();
	});
	afterAll(() => {
		nock.cleanAll();
		nock.enableNetConnect();
		nock.restore();
	});
	afterEach(() => {
		nock.cleanAll();
		nock.disableNetConnect();
		// Page sizes learned from one test's refusals must not shape the next test's requests.
		forgetLearnedTakes();
	});
}
