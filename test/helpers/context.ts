/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A minimal n8n node context for transport and credential tests, built from n8n-core's REAL
 * context classes (`ExecuteContext`, `PollContext`): `this.helpers.httpRequestWithAuthentication`
 * is n8n-core's own (empty/expired token -> preAuthentication; 401 -> preAuthentication again
 * and one retry), and `this.helpers.httpRequest` is n8n-core's axios-based helper, so nock sees
 * every request. Only the credentials helper is ours (`credentialsHelper.ts`, shared with the
 * workflow harness): it drives the REAL `FourSeeApi` class and writes refreshed tokens back to a
 * store shared by every context made from it, as n8n's database is shared by executions.
 */
import './n8nUserFolder';

import { ExecuteContext, PollContext, RoutingNode } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeType,
	INodeTypes,
	IPollFunctions,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { FourSeeApi } from '../../credentials/FourSeeApi.credentials';
import { TEST_NODE_TYPE, TestCredentialsHelper } from './credentialsHelper';
import { currentBinding, SESSION_FOR_FIELD } from '../../nodes/FourSee/transport/session';

/**
 * A credential as n8n stores it after a login: the token together with what it was obtained
 * for (the URLs and key it holds), so it is sent without a new login.
 */
export function withStoredSession(credentials: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
	return { ...credentials, [SESSION_FOR_FIELD]: currentBinding(credentials) ?? '' };
}

export const CREDENTIAL_TYPE = 'fourSeeApi';
const NODE_TYPE = 'n8n-nodes-4see.contextTest';

/** What n8n's credential store holds for one credential, shared by "executions". */
export class CredentialStore {
	data: ICredentialDataDecryptedObject;

	/** Times a refreshed token was written back (n8n's `updateCredentials`). */
	writes = 0;

	constructor(initial: ICredentialDataDecryptedObject) {
		this.data = { sessionToken: '', ...initial };
	}
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
	const helper = new TestCredentialsHelper(new Map([[CREDENTIAL_TYPE, credentialType]]), {
		read: () => store.data,
		write: (_type, data) => {
			store.data = data;
			store.writes++;
		},
	});
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
			const context = new ExecuteContext(
				testWorkflow,
				testNode,
				additionalData,
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
					// n8n's tester answers with the credential's own message for a status it names.
					const rule = credentialType.test.rules?.find(
						(r) => r.type === 'responseCode' && r.properties.value === cause.response?.status,
					);
					if (rule !== undefined) return { status: 'Error', message: rule.properties.message };
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
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
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
