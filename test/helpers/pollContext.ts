/**
 * Runs the 4SEE Trigger's `poll()` the way an active n8n workflow does, in process, on top of
 * the credential engineer's fake n8n (`fakeN8n`):
 *
 * - the context is n8n-core's REAL `PollContext` over a real `Workflow` holding the trigger
 *   node, so parameters resolve as in n8n (defaults, resource locators, collections) and
 *   `getWorkflowStaticData('node')` is n8n's observable static data;
 * - HTTP goes through n8n-core's `httpRequestWithAuthentication` with the REAL credential
 *   (token exchange, cached token, refresh after a 401), via the fake n8n's credentials helper;
 * - persistence follows n8n: the static data lives in memory between polls and is saved
 *   (here: as JSON text) when a poll emits items; `restart()` throws the memory away and starts
 *   again from the saved JSON, as a restart of n8n does;
 * - the logger is ours, so tests can read (and scan) what the node logged.
 */
import { PollContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IPollFunctions,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { FourSeeTrigger } from '../../nodes/FourSee/FourSeeTrigger.node';
import { CREDENTIAL_TYPE, fakeN8n, type FakeN8n } from './context';

export const TRIGGER_TYPE = 'n8n-nodes-4see.fourSeeTrigger';
const NODE_NAME = '4SEE Trigger';
const STATIC_KEY = `node:${NODE_NAME}`;

export interface PollResult {
	items: IDataObject[];
	/** The error the poll threw, if it did. */
	error?: Error;
	/** The node's static data before and after this poll, as JSON text. */
	before: string;
	after: string;
}

class TriggerNodeTypes implements INodeTypes {
	constructor(private readonly trigger: INodeType) {}

	getByName(): INodeType | IVersionedNodeType {
		return this.trigger;
	}

	getByNameAndVersion(): INodeType {
		return this.trigger;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/**
 * Polls here are not cut by the clock unless a test sets a Time Limit per Poll: a loaded machine
 * must not change what a test sees.
 */
function untimed(parameters: IDataObject): IDataObject {
	return { ...parameters, options: { timeLimitSeconds: 3600, ...((parameters.options ?? {}) as IDataObject) } };
}

/** Harnesses made in this process: each one is a workflow of its own, with its own id. */
let harnesses = 0;

export class PollHarness {
	readonly n8n: FakeN8n;
	readonly trigger = new FourSeeTrigger();
	/** What n8n has saved for the workflow (its static data), as JSON text. */
	saved = '{}';
	logs: string[] = [];
	private params: IDataObject;
	/** The workflow's time zone setting (n8n's default zone when unset). */
	private readonly timezone?: string;
	private workflow: Workflow;
	/** The workflow's id: n8n lets one poll per trigger (workflow and node) run at a time. */
	readonly workflowId = `wf-trigger-${++harnesses}`;
	private readonly additionalData: IWorkflowExecuteAdditionalData;

	/** The trigger's node version (1 unless a test says otherwise: 1.1 makes Requests per Poll Auto when unset). */
	private readonly typeVersion: number;

	constructor(options: { url: string; apiKey: string; parameters: IDataObject; timezone?: string; typeVersion?: number }) {
		this.typeVersion = options.typeVersion ?? 1;
		this.n8n = fakeN8n({ apiKey: options.apiKey, authUrl: options.url, baseUrl: options.url });
		// The fake n8n's execution data carries its credentials helper (the real credential).
		this.additionalData = (this.n8n.pollContext() as unknown as { additionalData: IWorkflowExecuteAdditionalData })
			.additionalData;
		this.params = untimed(options.parameters);
		this.timezone = options.timezone;
		this.workflow = this.buildWorkflow(JSON.parse(this.saved) as IDataObject);
	}

	get parameters(): IDataObject {
		return this.params;
	}

	/** Editing the node keeps the static data in memory, as saving a workflow in n8n does. */
	set parameters(parameters: IDataObject) {
		this.params = untimed(parameters);
		this.workflow = this.buildWorkflow(JSON.parse(JSON.stringify(this.workflow.staticData)) as IDataObject);
	}

	/** The node's static data as n8n holds it in memory now. */
	get stored(): string {
		return JSON.stringify(this.workflow.staticData[STATIC_KEY] ?? {});
	}

	/** n8n restarts: what was not saved is gone, the saved JSON is read back. */
	restart(): void {
		this.workflow = this.buildWorkflow(JSON.parse(this.saved) as IDataObject);
	}

	private buildWorkflow(staticData: IDataObject): Workflow {
		const node: INode = {
			id: 'trigger-1',
			name: NODE_NAME,
			type: TRIGGER_TYPE,
			typeVersion: this.typeVersion,
			position: [0, 0],
			parameters: this.params as INode['parameters'],
			credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: '4SEE account' } },
		};
		return new Workflow({
			id: this.workflowId,
			name: 'trigger test',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes: new TriggerNodeTypes(this.trigger),
			staticData,
			settings: { executionOrder: 'v1', ...(this.timezone !== undefined ? { timezone: this.timezone } : {}) },
		});
	}

	/**
	 * The context of the active trigger: n8n makes one when it activates the workflow, polls with
	 * it at once (the activation poll) and then on every tick, until n8n restarts or the workflow
	 * is saved again.
	 */
	private active?: { workflow: Workflow; context: IPollFunctions };

	/** n8n activates the workflow anew (a save, a re-activation): the next poll is an activation poll. */
	reactivate(): void {
		this.active = undefined;
	}

	private context(mode: 'trigger' | 'manual'): IPollFunctions {
		if (mode === 'trigger') {
			if (this.active?.workflow !== this.workflow) this.active = { workflow: this.workflow, context: this.newContext(mode) };
			return this.active.context;
		}
		return this.newContext(mode);
	}

	private newContext(mode: 'trigger' | 'manual'): IPollFunctions {
		const node = this.workflow.getNode(NODE_NAME) as INode;
		const context = new PollContext(this.workflow, node, this.additionalData, mode, 'activate');
		const logs = this.logs;
		const log = (level: string) => (message: string) => logs.push(`${level}: ${message}`);
		Object.defineProperty(context, 'logger', {
			value: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		});
		return context as unknown as IPollFunctions;
	}

	/** One poll. In 'trigger' mode a poll that emits saves the static data, as n8n's emit does. */
	async poll(mode: 'trigger' | 'manual' = 'trigger'): Promise<PollResult> {
		const before = this.stored;
		let output: INodeExecutionData[][] | null = null;
		let error: Error | undefined;
		try {
			output = await this.trigger.poll.call(this.context(mode));
		} catch (caught) {
			error = caught as Error;
		}
		const after = this.stored;
		if (mode === 'trigger' && output !== null) {
			this.saved = JSON.stringify(this.workflow.staticData);
			(this.workflow.staticData as IDataObject).__dataChanged = false;
		}
		return { items: output === null ? [] : output[0].map((item) => item.json), error, before, after };
	}

	/** Whether the last polls changed the static data in memory (n8n's own change flag). */
	get changed(): boolean {
		return (this.workflow.staticData as IDataObject).__dataChanged === true;
	}
}

/**
 * The trigger against a sandbox, watching the GPS positions of the given trailers (the user's
 * comma-separated list) from `startDate` on, with these options.
 */
export function gpsOfTrailers(
	sandbox: { url: string; apiKey: string },
	trailerIds: string,
	startDate: string,
	options: IDataObject = {},
): PollHarness {
	return new PollHarness({
		url: sandbox.url,
		apiKey: sandbox.apiKey,
		parameters: { event: 'gpsPosition', gpsScope: 'trailers', trailerIds, startFrom: 'date', startDate, options },
	});
}
