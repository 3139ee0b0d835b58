/**
 * Workflow JSON for the end-to-end tests, built the way the editor saves it. Each test workflow
 * starts with a production webhook whose answer is the last node's items, so one HTTP call is
 * one separate n8n execution and returns its output.
 */
import { createHash } from 'node:crypto';

import type { CredentialJson, WorkflowJson } from '../../scripts/lib/examples';

export const ACTION_NODE = 'CUSTOM.fourSee';
export const TRIGGER_NODE = 'CUSTOM.fourSeeTrigger';
export const TOOL_NODE = 'CUSTOM.fourSeeTool';
export const CREDENTIAL_TYPE = 'fourSeeApi';

/** A node before it is placed in a workflow (no id, no position yet). */
export interface NodeSpec {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	executeOnce?: boolean;
}

export interface NodeJson extends NodeSpec {
	id: string;
	position: [number, number];
}

/** n8n ids are 16 characters; derive stable ones from a readable name. */
export function workflowId(name: string): string {
	return createHash('sha256').update(name).digest('hex').slice(0, 16);
}

function uuidFrom(text: string): string {
	const hex = createHash('sha256').update(text).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function credentialRef(credential: CredentialJson): Record<string, { id: string; name: string }> {
	return { [CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } };
}

export function fourSeeNode(
	name: string,
	parameters: Record<string, unknown>,
	credential: CredentialJson,
	typeVersion = 1,
): NodeSpec {
	return { name, type: ACTION_NODE, typeVersion, parameters, credentials: credentialRef(credential) };
}

/** Webhook -> nodes in a chain; the webhook answers with every item of the last node. */
export function webhookWorkflow(
	name: string,
	webhookPath: string,
	chain: Array<NodeSpec>,
): WorkflowJson {
	const webhook: NodeJson = {
		id: uuidFrom(`${name}/webhook`),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: uuidFrom(`${name}/webhookId`),
		parameters: {
			httpMethod: 'POST',
			path: webhookPath,
			responseMode: 'lastNode',
			responseData: 'allEntries',
			options: {},
		},
	};
	const nodes: NodeJson[] = [webhook];
	chain.forEach((node, index) => {
		nodes.push({ ...node, id: uuidFrom(`${name}/${node.name}`), position: [240 * (index + 1), 0] });
	});
	return { id: workflowId(name), name, nodes, connections: chainConnections(nodes), settings: {}, active: false };
}

export function chainConnections(nodes: Array<{ name: string }>): Record<string, unknown> {
	const connections: Record<string, unknown> = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return connections;
}

/** n8n's Wait node for a few seconds (held in memory below n8n's 65 s threshold). */
export function waitNode(name: string, seconds: number): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		parameters: { resume: 'timeInterval', amount: seconds, unit: 'seconds' },
		webhookId: uuidFrom(`wait/${name}`),
	};
}

/** Keeps one item: lets a chain continue once after a node that returns many. */
export function limitNode(name: string, maxItems = 1): NodeSpec {
	return { name, type: 'n8n-nodes-base.limit', typeVersion: 1, parameters: { maxItems } };
}

/** n8n's HTTP Request node using our credential as a predefined credential type. */
export function httpRequestNode(
	name: string,
	url: string,
	credential: CredentialJson,
): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			url,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: {},
		},
		credentials: credentialRef(credential),
	};
}

/** POSTs every item it receives to a URL as JSON (one request per item). */
export function forwardNode(name: string, url: string): NodeSpec {
	return {
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options: {},
		},
	};
}
