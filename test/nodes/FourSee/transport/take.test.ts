/**
 * Page-size adaptation: what a refusal of `take` is read as (pure), and the transport asking the
 * page again with that size, remembering it per Integration API and saying so in n8n's log.
 */
import nock from 'nock';

import { apiRequest, pagedRequest } from '../../../../nodes/FourSee/transport';
import { allowedTake, forgetLearnedTakes, learnedTakes, learnTake, smallerTake } from '../../../../nodes/FourSee/transport/take';
import { fakeN8n, withStoredSession } from '../../../helpers/context';
import { offlineNock } from '../../../helpers/offlineNock';

const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';
const FAST = { maxAttempts: 3, maxWaitMs: 1000, baseDelayMs: 1 };

describe('smallerTake', () => {
	test.each([
		['a problem with a field error naming the range', { detail: 'The request is not valid', errors: { take: ['take must be a whole number from 1 to 100'] } }, 500, 100],
		['the range in the detail only', { title: 'Bad Request', detail: 'take must be an integer from 1 to 100' }, 500, 100],
		['"at most" wording, the sent size quoted back', { detail: "take must be at most 75; got '500'" }, 500, 75],
		['a field named in another case', { errors: { Take: ['is too large'] } }, 500, 250],
		['plain text naming take without a number', 'Invalid take', 120, 60],
		['a number above the size sent is no limit: halve', { detail: 'take must be below 1000 for this plan' }, 200, 100],
		['an odd size halves down', { detail: 'take too big' }, 7, 3],
	])('%s', (_name, body, sent, expected) => {
		expect(smallerTake(body, sent)).toBe(expected);
	});

	test('not about take, or nothing smaller to try: undefined', () => {
		expect(smallerTake({ detail: 'next must be a token from a previous response', errors: { next: ['unknown'] } }, 500)).toBeUndefined();
		expect(smallerTake({ detail: 'mistake in the request' }, 500)).toBeUndefined();
		expect(smallerTake({ detail: 'take must be from 1 to 100' }, 1)).toBeUndefined();
		expect(smallerTake(undefined, 500)).toBeUndefined();
	});

	test('learned limits are per URL and only ever shrink', () => {
		forgetLearnedTakes();
		expect(allowedTake(API, 500)).toBe(500);
		// Whether it taught something new: what decides if the log says so.
		expect(learnTake(API, 100)).toBe(true);
		expect(learnTake(API, 250)).toBe(false);
		expect(learnTake(API, 100)).toBe(false);
		expect(allowedTake(API, 500)).toBe(100);
		expect(learnTake(API, 50)).toBe(true);
		expect(allowedTake(API, 500)).toBe(50);
		forgetLearnedTakes();
		learnTake(API, 100);
		expect(allowedTake(API, 40)).toBe(40);
		expect(allowedTake(OTHER, 500)).toBe(500);
		forgetLearnedTakes();
	});
});

describe('the transport adapts to a refused take', () => {
	offlineNock();

	function context(baseUrl = API) {
		const ctx = fakeN8n(withStoredSession({ apiKey: 'key', authUrl: API, baseUrl, sessionToken: 'token' })).executeContext();
		const warnings: string[] = [];
		ctx.logger.warn = (message: string) => warnings.push(message);
		return { ctx, warnings };
	}

	test('asks the page again with the size the refusal names, remembers it for that API, warns once', async () => {
		const asked: string[] = [];
		nock(API)
			.get('/api/v1/fleets')
			.query(true)
			.times(4)
			.reply((uri) => {
				const take = Number(new URL(uri, API).searchParams.get('take'));
				asked.push(String(take));
				if (take > 100) {
					return [400, { status: 400, detail: 'The request is not valid', errors: { take: [`take must be a whole number from 1 to 100; got '${take}'.`] } }];
				}
				return [200, { data: [{ id: 'f1' }] }];
			});
		const { ctx, warnings } = context();
		const first = await pagedRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', qs: { take: 500 }, retry: FAST });
		expect(first).toEqual({ body: { data: [{ id: 'f1' }] }, take: 100 });
		// The next request to the same API asks for the learned size at once.
		await apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', qs: { take: 500, next: 'n' }, retry: FAST });
		// A smaller size than the limit is sent as it is.
		await apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', qs: { take: 20 }, retry: FAST });
		expect(asked).toEqual(['500', '100', '100', '20']);
		expect(learnedTakes().get(API)).toBe(100);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/refused a page size of 500 records at api\.example\.com; using 100/);
	});

	test('halves while the refusal names no smaller size, then goes on; a refusal at 1 is an error', async () => {
		const asked: number[] = [];
		nock(API)
			.get('/api/v1/fleets')
			.query(true)
			.times(10)
			.reply((uri) => {
				const take = Number(new URL(uri, API).searchParams.get('take'));
				asked.push(take);
				return take > 60 ? [400, { detail: 'take is too large' }] : [200, { data: [] }];
			});
		const { ctx, warnings } = context();
		await apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', qs: { take: 500 }, retry: FAST });
		expect(asked).toEqual([500, 250, 125, 62, 31]);
		expect(warnings).toHaveLength(4);

		nock(API).get('/api/v1/trailers/x').query(true).reply(400, { detail: 'take is not allowed here' });
		await expect(apiRequest.call(ctx, { method: 'GET', path: '/api/v1/trailers/x', qs: { take: 1 }, retry: FAST })).rejects.toThrow(
			/rejected the request as invalid: take is not allowed here/,
		);
	});

	test('a 400 about something else is not retried; other APIs keep their own size', async () => {
		learnTake(API, 100);
		const asked: string[] = [];
		nock(OTHER)
			.get('/api/v1/fleets')
			.query(true)
			.reply((uri) => {
				asked.push(String(new URL(uri, OTHER).searchParams.get('take')));
				return [400, { detail: 'next must be a token from a previous response', errors: { next: ['unknown token'] } }];
			});
		const { ctx, warnings } = context(OTHER);
		await expect(apiRequest.call(ctx, { method: 'GET', path: '/api/v1/fleets', qs: { take: 500, next: 'x' }, retry: FAST })).rejects.toThrow(/next must be a token/);
		expect(asked).toEqual(['500']);
		expect(warnings).toEqual([]);
	});
});
