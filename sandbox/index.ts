/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The 4SEE sandbox: a local simulator of the 4SEE Auth and Integration APIs as
 * docs/api-contract.md describes them, for tests, benchmarks and a first try.
 *
 *   const sandbox = await startSandbox({ seed: 7 });
 *   // sandbox.url serves both the auth paths and the Integration API paths
 *   await sandbox.close();
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildState, DEMO_API_KEY, OTHER_CUSTOMER_API_KEY } from './server';
import { OTHER_CUSTOMER_ID, PRIMARY_CUSTOMER_ID } from './world';

export type { SandboxOptions, RateWindow, LiveConfig } from './options';
export type { Stats } from './server';
export type { FaultKind, Fault } from './faults';
export type { TelemetryKind } from './telemetry';
export { DEMO_API_KEY, OTHER_CUSTOMER_API_KEY, PRIMARY_CUSTOMER_ID, OTHER_CUSTOMER_ID };

import type { SandboxOptions } from './options';

export interface Sandbox {
	/** Base URL, e.g. http://127.0.0.1:4480: use it as both the auth and the Integration API URL. */
	url: string;
	port: number;
	/** The primary customer's current API key (changes when it is rotated, back on reset). */
	readonly apiKey: string;
	/** API key of another customer with its own fleets (fleet-901...), for 403 cases. */
	readonly otherCustomerApiKey: string;
	close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const state = buildState(options);
	const server = createServer((req, res) => void state.handle(req, res));
	server.keepAliveTimeout = 5_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	let closing: Promise<void> | undefined;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		get apiKey() {
			return state.apiKey(PRIMARY_CUSTOMER_ID);
		},
		get otherCustomerApiKey() {
			return state.apiKey(OTHER_CUSTOMER_ID);
		},
		close() {
			closing ??= new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return closing;
		},
	};
}
