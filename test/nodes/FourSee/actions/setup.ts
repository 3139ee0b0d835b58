/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Shared set-up of the action node's unit tests: the node runs inside n8n-core's real engine
 * (test/helpers/workflow.ts) and nock stands in for the 4SEE API. The stored credential already
 * holds a session token, so requests carry it and no login is needed; every request nock does
 * not expect is counted, so "no request was sent" is an assertion, not a hope.
 */
import nock from 'nock';
import type { IDataObject, INode } from 'n8n-workflow';

import { FourSeeApi } from '../../../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../../../nodes/FourSee/FourSee.node';
import { forgetLearnedTakes } from '../../../../nodes/FourSee/transport/take';
import {
	CredentialStore,
	itemsInto,
	loadOptionsContext,
	runWorkflow,
	type WorkflowJson,
	type WorkflowRun,
} from '../../../helpers/workflow';
import { withStoredSession } from '../../../helpers/context';

export const API = 'https://integration.example.test';
export const AUTH = 'https://auth.example.test';
export const TOKEN = 'stored-session-token';
export const API_KEY = 'canary-api-key-0001';

export function credentialStore(): CredentialStore {
	return new CredentialStore({
		fourSeeApi: withStoredSession({ apiKey: API_KEY, authUrl: AUTH, baseUrl: API, sessionToken: TOKEN }),
	});
}

/** The Integration API, answering only requests that carry the stored token. */
export function api(): nock.Scope {
	return nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

let unexpected: string[] = [];

/** Requests that reached the network layer without a matching interceptor. */
export function unexpectedRequests(): string[] {
	return unexpected;
}

const onNoMatch = (req: { method?: string; path?: string; options?: { host?: string; path?: string } }) => {
	unexpected.push(`${req.method ?? ''} ${req.options?.host ?? ''}${req.path ?? req.options?.path ?? ''}`);
};

export function useNock(): void {
	beforeAll(() => nock.disableNetConnect());
	beforeEach(() => {
		unexpected = [];
		nock.emitter.on('no match', onNoMatch);
	});
	afterEach(() => {
		nock.emitter.removeListener('no match', onNoMatch);
		nock.cleanAll();
		// Page sizes learned from one test's refusals must not shape the next test's requests.
		forgetLearnedTakes();
	});
	// nock patches Node's http for the whole jest worker; a later file would otherwise inherit
	// this file's interceptor stacked under its own.
	afterAll(() => {
		nock.enableNetConnect();
		nock.restore();
	});
}

export interface RunNodeOptions {
	items?: IDataObject[];
	settings?: Partial<Pick<INode, 'continueOnFail' | 'onError' | 'executeOnce'>>;
	credentials?: CredentialStore;
}

export async function runNode(parameters: IDataObject, options: RunNodeOptions = {}): Promise<WorkflowRun> {
	return await runWorkflow(itemsInto({ type: 'fourSee', parameters }, options.items ?? [{}], options.settings), {
		nodeTypes: { fourSee: new FourSee() },
		credentialTypes: [new FourSeeApi()],
		credentials: options.credentials ?? credentialStore(),
	});
}

/** Runs hand-built workflow JSON (e.g. with workflow settings) with the node and credential. */
export async function runWorkflowJson(json: WorkflowJson, credentials = credentialStore()): Promise<WorkflowRun> {
	return await runWorkflow(json, {
		nodeTypes: { fourSee: new FourSee() },
		credentialTypes: [new FourSeeApi()],
		credentials,
	});
}

/** The 4SEE node's output items as plain JSON. */
export function outputJson(run: WorkflowRun): IDataObject[] {
	return run.output('4SEE').map((item) => item.json);
}

export function listSearchContext(parameters: IDataObject, parameterName: string) {
	return loadOptionsContext({ type: 'fourSee', parameters }, {
		nodeTypes: { fourSee: new FourSee() },
		credentialTypes: [new FourSeeApi()],
		credentials: credentialStore(),
	}, parameterName);
}

/** A resource-locator value in ID mode, as the editor stores it. */
export function byId(value: string): IDataObject {
	return { __rl: true, mode: 'id', value };
}

/** Records `{ id: prefix-n, n }` for n in [from, to). */
export function records(prefix: string, from: number, to: number): IDataObject[] {
	return Array.from({ length: to - from }, (_, i) => ({ id: `${prefix}-${from + i}`, n: from + i }));
}

/**
 * The error the 4SEE node failed with, as n8n recorded it in the run. n8n keeps a copy of the
 * error (plain object, `name` preserved), so tests compare by name rather than instanceof.
 */
export function nodeError(run: WorkflowRun): { name?: string; message: string; description?: string | null; context?: IDataObject } | undefined {
	return run.run.data.resultData.runData['4SEE']?.[0]?.error as never;
}

/**
 * What every Get operation must do, as tests: the record at `path`, output as 4SEE sent it and
 * paired with its input item, with no other request.
 */
export function testGetsOne(parameters: IDataObject, path: string, record: IDataObject): void {
	test(`gets one record by ID from ${path} and outputs it unchanged, paired with its input item`, async () => {
		const scope = api().get(path).reply(200, record);
		const run = await runNode(parameters);
		expect(run.error).toBeUndefined();
		expect(run.output('4SEE')).toEqual([{ json: record, pairedItem: { item: 0 } }]);
		expect(scope.isDone()).toBe(true);
		expect(unexpectedRequests()).toEqual([]);
	});
}

/** What every operation that names a record must do when 4SEE does not know it. */
export function testNotFound(parameters: IDataObject, path: string, message: string): void {
	test('a 404 names what was not found, in words a user can act on', async () => {
		const scope = api()
			.get(path)
			.query(true)
			.reply(404, { title: 'Not Found', status: 404 }, { 'Content-Type': 'application/problem+json' });
		const run = await runNode(parameters);
		expect(nodeError(run)?.name).toBe('NodeApiError');
		expect(nodeError(run)?.message).toBe(message);
		expect(scope.isDone()).toBe(true);
	});
}
