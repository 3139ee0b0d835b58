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

/** Every examples/*.workflow.json, in file-name order. */
export function exampleWorkflows(): WorkflowJson[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.workflow.json'))
		.sort()
		.map((file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowJson);
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
