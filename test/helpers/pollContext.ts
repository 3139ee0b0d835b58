/**
 * A poll context for the 4SEE Trigger, built on the credential engineer's fake n8n
 * (`fakeN8n`): HTTP goes through n8n-core's real `httpRequestWithAuthentication` with the REAL
 * credential (token exchange, cached token, refresh after a 401). What a poll adds is ours,
 * modelled on n8n's PollContext: the node's parameters (with the description's defaults), the
 * mode ('trigger' for an active workflow, 'manual' for "Fetch Test Event"), the node's static
 * data, and a logger whose lines the tests can read.
 *
 * Between polls the static data goes through JSON, as it does when n8n stores it and a restart
 * reads it back.
 */
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeProperties,
	IPollFunctions,
} from 'n8n-workflow';

import { FourSeeTrigger } from '../../nodes/FourSee/FourSeeTrigger.node';
import { CREDENTIAL_TYPE, fakeN8n, type FakeN8n } from './context';

export interface PollResult {
	items: IDataObject[];
	/** The error the poll threw, if it did. */
	error?: Error;
	/** Static data before and after this poll, as JSON text. */
	before: string;
	after: string;
}

export class PollHarness {
	readonly n8n: FakeN8n;
	readonly trigger = new FourSeeTrigger();
	/** What n8n has stored for this node, as text: every poll starts from a parse of it. */
	stored = '{}';
	logs: string[] = [];
	parameters: IDataObject;

	constructor(options: { url: string; apiKey: string; parameters: IDataObject }) {
		this.n8n = fakeN8n({ apiKey: options.apiKey, authUrl: options.url, baseUrl: options.url });
		this.parameters = options.parameters;
	}

	context(mode: 'trigger' | 'manual', staticData: IDataObject): IPollFunctions {
		const base = this.n8n.pollContext();
		const node: INode = {
			id: 'trigger-1',
			name: '4SEE Trigger',
			type: 'n8n-nodes-4see.fourSeeTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: this.parameters as INode['parameters'],
			credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: '4SEE account' } },
		};
		const properties = this.trigger.description.properties;
		const parameters = this.parameters;
		const logs = this.logs;
		const log = (level: string) => (message: string) => logs.push(`${level}: ${message}`);
		const context = {
			getNode: () => node,
			getMode: () => mode,
			getActivationMode: () => 'activate',
			getNodeParameter(name: string, fallback?: unknown) {
				if (name in parameters) return parameters[name];
				if (fallback !== undefined) return fallback;
				const property = properties.find((p: INodeProperties) => p.name === name);
				if (property === undefined) throw new Error(`no parameter ${name}`);
				return property.default;
			},
			getWorkflowStaticData: () => staticData,
			getCredentials: base.getCredentials.bind(base),
			logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
			// n8n-core's own helpers; the credential's preAuthentication uses their httpRequest.
			helpers: base.helpers,
		};
		return context as unknown as IPollFunctions;
	}

	/** One poll as n8n runs it in an active workflow; the static data is kept only as JSON text. */
	async poll(mode: 'trigger' | 'manual' = 'trigger'): Promise<PollResult> {
		const before = this.stored;
		const staticData = JSON.parse(before) as IDataObject;
		let output: INodeExecutionData[][] | null = null;
		let error: Error | undefined;
		try {
			output = await this.trigger.poll.call(this.context(mode, staticData));
		} catch (caught) {
			error = caught as Error;
		}
		// n8n saves the static data the poll left (whether it threw or not).
		this.stored = JSON.stringify(staticData);
		return { items: output === null ? [] : output[0].map((item) => item.json), error, before, after: this.stored };
	}
}
