/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * A loopback HTTP proxy in front of the sandbox that tells which process sent each request.
 *
 * In queue mode one credential (one Auth URL) serves the main and every worker, so the sandbox
 * alone can count token requests only in total. The proxy finds the process behind each
 * connection from the kernel's socket table (/proc/net/tcp: the client end's inode, then the
 * process whose file descriptors hold it) and counts requests per n8n process. Linux only, which
 * is where the suite runs.
 */
import * as fs from 'node:fs';
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProcessCounts {
	/** Token requests (the API key exchanged for a JWT). */
	auth: number;
	/** Every request, token requests included. */
	requests: number;
	/** Answers 401 (a token the API no longer takes). */
	unauthorized: number;
}

const AUTH_PATH = '/api/v1/customers/authenticate';

export class ProcessProxy {
	private server?: Server;
	private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
	/** Process group id -> the name of the n8n process it is (kept after the process ends). */
	private readonly groups = new Map<number, string>();
	private readonly bySocket = new WeakMap<Socket, string>();
	readonly counts = new Map<string, ProcessCounts>();
	url = '';

	constructor(private readonly target: string) {}

	/** Names a process group (an n8n process started with a group of its own). */
	name(pgid: number | undefined, label: string): void {
		if (pgid) this.groups.set(pgid, label);
	}

	async start(): Promise<void> {
		this.server = createServer((req, res) => this.forward(req, res));
		this.server.on('connection', (socket: Socket) => {
			this.bySocket.set(socket, this.identify(socket));
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
	}

	/** Counts since the last snapshot are differences of two snapshots. */
	snapshot(): Map<string, ProcessCounts> {
		return new Map([...this.counts].map(([label, counts]) => [label, { ...counts }]));
	}

	/** What happened between two snapshots, per process (processes with no requests left out). */
	static since(before: Map<string, ProcessCounts>, after: Map<string, ProcessCounts>): Record<string, ProcessCounts> {
		const result: Record<string, ProcessCounts> = {};
		for (const [label, now] of after) {
			const then = before.get(label) ?? { auth: 0, requests: 0, unauthorized: 0 };
			const delta = { auth: now.auth - then.auth, requests: now.requests - then.requests, unauthorized: now.unauthorized - then.unauthorized };
			if (delta.requests > 0) result[label] = delta;
		}
		return result;
	}

	private count(label: string): ProcessCounts {
		let counts = this.counts.get(label);
		if (!counts) {
			counts = { auth: 0, requests: 0, unauthorized: 0 };
			this.counts.set(label, counts);
		}
		return counts;
	}

	private forward(req: IncomingMessage, res: ServerResponse): void {
		const label = this.bySocket.get(req.socket) ?? 'unknown';
		const counts = this.count(label);
		counts.requests++;
		if ((req.url ?? '').split('?')[0] === AUTH_PATH) counts.auth++;
		const upstream = httpRequest(
			`${this.target}${req.url ?? '/'}`,
			{ method: req.method, headers: { ...req.headers, host: new URL(this.target).host }, agent: this.agent },
			(answer) => {
				if (answer.statusCode === 401) counts.unauthorized++;
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', (error) => {
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ message: `proxy: ${error.message}` }));
		});
		req.pipe(upstream);
	}

	/** The named n8n process at the other end of an accepted connection, or 'other'. */
	private identify(socket: Socket): string {
		try {
			const inode = clientInode(socket.remotePort!, socket.localPort!);
			if (inode === undefined) return 'other';
			const pgid = groupOwning(inode, new Set(this.groups.keys()));
			return (pgid !== undefined && this.groups.get(pgid)) || 'other';
		} catch {
			return 'other';
		}
	}

	async close(): Promise<void> {
		this.agent.destroy();
		const server = this.server;
		if (!server) return;
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	}
}

/** The inode of the socket whose local port is `clientPort` and remote port `serverPort`. */
function clientInode(clientPort: number, serverPort: number): string | undefined {
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		if (!fs.existsSync(table)) continue;
		for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			if (fields.length < 10) continue;
			const local = parseInt(fields[1].split(':')[1], 16);
			const remote = parseInt(fields[2].split(':')[1], 16);
			if (local === clientPort && remote === serverPort) return fields[9];
		}
	}
	return undefined;
}

/** The process group (among `groups`) of the process holding a socket inode. */
function groupOwning(inode: string, groups: Set<number>): number | undefined {
	const wanted = `socket:[${inode}]`;
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let pgid: number | undefined;
		try {
			pgid = processGroup(Number(entry));
		} catch {
			continue;
		}
		if (pgid === undefined || !groups.has(pgid)) continue;
		let fds: string[];
		try {
			fds = fs.readdirSync(`/proc/${entry}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				if (fs.readlinkSync(`/proc/${entry}/fd/${fd}`) === wanted) return pgid;
			} catch {
				// closed meanwhile
			}
		}
	}
	return undefined;
}

function processGroup(pid: number): number | undefined {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const pgid = Number(fields[2]);
	return Number.isInteger(pgid) ? pgid : undefined;
}
