/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The secrets check, loaded before every test file (jest's setupFilesAfterEnv) of the unit,
 * fault-matrix and end-to-end runs:
 *
 * - the sandbox's primary customer key becomes the canary key (CANARY_API_KEY), whatever the
 *   test asked for by default, and every JWT the sandbox signs is recorded;
 * - what a user could see is scanned for the key and for any JWT (in any case, URL-encoded or
 *   base64-encoded): the output items and errors of every workflow run through n8n-core's
 *   engine, every poll of the trigger (items, thrown error, static data, the log lines the test
 *   collected), every direct `execute` of the action node, every
 *   error a test hands to `expect`, console output, and in the end-to-end suite the real n8n's
 *   server log, its stored executions with their data, webhook answers and `n8n execute` output
 *   (the last three read by the e2e harness);
 * - after the file, any finding fails it, with the place and the secret masked.
 *
 * Module factories run only when a test loads that module, so a test file that never loads
 * n8n pays nothing for this.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CANARY_API_KEY, scanner } from '../helpers/canary';

type AnyRecord = Record<string, unknown>;

// ---- the sandbox: canary key in, issued tokens recorded -----------------------------------

jest.mock('../../sandbox/jwt', () => {
	const actual = jest.requireActual('../../sandbox/jwt') as typeof import('../../sandbox/jwt');
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	return {
		...actual,
		signJwt(claims: AnyRecord, secret: Buffer): string {
			const token = actual.signJwt(claims, secret);
			shared.addToken(token);
			return token;
		},
	};
});

jest.mock('../../sandbox', () => {
	const actual = jest.requireActual('../../sandbox') as typeof import('../../sandbox');
	const canary = (jest.requireActual('../helpers/canary') as typeof import('../helpers/canary')).CANARY_API_KEY;
	return {
		...actual,
		// Tests that name the sandbox's default key get the canary, and so does the sandbox.
		DEMO_API_KEY: canary,
		startSandbox: (options: Parameters<typeof actual.startSandbox>[0] = {}) =>
			actual.startSandbox({ ...options, apiKey: options.apiKey ?? canary }),
	};
});

// ---- what users see ------------------------------------------------------------------------

jest.mock('n8n-core', () => {
	const actual = jest.requireActual('n8n-core') as AnyRecord;
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	const hooks = (actual.ExecutionLifecycleHooks as { prototype: AnyRecord }).prototype;
	if (!hooks.__secretsChecked) {
		const runHook = hooks.runHook as (this: unknown, name: string, parameters: unknown[]) => Promise<void>;
		hooks.runHook = async function (this: unknown, name: string, parameters: unknown[]) {
			if (name === 'workflowExecuteAfter') {
				const run = parameters[0] as { data?: { resultData?: { runData?: AnyRecord; error?: unknown } } };
				const resultData = run?.data?.resultData;
				for (const [node, tasks] of Object.entries(resultData?.runData ?? {})) {
					shared.scan(`the output or error of node "${node}" in a workflow run`, tasks);
				}
				if (resultData?.error !== undefined) shared.scan('the error of a workflow run', resultData.error);
			}
			return await runHook.call(this, name, parameters);
		};
		hooks.__secretsChecked = true;
	}
	return actual;
});

jest.mock('../../nodes/FourSee/FourSeeTrigger.node', () => {
	const actual = jest.requireActual('../../nodes/FourSee/FourSeeTrigger.node') as AnyRecord;
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	const proto = (actual.FourSeeTrigger as { prototype: AnyRecord }).prototype;
	const poll = proto.poll as (this: unknown) => Promise<unknown>;
	proto.poll = async function (this: unknown) {
		// What n8n stores for the trigger between polls, whatever the poll's outcome.
		const scanState = () => {
			const context = this as { getWorkflowStaticData?: (type: string) => unknown };
			if (typeof context.getWorkflowStaticData === 'function') {
				shared.scan("the trigger's static data", JSON.parse(JSON.stringify(context.getWorkflowStaticData('node'))));
			}
		};
		try {
			const output = await poll.call(this);
			shared.scan('the items of a trigger poll', output);
			scanState();
			return output;
		} catch (error) {
			shared.scan('the error of a trigger poll', error);
			scanState();
			throw error;
		}
	};
	return actual;
});

jest.mock('../../nodes/FourSee/FourSee.node', () => {
	const actual = jest.requireActual('../../nodes/FourSee/FourSee.node') as AnyRecord;
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	const proto = (actual.FourSee as { prototype: AnyRecord }).prototype;
	const execute = proto.execute as (this: unknown) => Promise<unknown>;
	proto.execute = async function (this: unknown) {
		try {
			const output = await execute.call(this);
			shared.scan('the items of the 4SEE node', output);
			return output;
		} catch (error) {
			shared.scan('the error of the 4SEE node', error);
			throw error;
		}
	};
	return actual;
});

// The poll harness keeps the trigger's log lines; they are logs a user reads.
jest.mock('../helpers/pollContext', () => {
	const actual = jest.requireActual('../helpers/pollContext') as AnyRecord;
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	const proto = (actual.PollHarness as { prototype: AnyRecord }).prototype;
	const poll = proto.poll as (this: { logs: string[] }, ...args: unknown[]) => Promise<unknown>;
	proto.poll = async function (this: { logs: string[] }, ...args: unknown[]) {
		const result = await poll.apply(this, args);
		shared.scan('the trigger log', this.logs);
		return result;
	};
	return actual;
});

// A real n8n's server log, read when the end-to-end environment is torn down.
jest.mock('../e2e/harness', () => {
	const actual = jest.requireActual('../e2e/harness') as AnyRecord;
	const { scanner: shared } = jest.requireActual('../helpers/canary') as typeof import('../helpers/canary');
	const proto = (actual.E2eEnv as { prototype: AnyRecord }).prototype;
	const teardown = proto.teardown as (this: { n8n?: { serverOutput: string } }) => Promise<void>;
	proto.teardown = async function (this: { n8n?: { serverOutput: string } }) {
		if (this.n8n) shared.scan("the real n8n's server log", this.n8n.serverOutput);
		return await teardown.call(this);
	};
	return actual;
});

// Errors the tests look at (thrown, rejected, or handed to expect) are what users read.
{
	const scope = globalThis as unknown as { expect: typeof expect };
	const realExpect = scope.expect;
	const wrapped = function (this: unknown, actual: unknown, ...rest: unknown[]) {
		if (actual instanceof Error) scanner.scan('an error checked by a test', actual);
		else if (actual instanceof Promise) {
			actual.then(undefined, (error: unknown) => scanner.scan('a rejection checked by a test', error));
		}
		return (realExpect as unknown as (...args: unknown[]) => unknown)(actual, ...rest);
	};
	Object.setPrototypeOf(wrapped, realExpect);
	Object.assign(wrapped, realExpect);
	scope.expect = wrapped as unknown as typeof realExpect;
}

// Log lines.
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
	const original = console[level].bind(console);
	console[level] = (...args: unknown[]) => {
		scanner.scan(`console.${level}`, args);
		original(...args);
	};
}
for (const stream of [process.stdout, process.stderr]) {
	const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
	const name = stream === process.stdout ? 'stdout' : 'stderr';
	stream.write = ((chunk: unknown, ...rest: unknown[]) => {
		scanner.scan(name, typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '');
		return write(chunk, ...rest);
	}) as typeof stream.write;
}

// ---- the verdict -----------------------------------------------------------------------------

afterAll(() => {
	const summary = process.env.FOURSEE_SECRETS_SUMMARY;
	if (summary) {
		fs.mkdirSync(path.dirname(summary), { recursive: true });
		fs.appendFileSync(
			summary,
			`${JSON.stringify({ file: expect.getState().testPath, scanned: scanner.scanned, tokens: scanner.tokenCount, findings: scanner.findings.length })}\n`,
		);
	}
	if (scanner.findings.length > 0) {
		const report = scanner.report();
		scanner.clear();
		throw new Error(
			`Secrets leaked: the API key (${CANARY_API_KEY.slice(0, 16)}…) or a JWT appeared where users can see it.\n${report}`,
		);
	}
});
