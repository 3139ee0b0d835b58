/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/** Response helpers: JSON bodies and RFC 9457 problem documents. */
import { IncomingMessage, ServerResponse } from 'node:http';

export const PROBLEM_BASE = 'https://sandbox.4see.invalid/problems/';

const TITLES: Record<number, [string, string]> = {
	400: ['validation', 'Validation problem'],
	401: ['unauthorized', 'Unauthorized'],
	403: ['forbidden', 'Forbidden'],
	404: ['not-found', 'Not found'],
	405: ['method-not-allowed', 'Method not allowed'],
	413: ['payload-too-large', 'Payload too large'],
	429: ['too-many-requests', 'Too many requests'],
	500: ['server-error', 'Server problem'],
};

/** An error answered as a problem document. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly detail: string,
		readonly extra: { errors?: Record<string, string[]>; headers?: Record<string, string>; title?: string } = {},
	) {
		super(detail);
	}
}

export function problemBody(error: HttpError): Record<string, unknown> {
	const [slug, title] = TITLES[error.status] ?? ['error', 'Error'];
	const body: Record<string, unknown> = {
		type: PROBLEM_BASE + slug,
		title: error.extra.title ?? title,
		status: error.status,
		detail: error.detail,
	};
	if (error.extra.errors) body.errors = error.extra.errors;
	return body;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json') {
	if (res.headersSent || res.destroyed) return;
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'Content-Type': `${type}; charset=utf-8`,
		'Content-Length': Buffer.byteLength(text),
		'Cache-Control': 'no-store',
		...headers,
	});
	res.end(text);
}

export function sendProblem(res: ServerResponse, error: HttpError) {
	sendJson(res, error.status, problemBody(error), error.extra.headers ?? {}, 'application/problem+json');
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Reads a JSON request body; an empty body reads as {}. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES} bytes; send fewer records per request.`);
		chunks.push(chunk as Buffer);
	}
	const text = Buffer.concat(chunks).toString('utf8').trim();
	if (text === '') return {};
	try {
		return JSON.parse(text);
	} catch {
		throw new HttpError(400, 'The request body is not valid JSON.', { errors: { body: ['must be JSON'] } });
	}
}
