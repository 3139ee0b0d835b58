/**
 * The credential and the transport against the 4SEE sandbox over loopback: real HTTP, real
 * tokens that expire, a real token bucket that answers 429.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import { paths } from '../../../../nodes/FourSee/api';
import { paginate, telemetryPages } from '../../../../nodes/FourSee/transport';
import { startSandbox, type Sandbox } from '../../../../sandbox';
import { advanceClock, scope, stats, truth } from '../../../../sandbox/client';
import { fakeN8n } from '../../../helpers/context';

// Importing nock (through shared helpers or other files run in this process) patches Node's
// http; these tests need the real loopback network.
beforeAll(() => {
	nock.enableNetConnect();
	nock.restore();
});

function n8nFor(sandbox: Sandbox) {
	return fakeN8n({ apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: `${sandbox.url}/` });
}

describe('against the sandbox', () => {
	let sandbox: Sandbox | undefined;
	afterEach(async () => {
		await sandbox?.close();
		sandbox = undefined;
	});

	test('a token that expires mid-paging costs one extra token request and loses no record', async () => {
		sandbox = await startSandbox({ tokenTtlSeconds: 60, clock: 'manual', trailersPerFleet: 95, fleets: 1 });
		const url = sandbox.url;
		const [fleet] = (await scope(url)).fleets;
		const context = n8nFor(sandbox).executeContext();
		const seen: string[] = [];
		let page = 0;
		for await (const records of paginate.call(context, { path: paths.trailersOfFleet(fleet), pageSize: 10 })) {
			seen.push(...records.map((r) => String(r.id)));
			page++;
			// The token's 60 s run out between the 3rd and 4th page.
			if (page === 3) await advanceClock(url, 61);
		}
		expect(page).toBe(10);
		expect(seen).toHaveLength(95);
		expect(new Set(seen).size).toBe(95);
		const after = await stats(url);
		expect(after.authCalls).toBe(2);
	});

	test('a token that expires mid-telemetry costs one extra token request and loses no record', async () => {
		sandbox = await startSandbox({ tokenTtlSeconds: 60, clock: 'manual', fleets: 1, trailersPerFleet: 2 });
		const url = sandbox.url;
		const [trailer] = (await scope(url)).trailers;
		const now = Date.parse((await truth(url, { kind: 'gps', id: trailer })).now);
		const start = new Date(now - 3 * 3600_000);
		const expected = await truth(url, { kind: 'gps', id: trailer, from: start.toISOString(), to: new Date(now - 1).toISOString() });
		const context = n8nFor(sandbox).executeContext();
		const records: IDataObject[] = [];
		let page = 0;
		for await (const batch of telemetryPages.call(context, {
			path: paths.trailerGpsTelemetry(trailer),
			start,
			end: new Date(now),
			pageSize: 25,
		})) {
			records.push(...batch);
			if (++page === 2) await advanceClock(url, 61);
		}
		expect(expected.count).toBeGreaterThan(100);
		expect(records).toEqual(expected.records);
		expect((await stats(url)).authCalls).toBe(2);
	});

	test('a burst beyond the bucket completes with every record; the 429s were absorbed', async () => {
		// 8 executions x 4 pages = 32 requests against a bucket of 4 refilled 8 per second: done
		// without a 429, they would have to be spread over at least 3.5 s.
		sandbox = await startSandbox({ burst: 4, refillPerSecond: 8, fleets: 4, trailersPerFleet: 40 });
		const url = sandbox.url;
		const { fleets } = await scope(url);
		const n8n = n8nFor(sandbox);
		const retry = { maxAttempts: 20, maxWaitMs: 60_000, baseDelayMs: 50 };
		// Two executions per fleet at once, each paging 10 at a time.
		const runs = [...fleets, ...fleets].map(async (fleet) => {
			const ids: string[] = [];
			for await (const records of paginate.call(n8n.executeContext(), {
				path: paths.trailersOfFleet(fleet),
				pageSize: 10,
				retry,
			})) {
				ids.push(...records.map((r) => String(r.id)));
			}
			return ids;
		});
		const results = await Promise.all(runs);
		for (const ids of results) {
			expect(ids).toHaveLength(40);
			expect(new Set(ids).size).toBe(40);
		}
		const after = await stats(url);
		expect(after.rateLimited).toBeGreaterThan(0);
		expect(after.authCalls).toBe(1);
	});
});
