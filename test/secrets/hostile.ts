/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A hostile 4SEE for the attack suite: several HTTP servers on loopback, each on its own port
 * and so its own origin (scheme, host, port), all answering through one script a test sets.
 * Every request any of them receives is recorded with its headers, so "the other host received
 * nothing" is an assertion about real sockets, not about mocks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
	/** Which server: 0, 1, 2, ... */
	server: number;
	method: string;
	url: string;
	headers: IncomingMessage['headers'];
	body: string;
}

export type Script = (request: Received, response: ServerResponse, hostile: Hostile) => void;

export class Hostile {
	readonly received: Received[] = [];
	script: Script = (_request, response) => {
		response.writeHead(404).end();
	};

	private constructor(
		private readonly servers: Server[],
		/** `http://127.0.0.1:<port>` of each server. */
		readonly origins: string[],
	) {}

	static async start(count: number): Promise<Hostile> {
		const servers: Server[] = [];
		const origins: string[] = [];
		let hostile: Hostile | undefined;
		for (let index = 0; index < count; index++) {
			const server = createServer((req, res) => {
				const chunks: Buffer[] = [];
				req.on('data', (chunk: Buffer) => chunks.push(chunk));
				req.on('end', () => {
					const request: Received = {
						server: index,
						method: req.method ?? '',
						url: req.url ?? '',
						headers: req.headers,
						body: Buffer.concat(chunks).toString('utf8'),
					};
					hostile?.received.push(request);
					try {
						hostile?.script(request, res, hostile);
					} catch (error) {
						res.writeHead(500).end(String(error));
					}
				});
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			servers.push(server);
			origins.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		}
		hostile = new Hostile(servers, origins);
		return hostile;
	}

	/** Requests server `index` received. */
	at(index: number): Received[] {
		return this.received.filter((r) => r.server === index);
	}

	reset(script: Script): void {
		this.received.length = 0;
		this.script = script;
	}

	async close(): Promise<void> {
		await Promise.all(
			this.servers.map(
				(server) =>
					new Promise<void>((resolve) => {
						server.closeAllConnections();
						server.close(() => resolve());
					}),
			),
		);
	}
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
