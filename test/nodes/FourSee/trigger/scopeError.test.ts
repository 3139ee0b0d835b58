/**
 * The error a stuck trigger throws: it names the streams and says what to do, in the words of
 * the scope the user chose (IDs typed in, or a fleet whose listing names them).
 */
import type { INode, IPollFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { reason, scopeFailingError } from '../../../../nodes/FourSee/trigger/io';
import type { ScopeFailure } from '../../../../nodes/FourSee/trigger/types';

const node: INode = { id: '1', name: '4SEE Trigger', type: 'n8n-nodes-4see.fourSeeTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
const context = { getNode: () => node } as unknown as IPollFunctions;
const failure = (stream: string, why: ScopeFailure['reason'], failures = 1): ScopeFailure => ({
	stream,
	reason: why,
	failures,
	message: `${stream}: what 4SEE said`,
});

describe('the error of a poll whose every watched stream fails', () => {
	it('one trailer typed in, removed: says so and what to do', () => {
		const error = scopeFailingError(context, { event: 'gpsPosition', trailers: ['trl-x'] }, [failure('trl-x', 'notFound', 4)]);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Trailer trl-x not found: it may have been removed from the fleet; update the trigger');
		expect(error.description).toBe(
			'It has failed at least its last 4 reads. The trigger keeps trying on every round and loses nothing: reading resumes where it stopped once 4SEE answers. Last answer: trl-x: what 4SEE said',
		);
		expect(error.httpCode).toBe('404');
	});

	it('devices of a fleet with mixed reasons: grouped by reason, each with its advice, in the scope\'s words', () => {
		const error = scopeFailingError(context, { event: 'deviceTelemetry', fleet: 'fleet-7' }, [
			failure('d1', 'notFound'),
			failure('d2', 'noAccess'),
			failure('d3', 'notFound'),
			failure('d4', 'server', 2),
		]);
		expect(error.message).toBe('None of the 4 devices of fleet fleet-7 can be read: d1, d3 not found; d2 is not visible to your API key; d4 gets a server error from 4SEE');
		expect(error.description).toMatch(/^4SEE still lists them in fleet fleet-7 but has no data for them; the trigger drops them once 4SEE stops listing them\. /);
		expect(error.description).toMatch(/Ask your Grote representative to give your API key access to it\. The problem is on 4SEE's side/);
		expect(error.description).toMatch(/Last answers: d1: d1: what 4SEE said; d2: .*; d3: .*; \.\.\.$/);
		expect(error.httpCode).toBeNull();
	});

	it('many streams: the message names ten and counts the rest', () => {
		const ids = Array.from({ length: 14 }, (_, i) => `u${i + 1}`);
		const error = scopeFailingError(context, { event: 'deliverSafeTelemetry', units: ids }, ids.map((id) => failure(id, 'noAccess')));
		expect(error.message).toBe(
			'None of the 14 DeliverSafe units this trigger watches can be read: u1, u2, u3, u4, u5, u6, u7, u8, u9, u10 and 4 more not visible to your API key',
		);
		expect(error.httpCode).toBe('403');
	});

	it('reasons come from the status 4SEE answered with', () => {
		const withCode = (httpCode: string) => Object.assign(new Error('x'), { httpCode });
		expect([reason(withCode('404')), reason(withCode('403')), reason(withCode('503')), reason(withCode('400')), reason(new Error('y'))]).toEqual([
			'notFound',
			'noAccess',
			'server',
			'other',
			'other',
		]);
	});
});
