/**
 * Cursor and time-based paging, and path segments: nothing fetched beyond the limit, nothing
 * lost or repeated at page boundaries, no endless loops, no id that can change the route.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	apiRequest,
	MAX_EMPTY_PAGES_IN_A_ROW,
	paginate,
	pathSegment,
	telemetryPages,
	type PaginateOptions,
	type TelemetryPagesOptions,
} from '../../../../nodes/FourSee/transport';
import { fakeN8n, withStoredSession } from '../../../helpers/context';
import { offlineNock } from '../../../helpers/offlineNock';

const API = 'https://api.example.com';
const FAST = { maxAttempts: 3, maxWaitMs: 1_000, baseDelayMs: 1 };

function context(apiKey = 'paging-key') {
	return fakeN8n(withStoredSession({ apiKey, authUrl: 'https://auth.example.com', baseUrl: API, sessionToken: 'tok' })).executeContext();
}

/**
 * A fake list endpoint: answers each request from `respond`, records every query it got.
 */
function endpoint(path: string, respond: (query: Record<string, string>, n: number) => [number, unknown]) {
	const queries: Array<Record<string, string>> = [];
	nock(API)
		.get(path)
		.query(true)
		.times(1000)
		.reply(function (uri) {
			const query = Object.fromEntries(new URL(uri, API).searchParams) as Record<string, string>;
			queries.push(query);
			return respond(query, queries.length) as [number, nock.Body];
		});
	return queries;
}

/** A server-side list of `total` records served with opaque cursors in the contract's envelope. */
function cursorList(total: number, field = 'data', nextField = 'next') {
	const records = Array.from({ length: total }, (_, i) => ({ id: `R${i + 1}` }));
	return (query: Record<string, string>): [number, unknown] => {
		const offset = query.next === undefined ? 0 : Number(query.next.replace('cursor-', ''));
		const take = Number(query.take);
		const page = records.slice(offset, offset + take);
		const end = offset + page.length;
		return [200, { [field]: page, [nextField]: end < total ? `cursor-${end}` : null }];
	};
}

async function collect(pages: AsyncGenerator<IDataObject[]>): Promise<IDataObject[][]> {
	const out: IDataObject[][] = [];
	for await (const page of pages) out.push(page);
	return out;
}

function ids(pages: IDataObject[][]): string[] {
	return pages.flat().map((r) => String(r.id));
}

offlineNock();

describe('paginate (cursor)', () => {
	const list = (options: Partial<PaginateOptions> = {}) =>
		paginate.call(context(), { path: '/api/v1/fleets', retry: FAST, ...options });

	test('stops at the limit: take = min(page size, still wanted), nothing fetched beyond', async () => {
		const queries = endpoint('/api/v1/fleets', cursorList(1000));
		const pages = await collect(list({ limit: 120, pageSize: 50 }));
		expect(ids(pages)).toHaveLength(120);
		expect(ids(pages)[119]).toBe('R120');
		expect(queries).toEqual([{ take: '50' }, { take: '50', next: 'cursor-50' }, { take: '20', next: 'cursor-100' }]);
	});

	test('a limit below the page size costs one request asking only for that many', async () => {
		const queries = endpoint('/api/v1/fleets', cursorList(1000));
		expect(ids(await collect(list({ limit: 7 })))).toEqual(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7']);
		expect(queries).toEqual([{ take: '7' }]);
	});

	test('without a limit it follows next to the end, with the default page size of 50', async () => {
		const queries = endpoint('/api/v1/fleets', cursorList(120));
		const pages = await collect(list());
		expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
		expect(queries.map((q) => q.take)).toEqual(['50', '50', '50']);
	});

	test('numeric next tokens are followed to the end (an API that pages by offset)', async () => {
		const queries = endpoint('/api/v1/fleets', (query) => {
			const offset = query.next === undefined ? 0 : Number(query.next);
			const page = Array.from({ length: Math.min(4, 10 - offset) }, (_, i) => ({ id: `R${offset + i + 1}` }));
			return [200, { data: page, next: offset + page.length < 10 ? offset + page.length : null }];
		});
		expect(ids(await collect(list({ pageSize: 4 })))).toEqual(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10']);
		expect(queries.map((q) => q.next)).toEqual([undefined, '4', '8']);
	});

	test('Return All ends at Max Records with a clear error, even when the server never stops handing out tokens', async () => {
		const queries = endpoint('/api/v1/fleets', (_query, n) => [200, { data: Array.from({ length: 500 }, (_, i) => ({ id: `${n}-${i}` })), next: `fresh-${n}` }]);
		const got: IDataObject[] = [];
		const run = async () => {
			for await (const page of list({ pageSize: 500, maxRecords: 100_000 })) got.push(...page);
		};
		await expect(run()).rejects.toThrow(/Return All stopped: 4SEE has more than 100,000 records for this request \(Max Records\)/);
		expect(queries).toHaveLength(201);
		expect(got).toHaveLength(100_000);
		// A limit is its own bound: Max Records does not apply.
		const limited = await collect(list({ limit: 600, pageSize: 500, maxRecords: 100 }));
		expect(ids(limited)).toHaveLength(600);
	});

	test('a server that sends more than asked is cut to the limit', async () => {
		endpoint('/api/v1/fleets', () => [200, { data: Array.from({ length: 30 }, (_, i) => ({ id: i })), next: 'more' }]);
		expect(ids(await collect(list({ limit: 10, pageSize: 10 })))).toHaveLength(10);
	});

	test('a limit of 0 sends nothing', async () => {
		const queries = endpoint('/api/v1/fleets', cursorList(10));
		expect(await collect(list({ limit: 0 }))).toEqual([]);
		expect(queries).toHaveLength(0);
	});

	test('short and empty pages that carry next are followed; empty pages are not yielded', async () => {
		const script: Array<[number, unknown]> = [
			[200, { data: [], next: 'a' }],
			[200, { data: [{ id: 'R1' }], next: 'b' }],
			[200, { data: [], next: 'c' }],
			[200, { data: [{ id: 'R2' }, { id: 'R3' }] }],
		];
		const queries = endpoint('/api/v1/fleets', (_q, n) => script[n - 1]);
		const pages = await collect(list({ limit: 10 }));
		expect(pages).toEqual([[{ id: 'R1' }], [{ id: 'R2' }, { id: 'R3' }]]);
		expect(queries.map((q) => q.next)).toEqual([undefined, 'a', 'b', 'c']);
		// Each request asks only for what is still wanted.
		expect(queries.map((q) => q.take)).toEqual(['10', '10', '9', '9']);
	});

	test.each([
		['items', 'next'],
		['results', 'nextToken'],
		['records', 'next'],
	])('tolerates the "%s" / "%s" envelope', async (field, nextField) => {
		endpoint('/api/v1/fleets', cursorList(5, field, nextField));
		expect(ids(await collect(list({ pageSize: 2 })))).toEqual(['R1', 'R2', 'R3', 'R4', 'R5']);
	});

	test('a bare array is one last page', async () => {
		const queries = endpoint('/api/v1/fleets', () => [200, [{ id: 'A' }, { id: 'B' }]]);
		expect(ids(await collect(list()))).toEqual(['A', 'B']);
		expect(queries).toHaveLength(1);
	});

	test('a repeated next token stops with a clear error instead of looping', async () => {
		const queries = endpoint('/api/v1/fleets', (_q, n) => [200, { data: [{ id: `R${n}` }], next: n === 1 ? 'a' : 'a' }]);
		const seen: string[] = [];
		const error = await (async () => {
			for await (const page of list()) seen.push(...page.map((r) => String(r.id)));
		})().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toBe('Stopped paging: 4SEE returned a page token it had already given');
		expect(seen).toEqual(['R1', 'R2']);
		expect(queries).toHaveLength(2);
	});

	test('an endless run of empty pages is stopped', async () => {
		const queries = endpoint('/api/v1/fleets', (_q, n) => [200, { data: [], next: `t${n}` }]);
		await expect(collect(list())).rejects.toThrow(/empty pages in a row/);
		expect(queries).toHaveLength(MAX_EMPTY_PAGES_IN_A_ROW);
	});

	test('an answer that is no page is a clear error', async () => {
		endpoint('/api/v1/fleets', () => [200, { id: 'F1', name: 'not a list' }]);
		await expect(collect(list())).rejects.toThrow('4SEE answered in an unexpected format');
	});

	test('query parameters are passed along on every page', async () => {
		const queries = endpoint('/api/v1/trailers/F1', cursorList(3));
		await collect(paginate.call(context(), { path: '/api/v1/trailers/F1', qs: { activeOnly: true }, pageSize: 2 }));
		expect(queries).toEqual([
			{ activeOnly: 'true', take: '2' },
			{ activeOnly: 'true', take: '2', next: 'cursor-2' },
		]);
	});

	test.each([0, 501, 2.5])('page size %s is refused before any request', async (pageSize) => {
		const queries = endpoint('/api/v1/fleets', cursorList(3));
		await expect(collect(list({ pageSize }))).rejects.toThrow(NodeOperationError);
		expect(queries).toHaveLength(0);
	});

	test('a token that expires mid-paging costs one login and loses no record', async () => {
		let logins = 0;
		nock('https://auth.example.com')
			.post('/api/v1/customers/authenticate')
			.times(3)
			.reply(() => [200, { token: `fresh-${++logins}` }]);
		const serve = cursorList(9);
		let served = 0;
		nock(API)
			.get('/api/v1/fleets')
			.query(true)
			.times(20)
			.reply(function (uri) {
				const auth = this.req.headers.authorization;
				// The stored token works for the first page only, then expires.
				if (auth === 'Bearer tok' && served >= 1) return [401, {}];
				served++;
				return serve(Object.fromEntries(new URL(uri, API).searchParams) as Record<string, string>) as [number, nock.Body];
			});
		const pages = await collect(
			paginate.call(context('mid-paging-key'), { path: '/api/v1/fleets', pageSize: 3 }),
		);
		expect(ids(pages)).toEqual(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9']);
		expect(logins).toBe(1);
	});
});

describe('telemetryPages (time-based)', () => {
	const START = new Date('2026-11-30T10:00:00Z');
	const at = (minute: number) => new Date(START.getTime() + minute * 60_000).toISOString();

	/**
	 * A telemetry endpoint as the contract describes it: records at or after `next` (a time),
	 * oldest first; a page's `next` is the timestamp of its last record, so the records of that
	 * timestamp are served again on the following page.
	 */
	function telemetry(records: IDataObject[]) {
		return (query: Record<string, string>): [number, unknown] => {
			const from = Date.parse(query.next);
			const take = Number(query.take);
			const eligible = records.filter((r) => Date.parse(String(r.timestamp)) >= from);
			const page = eligible.slice(0, take);
			const more = eligible.length > take;
			return [200, { data: page, next: more ? page[page.length - 1].timestamp : null }];
		};
	}

	const pages = (options: Partial<TelemetryPagesOptions>) =>
		telemetryPages.call(context(), { path: '/api/v1/trailers/telemetry/gps/T1', start: START, retry: FAST, ...options });

	test('pages served newest first, and records older than an earlier page, are each delivered once, in order per page, with one warning', async () => {
		const script: Array<[number, unknown]> = [
			[200, { data: [{ v: 3, timestamp: at(3) }, { v: 2, timestamp: at(2) }, { v: 1, timestamp: at(1) }], next: at(3) }],
			// Re-serves 3 (the boundary), then a record older than it, then a newer one.
			[200, { data: [{ v: 3, timestamp: at(3) }, { v: 0, timestamp: at(0.5) }, { v: 4, timestamp: at(4) }] }],
		];
		endpoint('/api/v1/trailers/telemetry/gps/T1', (_q, n) => script[n - 1]);
		const ctx = context();
		const warnings: string[] = [];
		ctx.logger.warn = (message: string) => warnings.push(message);
		const got = await collect(telemetryPages.call(ctx, { path: '/api/v1/trailers/telemetry/gps/T1', start: START, retry: FAST }));
		expect(got.map((page) => page.map((r) => r.v))).toEqual([[1, 2, 3], [0, 4]]);
		expect(warnings).toEqual([expect.stringMatching(/^4SEE served 3 record\(s\) of \/api\/v1\/trailers\/telemetry\/gps\/T1 out of time order/)]);
	});

	test('records without a timestamp, and a fresh next with nothing new, end in a clear error after delivering each record once', async () => {
		endpoint('/api/v1/trailers/telemetry/gps/T1', (_q, n) => [200, { data: [{ v: 'x' }, { v: 'y', timestamp: 'garbage' }], next: `fresh-${n}` }]);
		const ctx = context();
		const warnings: string[] = [];
		ctx.logger.warn = (message: string) => warnings.push(message);
		const got: IDataObject[] = [];
		await expect(
			(async () => {
				for await (const page of telemetryPages.call(ctx, { path: '/api/v1/trailers/telemetry/gps/T1', start: START, retry: FAST })) got.push(...page);
			})(),
		).rejects.toThrow(/pages in a row with no new records/);
		expect(got.map((r) => r.v)).toEqual(['x', 'y']);
		expect(warnings).toEqual([expect.stringMatching(/2 record\(s\) of .* without a readable timestamp; each was delivered once/)]);
	});

	test('starts at the start time and de-duplicates records re-served at a boundary (with ids)', async () => {
		const records = [
			{ id: 'a', timestamp: at(1) },
			{ id: 'b', timestamp: at(2) },
			{ id: 'c', timestamp: at(3) },
			{ id: 'd', timestamp: at(3) },
			{ id: 'e', timestamp: at(3) },
			{ id: 'f', timestamp: at(4) },
		];
		const queries = endpoint('/api/v1/trailers/telemetry/gps/T1', telemetry(records));
		const result = await collect(pages({ pageSize: 3 }));
		expect(ids(result)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
		expect(queries[0]).toEqual({ take: '3', next: START.toISOString() });
	});

	test('records without an id are told apart by their content', async () => {
		const records = [
			{ trailerId: 'T1', timestamp: at(1), latitude: 1 },
			{ trailerId: 'T1', timestamp: at(2), latitude: 2 },
			{ trailerId: 'T1', timestamp: at(2), latitude: 3 },
			{ trailerId: 'T1', timestamp: at(2), latitude: 4 },
			{ trailerId: 'T1', timestamp: at(5), latitude: 5 },
		];
		endpoint('/api/v1/trailers/telemetry/gps/T1', telemetry(records));
		const result = (await collect(pages({ pageSize: 2 }))).flat();
		expect(result.map((r) => r.latitude)).toEqual([1, 2, 3, 4, 5]);
	});

	test('stops at the end time without fetching further (end is exclusive)', async () => {
		const records = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, timestamp: at(i) }));
		const queries = endpoint('/api/v1/trailers/telemetry/gps/T1', telemetry(records));
		const result = await collect(pages({ end: new Date(at(5)), pageSize: 4 }));
		expect(ids(result)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
		expect(queries).toHaveLength(2);
	});

	test('stops at the limit, asking only for what is still wanted', async () => {
		const records = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, timestamp: at(i) }));
		const queries = endpoint('/api/v1/trailers/telemetry/gps/T1', telemetry(records));
		const result = await collect(pages({ limit: 6, pageSize: 4 }));
		expect(ids(result)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
		// 2 still wanted + the 1 boundary record the server serves again.
		expect(queries.map((q) => q.take)).toEqual(['4', '3']);
	});

	test('with a limit, a page of nothing but repeats is asked for again in full', async () => {
		const records = ['a', 'b', 'c', 'd'].map((id) => ({ id, timestamp: at(1) }));
		records.push({ id: 'e', timestamp: at(2) });
		const queries = endpoint('/api/v1/trailers/telemetry/gps/T1', telemetry(records));
		expect(ids(await collect(pages({ limit: 3, pageSize: 2 })))).toEqual(['a', 'b', 'c']);
		expect(queries.map((q) => q.take)).toEqual(['2', '2', '4']);
	});

	test('more records at one timestamp than a page holds: the page grows instead of looping', async () => {
		const records = [
			{ id: 'a', timestamp: at(1) },
			{ id: 'b', timestamp: at(1) },
			{ id: 'c', timestamp: at(1) },
			{ id: 'd', timestamp: at(1) },
			{ id: 'e', timestamp: at(2) },
		];
		// Serves the boundary timestamp itself as next, even when a whole page shares it.
		endpoint('/api/v1/trailers/telemetry/gps/T1', (query) => {
			const from = Date.parse(query.next);
			const take = Number(query.take);
			const eligible = records.filter((r) => Date.parse(r.timestamp) >= from);
			const page = eligible.slice(0, take);
			return [200, { data: page, next: eligible.length > take ? page[page.length - 1].timestamp : undefined }];
		});
		expect(ids(await collect(pages({ pageSize: 2 })))).toEqual(['a', 'b', 'c', 'd', 'e']);
	});

	test('a repeated token at the largest page size stops with a clear error', async () => {
		endpoint('/api/v1/trailers/telemetry/gps/T1', () => [
			200,
			{ data: Array.from({ length: 500 }, (_, i) => ({ id: `x${i}`, timestamp: at(1) })), next: at(1) },
		]);
		await expect(collect(pages({ pageSize: 500 }))).rejects.toThrow(
			'Stopped paging: 4SEE returned a page token it had already given',
		);
	});

	test('an invalid start time is refused before any request', async () => {
		const queries = endpoint('/api/v1/trailers/telemetry/gps/T1', () => [200, { data: [] }]);
		await expect(collect(pages({ start: new Date('nope') }))).rejects.toThrow(NodeOperationError);
		expect(queries).toHaveLength(0);
	});
});

describe('pathSegment', () => {
	const segment = (value: unknown, field = 'Trailer', itemIndex?: number) =>
		pathSegment.call(context(), field, value, itemIndex);

	test.each([
		['T-100', 'T-100'],
		['  T-100 ', 'T-100'],
		['dev:9', 'dev%3A9'],
		['a~b.c_d', 'a~b.c_d'],
		[42, '42'],
		[{ __rl: true, value: 'F1', mode: 'list' }, 'F1'],
	])('accepts %j as %s', (value, expected) => {
		expect(segment(value)).toBe(expected);
	});

	test.each([
		['../x', /Trailer "..\/x" is not a valid 4SEE ID/],
		['a/b', /Trailer "a\/b" is not a valid 4SEE ID/],
		['..', /not a valid 4SEE ID/],
		['a\\b', /not a valid 4SEE ID/],
		['a?b=1', /not a valid 4SEE ID/],
		['%2e%2e', /not a valid 4SEE ID/],
		['', /Trailer is empty/],
		['   ', /Trailer is empty/],
		[null, /Trailer must be an ID, not null/],
		[undefined, /Trailer must be an ID, not nothing/],
		[{ id: 'x' }, /Trailer must be an ID, not a object/],
		[true, /Trailer must be an ID, not a boolean/],
		[-1, /Trailer must be an ID, not the number -1/],
	])('refuses %j naming the field', (value, message) => {
		let error: unknown;
		try {
			segment(value, 'Trailer', 2);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(message);
		expect((error as NodeOperationError).context.itemIndex).toBe(2);
	});

	test('an id can never change the route: only valid ids reach the path, encoded', async () => {
		const hit = nock(API).get('/api/v1/trailers/dev%3A9').reply(200, { id: 'dev:9' });
		const ctx = context();
		await apiRequest.call(ctx, {
			method: 'GET',
			path: `/api/v1/trailers/${pathSegment.call(ctx, 'Trailer', 'dev:9')}`,
		});
		expect(hit.isDone()).toBe(true);
	});
});
