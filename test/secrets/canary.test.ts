/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The secrets check must be able to fail: these tests plant the canary key and issued tokens
 * where users would see them and prove that each place is scanned, then clear the findings so
 * that this file itself passes. A clean run of the real nodes is checked at the end.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { FourSee } from '../../nodes/FourSee/FourSee.node';
import { DEMO_API_KEY, startSandbox, type Sandbox } from '../../sandbox';
import { scope } from '../../sandbox/client';
import { CANARY_API_KEY, scanner, SecretScanner } from '../helpers/canary';
import { CredentialStore, itemsInto, runWorkflow } from '../helpers/workflow';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ fleets: 1, trailersPerFleet: 3 });
});

afterAll(async () => {
	await sandbox.close();
});

afterEach(() => scanner.clear());

async function issueToken(): Promise<string> {
	const response = await fetch(`${sandbox.url}/api/v1/customers/authenticate`, {
		method: 'POST',
		headers: { 'X-API-KEY': sandbox.apiKey },
	});
	return ((await response.json()) as { token: string }).token;
}

/** A node that puts whatever its parameter says into its output, or throws it. */
class LeakyNode implements INodeType {
	description = {
		displayName: 'Leaky',
		name: 'leaky',
		group: ['transform'],
		version: 1,
		description: 'x',
		defaults: { name: 'Leaky' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [
			{ displayName: 'Value', name: 'value', type: 'string', default: '' },
			{ displayName: 'Throw', name: 'throw', type: 'boolean', default: false },
		],
	} as unknown as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const value = this.getNodeParameter('value', 0) as string;
		if (this.getNodeParameter('throw', 0) === true) {
			throw new NodeApiError(this.getNode(), { message: 'failed' }, { message: 'failed', description: 'harmless', cause: new Error(`inner ${value}`) } as never);
		}
		return [[{ json: { nested: { deeper: [value] } }, pairedItem: { item: 0 } }]];
	}
}

describe('the canary', () => {
	it('is the key every sandbox in a test run is started with, and the default key tests name', () => {
		expect(sandbox.apiKey).toBe(CANARY_API_KEY);
		expect(DEMO_API_KEY).toBe(CANARY_API_KEY);
	});

	it('records every JWT the sandbox issues', async () => {
		const before = scanner.tokenCount;
		const token = await issueToken();
		expect(scanner.tokenCount).toBe(before + 1);
		expect(scanner.scan('a planted log line', `Authorization: Bearer ${token}`).length).toBeGreaterThan(0);
		// The signature alone is enough to count.
		const signature = token.split('.')[2];
		expect(scanner.scan('a planted fragment', `sig=${signature}`)[0].what).toMatch(/signature/);
	});
});

describe('the scanner', () => {
	const fresh = () => new SecretScanner();

	it('finds the key in nested items, in an error description, context and cause, and in log text', () => {
		const s = fresh();
		expect(s.scan('items', [{ json: { a: { b: [`x${CANARY_API_KEY}y`] } } }]).length).toBeGreaterThan(0);
		const error = new Error('request failed') as Error & Record<string, unknown>;
		error.description = `sent key ${CANARY_API_KEY}`;
		expect(s.scan('error', error).length).toBeGreaterThan(0);
		const withContext = new Error('x') as Error & Record<string, unknown>;
		withContext.context = { request: { headers: { 'x-api-key': CANARY_API_KEY } } };
		expect(s.scan('error', withContext).length).toBeGreaterThan(0);
		expect(s.scan('error', new Error('outer', { cause: new Error(`inner ${CANARY_API_KEY}`) })).length).toBeGreaterThan(0);
		expect(s.scan('log', `warn: ${CANARY_API_KEY}`).length).toBeGreaterThan(0);
	});

	it('finds the key and tokens in another case, URL-encoded and base64-encoded (at any alignment)', () => {
		const s = fresh();
		const token = 'opaque-token-0123456789abcdef';
		s.addToken(token);
		const b64 = (text: string) => Buffer.from(text).toString('base64');
		for (const secret of [CANARY_API_KEY, token]) {
			for (const shaped of [
				secret.toUpperCase(),
				`?k=${encodeURIComponent(secret)}`,
				b64(secret),
				b64(`x${secret}`),
				b64(`xy${secret}`).replace(/\+/g, '-').replace(/\//g, '_'),
			]) {
				expect(s.scan('planted', { detail: shaped }).length).toBeGreaterThan(0);
			}
		}
		expect(s.report()).not.toContain(CANARY_API_KEY);
	});

	it('finds any JWT, even one it did not see issued', () => {
		const jwt = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"cust-1","exp":1}').toString('base64url')}.abcdefghijklmnopqrstuvwxyz0123456789`;
		expect(fresh().scan('items', { token: jwt }).length).toBeGreaterThan(0);
	});

	it('masks the secret in its report and stays quiet about ordinary data', () => {
		const s = fresh();
		expect(s.scan('items', [{ id: 'trl-000001', vin: '1GRAA0621JB000001', note: 'Bearer' }])).toHaveLength(0);
		s.scan('items', `key=${CANARY_API_KEY}`);
		expect(s.report()).not.toContain(CANARY_API_KEY);
		expect(s.report()).toContain('<SECRET>');
	});
});

describe('the hooks see what users see', () => {
	const credentials = () => new CredentialStore({ fourSeeApi: { apiKey: 'k', sessionToken: '' } });

	it('scans the output items of a workflow run', async () => {
		const run = await runWorkflow(itemsInto({ type: 'leaky', parameters: { value: CANARY_API_KEY } }), {
			nodeTypes: { leaky: new LeakyNode() },
			credentialTypes: [],
			credentials: credentials(),
		});
		expect(run.output('4SEE').length).toBeGreaterThan(0);
		expect(scanner.findings.map((f) => f.where)).toContain('the output or error of node "4SEE" in a workflow run');
	});

	it("scans a failed run's error down to its cause", async () => {
		const token = await issueToken();
		await runWorkflow(itemsInto({ type: 'leaky', parameters: { value: token, throw: true } }), {
			nodeTypes: { leaky: new LeakyNode() },
			credentialTypes: [],
			credentials: credentials(),
		});
		expect(scanner.findings.some((f) => f.what === 'a JWT the sandbox issued')).toBe(true);
	});

	it('scans console output', () => {
		const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
		try {
			console.log('debugging', { apiKey: CANARY_API_KEY });
		} finally {
			spy.mockRestore();
		}
		expect(scanner.findings.some((f) => f.where === 'console.log')).toBe(true);
	});

	it('finds nothing in a real run of the 4SEE node that fetched with the canary key and a fresh token', async () => {
		const { trailers } = await scope(sandbox.url);
		const store = new CredentialStore({
			fourSeeApi: { apiKey: sandbox.apiKey, authUrl: sandbox.url, baseUrl: sandbox.url, sessionToken: '' },
		});
		const run = await runWorkflow(
			itemsInto({ type: 'fourSee', parameters: { resource: 'trailer', operation: 'get', trailer: { __rl: true, mode: 'id', value: trailers[0] } } }),
			{ nodeTypes: { fourSee: new FourSee() }, credentialTypes: [new FourSeeApi()], credentials: store },
		);
		expect(run.error).toBeUndefined();
		expect(run.output('4SEE')[0].json.id).toBe(trailers[0]);
		// The token was issued and stored, and appears nowhere a user looks.
		expect(String(store.data.fourSeeApi.sessionToken)).toMatch(/^eyJ/);
		expect(scanner.findings).toEqual([]);
	});
});
