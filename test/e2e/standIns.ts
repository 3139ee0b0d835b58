/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Loopback stand-ins for the services the example workflows talk to, so the e2e suite runs every
 * example as a user imports it, with n8n's own Slack, Google Sheets, Send Email and OpenAI nodes:
 *
 * - Slack Web API `chat.postMessage` and the Google Sheets v4 calls n8n's Sheets node makes for
 *   "Append or Update Row", reached through standInPreload.js (those nodes have fixed https hosts);
 * - an OpenAI-compatible `/v1/chat/completions` (the OpenAI credential has a Base URL) that first
 *   asks for a tool call and then answers, recording what the agent sent it;
 * - an SMTP server for Send Email (its credential names host and port).
 *
 * Each records what it received; the tests compare that with the sandbox's data.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import * as path from 'node:path';

import type { CredentialJson } from '../../scripts/lib/examples';

type Json = Record<string, unknown>;

export const PRELOAD = path.join(__dirname, 'standInPreload.js');

export interface SlackMessage {
	channel: string;
	text: string;
}

export interface Email {
	from: string;
	to: string[];
	subject: string;
	body: string;
}

/** One Google sheet: a grid of rows, as the Sheets API holds it. */
export class StandInSheet {
	rows: unknown[][] = [];
	constructor(
		readonly spreadsheetId: string,
		readonly title: string,
		readonly sheetId = 0,
	) {}

	/** The rows as objects keyed by the header row. */
	records(): Json[] {
		const [header, ...data] = this.rows;
		return data
			.filter((row) => row.some((cell) => cell !== '' && cell !== null && cell !== undefined))
			.map((row) => Object.fromEntries((header ?? []).map((name, i) => [String(name), row[i] ?? ''])));
	}
}

/** A1 notation: sheet name, first row and column (1-based), last row and column if bounded. */
interface Range {
	sheet: string;
	startRow: number;
	startColumn: number;
	endRow?: number;
	endColumn?: number;
}

function columnNumber(letters: string): number {
	return [...letters.toUpperCase()].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
}

export function parseA1(text: string): Range {
	const decoded = decodeURIComponent(text);
	const bang = decoded.lastIndexOf('!');
	const sheet = (bang === -1 ? decoded : decoded.slice(0, bang)).replace(/^'(.*)'$/, '$1');
	const cells = bang === -1 ? '' : decoded.slice(bang + 1);
	const range: Range = { sheet, startRow: 1, startColumn: 1 };
	if (cells === '') return range;
	const [from, to] = cells.split(':');
	const corner = (part: string) => {
		const match = /^([A-Za-z]*)(\d*)$/.exec(part ?? '');
		if (!match) throw new Error(`stand-in: cannot read range ${text}`);
		return { column: match[1] ? columnNumber(match[1]) : undefined, row: match[2] ? Number(match[2]) : undefined };
	};
	const start = corner(from);
	const end = to === undefined ? start : corner(to);
	range.startRow = start.row ?? 1;
	range.startColumn = start.column ?? 1;
	range.endRow = end.row;
	range.endColumn = end.column;
	return range;
}

async function body(req: IncomingMessage): Promise<string> {
	let text = '';
	for await (const chunk of req) text += (chunk as Buffer).toString();
	return text;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(payload));
}

/** What the chat model stand-in answers: a tool call, or the final text. */
export type ChatTurn = { toolCall: { name: RegExp; arguments: Json } } | { content: string };

export class StandIns {
	readonly slack: SlackMessage[] = [];
	readonly emails: Email[] = [];
	readonly sheets = new Map<string, StandInSheet>();
	/** Every request body the chat model received, in order. */
	readonly chatRequests: Json[] = [];
	/** Decides each chat answer from the request; by default, the final text "done". */
	chatScript: (request: Json) => ChatTurn = () => ({ content: 'done' });
	/** Requests nobody here understood: a test expects this to stay empty. */
	readonly unexpected: string[] = [];
	url = '';
	smtpPort = 0;
	private http?: Server;
	private smtp?: TcpServer;
	private readonly sockets = new Set<Socket>();

	addSheet(spreadsheetId: string, title: string): StandInSheet {
		const sheet = new StandInSheet(spreadsheetId, title);
		this.sheets.set(spreadsheetId, sheet);
		return sheet;
	}

	async start(): Promise<void> {
		this.http = createHttpServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				this.unexpected.push(`${req.method} ${req.url}: ${error.message}`);
				send(res, 500, { error: error.message });
			});
		});
		await new Promise<void>((resolve) => this.http!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
		this.smtp = createTcpServer((socket) => this.smtpSession(socket));
		await new Promise<void>((resolve) => this.smtp!.listen(0, '127.0.0.1', resolve));
		this.smtpPort = (this.smtp.address() as AddressInfo).port;
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await Promise.all(
			[this.http, this.smtp].map(
				(server) =>
					new Promise<void>((resolve) => {
						if (!server) return resolve();
						server.close(() => resolve());
						(server as Server).closeAllConnections?.();
					}),
			),
		);
	}

	/** Environment for the n8n processes: route Slack and Google here (see standInPreload.js). */
	n8nEnv(): Record<string, string> {
		const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
		return { NODE_OPTIONS: `${inherited}--require ${PRELOAD}`, FOURSEE_E2E_STAND_IN: this.url };
	}

	/** The credentials the examples' other nodes use, pointed here. */
	credentials(): CredentialJson[] {
		return [
			{ id: 'StandInSlack0001', name: 'Slack (stand-in)', type: 'slackApi', data: { accessToken: 'xoxb-stand-in' } },
			{
				id: 'StandInSmtp00001',
				name: 'SMTP (stand-in)',
				type: 'smtp',
				data: { user: '', password: '', host: '127.0.0.1', port: this.smtpPort, secure: false, disableStartTls: true },
			},
			{
				id: 'StandInSheets001',
				name: 'Google Sheets (stand-in)',
				type: 'googleSheetsOAuth2Api',
				data: {
					clientId: 'stand-in',
					clientSecret: 'stand-in',
					oauthTokenData: { access_token: 'ya29.stand-in', token_type: 'Bearer', refresh_token: 'stand-in', expires_in: 3599 },
				},
			},
			{ id: 'StandInOpenAi001', name: 'OpenAI (stand-in)', type: 'openAiApi', data: { apiKey: 'sk-stand-in', url: `${this.url}/v1` } },
		] as unknown as CredentialJson[];
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const host = String(req.headers['x-stand-in-for'] ?? '');
		const url = new URL(req.url ?? '/', 'http://stand-in');
		const text = await body(req);
		if (host === 'slack.com' && url.pathname === '/api/chat.postMessage') {
			const message = parseForm(text, req.headers['content-type']);
			this.slack.push({ channel: String(message.channel), text: String(message.text) });
			return send(res, 200, { ok: true, channel: 'C0FLEETALERT', ts: `${Date.now() / 1000}`, message: { type: 'message', text: message.text } });
		}
		if (host === 'sheets.googleapis.com') return this.sheetsApi(req.method ?? 'GET', url, text, res);
		if (host === '' && req.method === 'POST' && url.pathname === '/v1/chat/completions') return this.chat(JSON.parse(text) as Json, res);
		this.unexpected.push(`${req.method} ${host}${url.pathname}`);
		send(res, 404, { error: 'not part of the stand-in' });
	}

	private sheetsApi(method: string, url: URL, text: string, res: ServerResponse): void {
		const match = /^\/v4\/spreadsheets\/([^/:]+)(.*)$/.exec(url.pathname);
		const sheet = match ? this.sheets.get(decodeURIComponent(match[1])) : undefined;
		if (!match || !sheet) return send(res, 404, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
		const rest = match[2];
		const payload = text === '' ? {} : (JSON.parse(text) as Json);
		if (method === 'GET' && rest === '') {
			return send(res, 200, {
				spreadsheetId: sheet.spreadsheetId,
				properties: { title: 'Trailer positions' },
				sheets: [
					{ properties: { sheetId: sheet.sheetId, title: sheet.title, index: 0, sheetType: 'GRID', gridProperties: { rowCount: 1000, columnCount: 26 } } },
				],
			});
		}
		if (method === 'POST' && rest === ':batchUpdate') return send(res, 200, { spreadsheetId: sheet.spreadsheetId, replies: [] });
		if (method === 'POST' && rest === '/values:batchUpdate') {
			for (const entry of (payload.data ?? []) as Array<{ range: string; values: unknown[][] }>) this.write(sheet, parseA1(entry.range), entry.values);
			return send(res, 200, { spreadsheetId: sheet.spreadsheetId });
		}
		// A1 ranges contain colons themselves (`Trailers!1:1`); only a trailing `:append` is a verb.
		const values = /^\/values\/(.+?)(:append)?$/.exec(rest);
		if (values) {
			const range = parseA1(values[1]);
			if (range.sheet !== sheet.title) return send(res, 400, { error: { code: 400, message: `Unable to parse range: ${values[1]}` } });
			if (method === 'GET') return send(res, 200, { range: values[1], majorDimension: 'ROWS', values: this.read(sheet, range) });
			const rows = (payload.values ?? []) as unknown[][];
			if (method === 'PUT') {
				this.write(sheet, range, rows);
				return send(res, 200, { spreadsheetId: sheet.spreadsheetId, updatedRows: rows.length });
			}
			if (method === 'POST' && values[2]) {
				const last = sheet.rows.reduce<number>((n, row, i) => (row.some((cell) => cell !== '' && cell !== null) ? i + 1 : n), 0);
				this.write(sheet, { ...range, startRow: last + 1 }, rows);
				return send(res, 200, { spreadsheetId: sheet.spreadsheetId, updates: { updatedRows: rows.length } });
			}
		}
		this.unexpected.push(`${method} sheets ${url.pathname}`);
		send(res, 400, { error: { code: 400, message: 'not part of the stand-in' } });
	}

	private read(sheet: StandInSheet, range: Range): unknown[][] {
		const lastRow = range.endRow ?? sheet.rows.length;
		const out: unknown[][] = [];
		for (let r = range.startRow; r <= Math.min(lastRow, sheet.rows.length); r++) {
			const row = sheet.rows[r - 1] ?? [];
			const slice = row.slice(range.startColumn - 1, range.endColumn ?? row.length);
			while (slice.length > 0 && (slice[slice.length - 1] === '' || slice[slice.length - 1] === null)) slice.pop();
			out.push(slice);
		}
		while (out.length > 0 && out[out.length - 1].length === 0) out.pop();
		return out;
	}

	private write(sheet: StandInSheet, range: Range, rows: unknown[][]): void {
		rows.forEach((values, i) => {
			const index = range.startRow - 1 + i;
			while (sheet.rows.length <= index) sheet.rows.push([]);
			const row = sheet.rows[index];
			values.forEach((value, j) => {
				if (value === null) return;
				const column = range.startColumn - 1 + j;
				while (row.length < column) row.push('');
				row[column] = value;
			});
		});
	}

	private chat(request: Json, res: ServerResponse): void {
		this.chatRequests.push(request);
		const turn = this.chatScript(request);
		const id = `chatcmpl-${this.chatRequests.length}`;
		const created = Math.floor(Date.now() / 1000);
		const model = String(request.model ?? 'gpt-4o-mini');
		let message: Json;
		let finish: string;
		if ('toolCall' in turn) {
			const tools = ((request.tools ?? []) as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
			const name = tools.find((candidate) => turn.toolCall.name.test(candidate));
			if (name === undefined) throw new Error(`no tool matching ${turn.toolCall.name} among ${tools.join(', ')}`);
			message = {
				role: 'assistant',
				content: null,
				tool_calls: [{ id: `call_${this.chatRequests.length}`, type: 'function', function: { name, arguments: JSON.stringify(turn.toolCall.arguments) } }],
			};
			finish = 'tool_calls';
		} else {
			message = { role: 'assistant', content: turn.content };
			finish = 'stop';
		}
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		if (request.stream === true) {
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			const chunk = (delta: Json, finishReason: string | null) =>
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
			const delta: Json = { ...message };
			if (Array.isArray(message.tool_calls)) delta.tool_calls = (message.tool_calls as Json[]).map((call, index) => ({ index, ...call }));
			res.write(chunk(delta, null));
			res.write(chunk({}, finish));
			res.end('data: [DONE]\n\n');
			return;
		}
		send(res, 200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage });
	}

	private smtpSession(socket: Socket): void {
		this.sockets.add(socket);
		socket.on('close', () => this.sockets.delete(socket));
		socket.on('error', () => undefined);
		let buffer = '';
		let data: string | undefined;
		let from = '';
		let to: string[] = [];
		const reply = (line: string) => socket.write(`${line}\r\n`);
		reply('220 stand-in ESMTP');
		socket.on('data', (chunk: Buffer) => {
			buffer += chunk.toString('utf8');
			for (;;) {
				if (data !== undefined) {
					const end = buffer.indexOf('\r\n.\r\n');
					if (end === -1) return;
					data += buffer.slice(0, end);
					buffer = buffer.slice(end + 5);
					this.emails.push(parseEmail(from, to, data));
					data = undefined;
					reply('250 OK: queued');
					continue;
				}
				const newline = buffer.indexOf('\r\n');
				if (newline === -1) return;
				const line = buffer.slice(0, newline);
				buffer = buffer.slice(newline + 2);
				const verb = line.slice(0, 4).toUpperCase();
				if (verb === 'EHLO' || verb === 'HELO') reply('250-stand-in\r\n250 8BITMIME');
				else if (verb === 'MAIL') {
					from = /<([^>]*)>/.exec(line)?.[1] ?? '';
					to = [];
					reply('250 OK');
				} else if (verb === 'RCPT') {
					to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
					reply('250 OK');
				} else if (verb === 'DATA') {
					data = '';
					reply('354 End data with <CR><LF>.<CR><LF>');
				} else if (verb === 'QUIT') {
					reply('221 Bye');
					socket.end();
				} else if (verb === 'RSET' || verb === 'NOOP') reply('250 OK');
				else reply('502 Not implemented');
			}
		});
	}
}

function parseForm(text: string, contentType: string | string[] | undefined): Json {
	if (String(contentType ?? '').includes('json')) return JSON.parse(text) as Json;
	return Object.fromEntries(new URLSearchParams(text));
}

/** Headers and the (quoted-printable or plain) text body of a simple text email. */
function parseEmail(from: string, to: string[], raw: string): Email {
	const unfolded = raw.replace(/\r\n[ \t]+/g, ' ');
	const split = unfolded.indexOf('\r\n\r\n');
	const headers = split === -1 ? unfolded : unfolded.slice(0, split);
	let text = split === -1 ? '' : unfolded.slice(split + 4);
	const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers)?.[1] ?? '';
	if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
		text = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
	}
	return { from, to, subject: decodeMimeWords(header('Subject')), body: text.replace(/\r\n/g, '\n').replace(/^\.\./gm, '.') };
}

function decodeMimeWords(text: string): string {
	return text.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind: string, value: string) =>
		kind.toLowerCase() === 'b'
			? Buffer.from(value, 'base64').toString('utf8')
			: value.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
	);
}

/** Which stand-in credential each of n8n's own nodes in the examples uses (as a user would pick it). */
const STAND_IN_CREDENTIAL: Record<string, { type: string; id: string; name: string }> = {
	'n8n-nodes-base.slack': { type: 'slackApi', id: 'StandInSlack0001', name: 'Slack (stand-in)' },
	'n8n-nodes-base.emailSend': { type: 'smtp', id: 'StandInSmtp00001', name: 'SMTP (stand-in)' },
	'n8n-nodes-base.googleSheets': { type: 'googleSheetsOAuth2Api', id: 'StandInSheets001', name: 'Google Sheets (stand-in)' },
	'@n8n/n8n-nodes-langchain.lmChatOpenAi': { type: 'openAiApi', id: 'StandInOpenAi001', name: 'OpenAI (stand-in)' },
};

/**
 * The example as a user has it after choosing a credential in each of n8n's own nodes (the
 * examples ship without those, each user has their own); nothing else changes.
 */
export function withStandInCredentials<W extends { nodes: Array<{ type: string; credentials?: unknown }> }>(workflow: W): W {
	return {
		...workflow,
		nodes: workflow.nodes.map((node) => {
			const credential = STAND_IN_CREDENTIAL[node.type];
			if (credential === undefined) return node;
			return { ...node, credentials: { [credential.type]: { id: credential.id, name: credential.name } } };
		}),
	};
}
