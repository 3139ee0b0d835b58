/**
 * A minimal n8n node context for transport and credential tests, built from n8n-core's REAL
 * context classes (`ExecuteContext`, `PollContext`): `this.helpers.httpRequestWithAuthentication`
 * is n8n-core's own (empty/expired token -> preAuthentication; 401 -> preAuthentication again
 * and one retry), and `this.helpers.httpRequest` is n8n-core's axios-based helper, so nock sees
 * every request. Only the credentials helper is ours, written after n8n's
 * `packages/cli/src/credentials-helper.ts`: it runs the REAL `FourSeeApi` class's
 * `preAuthentication` (when the expirable field is empty, after a 401, or while testing the
 * credential), resolves its generic `authenticate` block through n8n's expression engine and
 * writes refreshed tokens back to a store shared by every context made from it, as n8n's
 * database is shared by executions.
 */
import './n8nUserFolder';

import { ExecuteContext, PollContext, RoutingNode } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeProperties,
	INodeType,
	INodeTypes,
	IPollFunctions,
	IRequestOptionsSimplified,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { ICredentialsHelper, Workflow } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';

export const CREDENTIAL_TYPE = 'fourSeeApi';
const NODE_TYPE = 'n8n-nodes-4see.contextTest';
/** n8n tests a credential through a mock NoOp node whose `temp` parameter is ''. */
const TEST_NODE_TYPE = 'n8n-nodes-base.noOp';

/** What n8n's credential store holds for one credential, shared by "executions". */
export class CredentialStore {
	data: ICredentialDataDecryptedObject;

	/** Times a refreshed token was written back (n8n's `updateCredentials`). */
	writes = 0;

	constructor(initial: ICredentialDataDecryptedObject) {
		this.data = { sessionToken: '', ...initial };
	}
}

class ContextCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly type: ICredentialType,
		private readonly store: CredentialStore,
		private readonly workflow: () => Workflow,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		_workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type;
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (authenticate?.type === 'generic') {
			const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
			for (const [outerKey, entries] of Object.entries(authenticate.properties)) {
				target[outerKey] ??= {};
				for (const [key, value] of Object.entries(entries as Record<string, string>)) {
					target[outerKey][resolveCredentialExpression(this.workflow(), node, key, credentials)] = resolveCredentialExpression(
						this.workflow(),
						node,
						value,
						credentials,
					);
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const expirable = this.type.properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		);
		if (expirable === undefined || typeof this.type.preAuthentication !== 'function') return undefined;
		const isTestingCredentials = node?.parameters?.temp === '' && node?.type === TEST_NODE_TYPE;
		if (credentials[expirable.name] !== '' && !credentialsExpired && !isTestingCredentials) {
			return undefined;
		}
		// n8n narrows the helpers to `httpRequest` before handing them to the credential.
		const narrowed: IHttpRequestHelper = {
			helpers: { httpRequest: async (options) => await helpers.helpers.httpRequest(options) },
		};
		const output = await this.type.preAuthentication.call(narrowed, credentials);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			this.store.data = { ...this.store.data, ...output } as ICredentialDataDecryptedObject;
			this.store.writes++;
			return Object.assign(credentials, output);
		}
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by the context helper');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
	): Promise<ICredentialDataDecryptedObject> {
		// A fresh copy per call, like n8n decrypting from its database.
		return { ...this.store.data };
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.store.data = { ...data };
		this.store.writes++;
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return this.type.properties;
	}
}

/** As n8n's helper: a value starting with '=' is an expression over `$credentials`. */
export function resolveCredentialExpression(
	workflow: Workflow,
	node: INode,
	value: unknown,
	credentials: ICredentialDataDecryptedObject,
): string {
	if (typeof value !== 'string' || !value.startsWith('=')) return String(value);
	const resolved = workflow.expression.getSimpleParameterValue(
		node,
		value,
		'internal',
		{ $credentials: credentials },
		undefined,
		'',
	);
	return resolved === undefined || resolved === null ? '' : String(resolved);
}

class ContextNodeTypes implements INodeTypes {
	private readonly type: INodeType = {
		description: {
			displayName: 'Context Test',
			name: 'contextTest',
			group: ['transform'],
			version: 1,
			description: 'Stands in for the 4SEE nodes',
			defaults: { name: 'Context Test' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: CREDENTIAL_TYPE, required: true }],
			properties: [],
		},
	} as unknown as INodeType;

	/** n8n's credential tester runs a NoOp whose `temp` parameter marks "testing credentials". */
	private readonly testType: INodeType = {
		description: {
			displayName: 'No Operation',
			name: 'noOp',
			group: ['organization'],
			version: 1,
			description: 'Stands in for n8n\'s credential-test node',
			defaults: { name: 'Temp-Node' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [{ displayName: 'Temp', name: 'temp', type: 'string', default: '' }],
		},
	} as unknown as INodeType;

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return nodeType === TEST_NODE_TYPE ? this.testType : this.type;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

export interface FakeN8n {
	store: CredentialStore;
	/** The credential class instance whose preAuthentication/authenticate/test are exercised. */
	credentialType: FourSeeApi;
	/** An action-node context (a new one per call: think "one execution"). */
	executeContext(options?: { continueOnFail?: boolean; signal?: AbortSignal }): IExecuteFunctions;
	/** A trigger context. */
	pollContext(): IPollFunctions;
	/** n8n's "Test" button: preAuthentication always runs, then the credential's `test` request. */
	testCredential(): Promise<{ status: 'OK' | 'Error'; message: string }>;
}

/**
 * A fake n8n around one stored 4SEE credential. Contexts made from the same instance share the
 * store; pass one store to two instances to model two executions sharing n8n's database.
 */
export function fakeN8n(credentials: ICredentialDataDecryptedObject | CredentialStore): FakeN8n {
	const store = credentials instanceof CredentialStore ? credentials : new CredentialStore(credentials);
	const credentialType = new FourSeeApi();
	const nodeTypes = new ContextNodeTypes();
	const node: INode = {
		id: 'node-1',
		name: '4SEE',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: '4SEE account' } },
	};
	const workflow = new Workflow({
		id: 'wf-1',
		name: 'context test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const helper = new ContextCredentialsHelper(credentialType, store, () => workflow);
	const additionalData = {
		credentialsHelper: helper,
		executionId: 'exec-1',
		restApiUrl: 'http://localhost/rest',
		instanceBaseUrl: 'http://localhost/',
		webhookBaseUrl: 'http://localhost/webhook',
		webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost/webhook-test',
		formWaitingBaseUrl: 'http://localhost/form-waiting',
		variables: {},
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;

	return {
		store,
		credentialType,
		executeContext(options = {}) {
			const ctxNode = { ...node, continueOnFail: options.continueOnFail === true };
			return new ExecuteContext(
				workflow,
				ctxNode,
				additionalData,
				'manual',
				null as never,
				0,
				[{ json: {} }],
				{ main: [[{ json: {} }]] },
				undefined as never,
				[],
				options.signal,
			) as unknown as IExecuteFunctions;
		},
		pollContext() {
			return new PollContext(workflow, node, additionalData, 'trigger', 'activate') as unknown as IPollFunctions;
		},
		async testCredential() {
			// As n8n's CredentialsTester (packages/cli/src/services/credentials-tester.service.ts):
			// a NoOp copy whose one property `temp` routes the credential's `test.request`, run by
			// n8n-core's real RoutingNode, which resolves the request's expressions and sends it
			// through httpRequestWithAuthentication; then the tester's reading of the outcome.
			const request = credentialType.test.request;
			const testType = {
				description: {
					...(nodeTypes.getByNameAndVersion(TEST_NODE_TYPE).description as object),
					credentials: [{ name: CREDENTIAL_TYPE, required: true }],
					properties: [
						{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request }, default: '' },
					],
				},
			} as unknown as INodeType;
			const testNode: INode = {
				id: 'temp',
				name: 'Temp-Node',
				type: TEST_NODE_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
				credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: '4SEE account' } },
			};
			const testNodeTypes: INodeTypes = {
				getByName: () => testType,
				getByNameAndVersion: () => testType,
				getKnownTypes: () => ({}),
			};
			const testWorkflow = new Workflow({
				id: 'wf-test',
				name: 'credential test',
				nodes: [testNode],
				connections: {},
				active: false,
				nodeTypes: testNodeTypes,
			});
			const testHelper = new ContextCredentialsHelper(credentialType, store, () => testWorkflow);
			const context = new ExecuteContext(
				testWorkflow,
				testNode,
				{ ...additionalData, credentialsHelper: testHelper } as IWorkflowExecuteAdditionalData,
				'internal',
				{ resultData: { runData: {} } } as never,
				0,
				[],
				{ main: [[{ json: {} }]] },
				{ node: testNode, data: {}, source: null } as never,
				[],
			);
			const decrypted = { id: 'cred-1', name: '4SEE account', type: CREDENTIAL_TYPE, data: { ...store.data } };
			try {
				await new RoutingNode(context, testType, decrypted).runNode();
			} catch (error) {
				const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } })
					.cause;
				if (cause?.response) {
					return {
						status: 'Error',
						message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
					};
				}
				if (cause?.code) return { status: 'Error', message: cause.code };
				return { status: 'Error', message: String((error as Error).message) };
			}
			return { status: 'OK', message: 'Connection successful!' };
		},
	};
}

/**
 * n8n-core's SSH client manager starts a one-minute interval when the first context is made;
 * stopping it lets jest exit. Registered automatically for every test file using this helper.
 */
export function shutdownN8n(): void {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require('@n8n/di');
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
}
if (typeof afterAll === 'function') afterAll(shutdownN8n);

/** Builds a JWT (unsigned) with the given `exp` (seconds since epoch), for expiry parsing. */
export function fakeJwt(payload: Record<string, unknown>): string {
	const encode = (value: unknown) =>
		Buffer.from(JSON.stringify(value)).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
	return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}.c2lnbmF0dXJl`;
}
