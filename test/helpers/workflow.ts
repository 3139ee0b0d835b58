/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Runs workflow JSON through n8n-core's real execution engine (`WorkflowExecute`), in process,
 * the way n8n's own node tests do: real parameter resolution (defaults, expressions per item),
 * real execute-function helpers (`httpRequestWithAuthentication`, `continueOnFail`,
 * `pairedItem` bookkeeping) and the harness's credentials helper (`credentialsHelper.ts`), which
 * drives the REAL credential class as n8n's own helper does.
 *
 * What this cannot prove is that n8n itself calls our credential this way: the real-n8n
 * end-to-end suite does that.
 */
import './n8nUserFolder';

import { ExecutionLifecycleHooks, LoadOptionsContext, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IConnections,
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
} from 'n8n-workflow';
import { createDeferredPromise, Workflow } from 'n8n-workflow';
import { TestCredentialsHelper } from './credentialsHelper';

/** Node type name under which the harness registers the package's nodes. */
export const PACKAGE_PREFIX = 'n8n-nodes-4see';

/**
 * Stored credentials, keyed by credential type: what n8n's credential store holds. The
 * helper writes refreshed tokens back here, so several runs sharing one store behave like
 * several executions sharing n8n's stored credential.
 */
export class CredentialStore {
	readonly data: Record<string, ICredentialDataDecryptedObject> = {};

	/** How often a refreshed token was written back (n8n's `updateCredentials`). */
	updates = 0;

	constructor(initial: Record<string, ICredentialDataDecryptedObject> = {}) {
		for (const [type, values] of Object.entries(initial)) this.data[type] = { ...values };
	}
}

/** Emits the items given in its `items` parameter: the harness's stand-in for upstream nodes. */
class ItemsNode implements INodeType {
	description = {
		displayName: 'Test Items',
		name: 'testItems',
		group: ['input'],
		version: 1,
		description: 'Emits fixed items',
		defaults: { name: 'Items' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[{}]' }],
	} as unknown as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as string | IDataObject[];
		const items = (typeof raw === 'string' ? JSON.parse(raw) : raw) as IDataObject[];
		return [items.map((json) => ({ json, pairedItem: { item: 0 } }))];
	}
}

export const ITEMS_NODE_TYPE = 'test.items';

class HarnessNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Node type ${nodeType} is not registered in the harness`);
		return type;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

export interface WorkflowJson {
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export interface RunWorkflowOptions {
	/** The package's node types, keyed by their name without prefix (e.g. `fourSee`). */
	nodeTypes: Record<string, INodeType>;
	credentialTypes: ICredentialType[];
	credentials: CredentialStore;
	/** Name of the node the run starts at; defaults to the first node. */
	startNode?: string;
}

export interface WorkflowRun {
	run: IRun;
	/** The items a node emitted on an output (first run of the node). */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	/** The error the run ended with, if any. */
	error: IRun['data']['resultData']['error'];
}

function buildAdditionalData(
	options: Pick<RunWorkflowOptions, 'credentialTypes' | 'credentials'>,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	const credentialTypes = new Map(options.credentialTypes.map((t) => [t.name, t]));
	return {
		credentialsHelper: new TestCredentialsHelper(credentialTypes, {
			read: (type) => options.credentials.data[type],
			write: (type, data) => {
				options.credentials.data[type] = data;
				options.credentials.updates++;
			},
		}),
		hooks,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost/rest',
		instanceBaseUrl: 'http://localhost/',
		formWaitingBaseUrl: 'http://localhost/form-waiting',
		webhookBaseUrl: 'http://localhost/webhook',
		webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost/webhook-test',
		variables: {},
		executeWorkflow: async () => {
			throw new Error('sub-workflows are not supported by the harness');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('task runners are not supported by the harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

function buildWorkflow(json: WorkflowJson, nodeTypeMap: Record<string, INodeType>): Workflow {
	const types: Record<string, INodeType> = { [ITEMS_NODE_TYPE]: new ItemsNode() };
	for (const [name, type] of Object.entries(nodeTypeMap)) types[`${PACKAGE_PREFIX}.${name}`] = type;
	return new Workflow({
		id: 'test',
		name: json.name ?? 'test',
		nodes: json.nodes,
		connections: json.connections,
		active: false,
		nodeTypes: new HarnessNodeTypes(types),
		settings: json.settings ?? { executionOrder: 'v1' },
	});
}

/**
 * The context n8n gives a list search while the user types in a resource locator: n8n-core's
 * real LoadOptionsContext, with the node's current parameters (the parent pickers) as the
 * editor would send them, and the same credentials helper as workflow runs.
 */
export function loadOptionsContext(
	node: { type: string; parameters: IDataObject },
	options: Pick<RunWorkflowOptions, 'nodeTypes' | 'credentialTypes' | 'credentials'>,
	parameterName: string,
): ILoadOptionsFunctions {
	const json = itemsInto({ type: node.type, parameters: node.parameters });
	const workflow = buildWorkflow(json, options.nodeTypes);
	const additionalData = buildAdditionalData(options);
	const target = workflow.getNode('4SEE') as INode;
	additionalData.currentNodeParameters = target.parameters;
	return new LoadOptionsContext(workflow, target, additionalData, `parameters.${parameterName}`);
}

/** Runs workflow JSON to the end through `WorkflowExecute` in manual mode. */
export async function runWorkflow(json: WorkflowJson, options: RunWorkflowOptions): Promise<WorkflowRun> {
	const workflow = buildWorkflow(json, options.nodeTypes);

	const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', {
		id: 'test',
		name: json.name ?? 'test',
		active: false,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes: json.nodes,
		connections: json.connections,
		activeVersionId: null,
	} as unknown as ConstructorParameters<typeof ExecutionLifecycleHooks>[2]);
	const finished = createDeferredPromise<IRun>();
	hooks.addHandler('workflowExecuteAfter', (run) => finished.resolve(run));

	const additionalData = buildAdditionalData(options, hooks);

	const startName = options.startNode ?? json.nodes[0].name;
	const startNode = workflow.getNode(startName);
	if (!startNode) throw new Error(`No node named ${startName}`);
	const execute = new WorkflowExecute(additionalData, 'manual');
	await execute.run(workflow, startNode);
	const run = await finished.promise;

	return {
		run,
		error: run.data.resultData.error,
		output(nodeName: string, outputIndex = 0) {
			const taskData = run.data.resultData.runData[nodeName]?.[0];
			if (!taskData) {
				const error = run.data.resultData.error;
				throw new Error(`Node "${nodeName}" did not run${error ? `: ${error.message}` : ''}`);
			}
			return taskData.data?.main?.[outputIndex] ?? [];
		},
	};
}

/** Builds the common shape of test workflows: fixed input items feeding one 4SEE node. */
export function itemsInto(
	node: { name?: string; type: string; parameters: IDataObject; credentials?: INode['credentials'] },
	items: IDataObject[] = [{}],
	settings: Partial<Pick<INode, 'continueOnFail' | 'onError' | 'executeOnce'>> = {},
): WorkflowJson {
	const name = node.name ?? '4SEE';
	return {
		nodes: [
			{
				id: 'items',
				name: 'Items',
				type: ITEMS_NODE_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: JSON.stringify(items) },
			},
			{
				id: 'node',
				name,
				type: `${PACKAGE_PREFIX}.${node.type}`,
				typeVersion: 1,
				position: [200, 0],
				parameters: node.parameters as INode['parameters'],
				credentials: node.credentials ?? { fourSeeApi: { id: '1', name: '4SEE API' } },
				...settings,
			},
		],
		connections: { Items: { main: [[{ node: name, type: 'main', index: 0 }]] } },
	};
}

/**
 * n8n-core's services start interval timers when first used (SSH client clean-up, cron
 * logging); in a server they live forever, in jest they keep the process from exiting.
 * Stopped after each test file that loads the harness.
 */
export function stopEngineTimers(): void {
	/* eslint-disable @typescript-eslint/no-require-imports */
	const { Container } = require('@n8n/di') as typeof import('@n8n/di');
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
	const { ScheduledTaskManager } = require('n8n-core/dist/execution-engine/scheduled-task-manager');
	/* eslint-enable @typescript-eslint/no-require-imports */
	if (Container.has(SSHClientsManager)) Container.get<{ onShutdown(): void }>(SSHClientsManager).onShutdown();
	if (Container.has(ScheduledTaskManager)) {
		Container.get<{ deregisterAllCrons(): void }>(ScheduledTaskManager).deregisterAllCrons();
	}
}

if (typeof afterAll === 'function') afterAll(stopEngineTimers);
