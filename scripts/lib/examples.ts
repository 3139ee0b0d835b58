/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The example workflows and the credential template in examples/, as `npm start` imports them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT } from './n8n';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; typeVersion: number; parameters: Record<string, unknown> }>;
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	data: { apiKey: string; authUrl: string; baseUrl: string };
}

/**
 * The prefix of our node types in a user's n8n, where the package is installed as a community
 * package (`n8n-nodes-4see.fourSee`, `.fourSeeTrigger`, `.fourSeeTool`): the examples are stored
 * this way, so that a user can import them directly.
 */
export const COMMUNITY_PREFIX = 'n8n-nodes-4see.';
/** The same nodes loaded through N8N_CUSTOM_EXTENSIONS, as `npm start` and the e2e suite do. */
export const CUSTOM_PREFIX = 'CUSTOM.';

/** Every examples/*.workflow.json as stored (community package type names), in file-name order. */
export function exampleWorkflows(): WorkflowJson[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.workflow.json'))
		.sort()
		.map((file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowJson);
}

/** A workflow with our node types renamed for an n8n that loads the package as a custom extension. */
export function forCustomExtension(workflow: WorkflowJson): WorkflowJson {
	return {
		...workflow,
		nodes: workflow.nodes.map((node) =>
			node.type.startsWith(COMMUNITY_PREFIX)
				? { ...node, type: CUSTOM_PREFIX + node.type.slice(COMMUNITY_PREFIX.length) }
				: node,
		),
	};
}

/** The examples as `npm start` and the e2e suite import them into their n8n (custom extension). */
export function devExampleWorkflows(): WorkflowJson[] {
	return exampleWorkflows().map(forCustomExtension);
}

/** The template a user fills in for a real 4SEE account (see the README's Credentials section). */
export function credentialTemplate(): CredentialJson {
	return JSON.parse(
		fs.readFileSync(path.join(EXAMPLES_DIR, 'credentials.template.json'), 'utf8'),
	) as CredentialJson;
}

/** The template pointed at the sandbox: one address serves both the auth and the Integration API. */
export function sandboxCredential(sandboxUrl: string, apiKey: string): CredentialJson {
	const template = credentialTemplate();
	return {
		...template,
		name: '4SEE sandbox',
		data: { ...template.data, apiKey, authUrl: sandboxUrl, baseUrl: sandboxUrl },
	};
}
