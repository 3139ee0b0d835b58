/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A 429 storm that outlasts the retry settings. The matrix's storms are short enough to be
 * waited out; here the rate limit keeps refusing past the node's Retry Attempts or Max Wait, and
 * starts only after some pages were read, where a partial list would be easiest to return. The
 * node must fail with a NodeApiError that says the rate limit was hit and which settings to
 * change, and return no items at all. The trigger must fail that poll the same way, keep its
 * state, and catch up on the next polls with nothing lost or doubled.
 *
 *   npm run test:faults
 */
import type { IDataObject } from 'n8n-workflow';

import type { Sandbox } from '../../sandbox';
import * as control from '../../sandbox/client';
import {
	compare,
	gpsTriggerOnAllTrailers,
	gpsWindowOfFirstTrailer,
	PAGE_SIZE,
	readAll,
	rl,
	runNode,
	withSandbox,
	type Json,
} from './cells';

/** More 429s than any retry setting below can wait out. */
const STORM = 30;
/** Pages that go through before the storm, so a partial result would have records in it. */
const PAGES_BEFORE = 2;

interface Variant {
	name: string;
	retry: { retryAttempts: number; maxWaitSeconds: number };
	/** Requests the refused page costs before the node gives up. */
	attempts: number;
	/** What the error's message and description must say. */
	message: RegExp;
	description: RegExp;
}

const VARIANTS: Variant[] = [
	{
		// The sandbox's 429s ask for 1 s; two attempts are used up after one wait.
		name: 'the attempts run out (Retry Attempts 2)',
		retry: { retryAttempts: 2, maxWaitSeconds: 10 },
		attempts: 2,
		message: /rate limit reached.*tried 2 times/i,
		description: /raise the retry settings.*now 2 attempts and 10 s/i,
	},
	{
		// Retry-After (1 s) is longer than the wait allowed: the node fails at once instead of
		// retrying early into another 429.
		name: 'Retry-After is longer than Max Wait (0 s)',
		retry: { retryAttempts: 5, maxWaitSeconds: 0 },
		attempts: 1,
		message: /rate limit reached/i,
		description: /asked to wait 1 s, longer than the remaining wait allowed.*raise the retry settings.*now 5 attempts/i,
	},
];

/** Lets PAGES_BEFORE requests under `prefix` through, then answers every further one with 429. */
async function stormAfter(url: string, prefix: string, pagesBefore: number): Promise<void> {
	if (pagesBefore > 0) await control.injectFault(url, { pathPrefix: prefix, kind: 'delay', count: pagesBefore, delayMs: 0 });
	await control.injectFault(url, { pathPrefix: prefix, kind: '429', count: STORM });
}

/** The errors a user saw, printed at the end like the matrix's messages. */
const seen = new Set<string>();
afterAll(() => {
	process.stdout.write(`\n429 storm past the retry settings, the errors users see:\n${[...seen].map((m) => `  ${m}`).join('\n')}\n`);
});

function expectRateLimitError(error: Error | undefined, variant: Variant): void {
	expect(error).toBeDefined();
	const e = error as Error & { description?: string; httpCode?: string };
	seen.add(`${variant.name}: ${e.message} (${e.description})`);
	expect(e.constructor.name).toBe('NodeApiError');
	expect(e.httpCode).toBe('429');
	expect(e.message).toMatch(variant.message);
	expect(e.description).toMatch(variant.description);
}

/**
 * Runs the node into a storm that starts after PAGES_BEFORE pages of `path`: it must fail with
 * the variant's rate-limit error, return no items, and have given up after the variant's attempts.
 */
async function expectStormFailure(sandbox: Sandbox, variant: Variant, path: string, route: string, parameters: IDataObject): Promise<void> {
	await control.resetStats(sandbox.url);
	await stormAfter(sandbox.url, path, PAGES_BEFORE);
	const result = await runNode(sandbox, parameters);
	expectRateLimitError(result.error, variant);
	expect(result.items).toEqual([]);
	const stats = await control.stats(sandbox.url);
	// The storm met the run after its first pages, and lasted past the retries.
	expect(stats.requests.byRoute[route]).toBe(PAGES_BEFORE + variant.attempts);
	expect(stats.rateLimited).toBeGreaterThan(0);
}

describe('a 429 storm that outlasts the retry settings', () => {
	describe.each(VARIANTS)('when $name', (variant) => {
		it('Get Many with Return All fails with the rate-limit error and returns no items, after pages were read', async () => {
			await withSandbox({ fleets: 1, trailersPerFleet: 45 }, async (sandbox) => {
				const { fleets } = await control.scope(sandbox.url);
				const path = `/api/v1/trailers/${fleets[0]}`;
				expect((await readAll(sandbox.url, path, PAGE_SIZE)).length).toBe(45);
				await expectStormFailure(sandbox, variant, path, 'GET /api/v1/trailers/{fleet}', {
					resource: 'trailer',
					operation: 'getMany',
					fleet: rl(fleets[0]),
					returnAll: true,
					options: { ...variant.retry, pageSize: PAGE_SIZE },
				});
			});
		});

		it('Telemetry over a time window fails with the rate-limit error and returns no items, after pages were read', async () => {
			await withSandbox({ fleets: 1, trailersPerFleet: 2 }, async (sandbox) => {
				const window = await gpsWindowOfFirstTrailer(sandbox, variant.retry);
				await expectStormFailure(sandbox, variant, window.path, 'GET /api/v1/trailers/telemetry/gps/{trailer}', window.parameters);
			});
		});

		it('the trigger fails the poll with the rate-limit error, keeps its state, and catches up once the storm ends', async () => {
			await withSandbox({ fleets: 1, trailersPerFleet: 3 }, async (sandbox) => {
				const { harness, expected } = await gpsTriggerOnAllTrailers(sandbox, variant.retry);
				// Every telemetry request of the first poll meets the storm: nothing can be read.
				await stormAfter(sandbox.url, '/api/v1/trailers/telemetry/gps/', 0);
				const first = await harness.poll();
				expectRateLimitError(first.error, variant);
				expect(first.items).toEqual([]);
				expect(first.after).toBe(first.before);

				await control.clearFaults(sandbox.url);
				const emitted: Json[] = [];
				for (let poll = 0, quiet = 0; poll < 10 && quiet < 2; poll++) {
					const result = await harness.poll();
					expect(result.error).toBeUndefined();
					emitted.push(...result.items.map(({ fourSee: _meta, ...record }) => record as Json));
					quiet = result.items.length === 0 ? quiet + 1 : 0;
				}
				expect(emitted).toHaveLength(expected.length);
				expect(compare(emitted, expected)).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
			});
		});
	});
});
