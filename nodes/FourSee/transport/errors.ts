import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { parseProblem, type Problem } from '../api';
import { MAX_QUOTED, redact } from './redact';
import { describeRedirect } from './redirect';
import type { RetryPolicy } from './retry';

/** What a path points at, for messages like "trailer X not found". */
export interface Subject {
	kind: 'fleet' | 'trailer' | 'device' | 'deliverSafe';
	id: string;
}

const SUBJECT_NOUN: Record<Subject['kind'], string> = {
	fleet: 'fleet',
	trailer: 'trailer',
	device: 'device',
	deliverSafe: 'DeliverSafe unit',
};

export type Failure =
	| { kind: 'http'; status: number; headers: unknown; body: unknown }
	/** A 3xx: never followed, see redirect.ts. `url` is the address that answered it. */
	| { kind: 'redirect'; status: number; location: unknown; url: string }
	| { kind: 'network'; code?: string; timedOut: boolean; transient: boolean; garbled?: boolean }
	| { kind: 'auth'; code: string; message: string; description?: string }
	| { kind: 'aborted' }
	| { kind: 'unknown'; message: string; original: unknown };

export interface FailureContext {
	node: INode;
	options: { method: string; path: string; itemIndex?: number; subject?: Subject; service?: 'integration' | 'auth' };
	baseUrl: string;
	attempts: number;
	waitedMs: number;
	timeoutMs: number;
	policy: Required<RetryPolicy>;
	/** The server's Retry-After when it exceeded the remaining wait budget. */
	askedMs?: number;
}

/**
 * Turns a failure into the NodeApiError a user reads. Built from a plain object we assemble
 * (status, problem fields), never from the request or the library's error, so neither the token
 * nor the key can end up in the error n8n stores and shows.
 */
/** Errors of requests that got no answer from 4SEE for reasons of n8n's own (see notFromApi). */
const outsideApi = new WeakSet<object>();

/**
 * Whether an error of apiRequest is not about 4SEE at all: the request was cancelled, or n8n
 * failed before or around sending it (its database, its expression engine, the credential).
 */
export function notFromApi(error: unknown): boolean {
	return typeof error === 'object' && error !== null && outsideApi.has(error);
}

export function apiError(failure: Failure, context: FailureContext): NodeApiError {
	const described = describeFailure(failure, context);
	// Messages quote servers and ids: the last line of defence before n8n stores and shows them.
	const message = redact(described.message, 2 * MAX_QUOTED);
	const description = redact(described.description, 4 * MAX_QUOTED);
	const { httpCode } = described;
	const error = new NodeApiError(
		context.node,
		{ message, description, httpCode: httpCode ?? null } as JsonObject,
		{ message, description, httpCode, itemIndex: context.options.itemIndex },
	);
	// NodeApiError swaps messages that merely contain words like "EPERM" for generic texts; an
	// id in our message could trip that, so the message we chose is set again.
	error.message = message;
	error.description = description;
	if (failure.kind === 'unknown' || failure.kind === 'aborted') outsideApi.add(error);
	return error;
}

function describeFailure(
	failure: Failure,
	context: FailureContext,
): { message: string; description: string; httpCode?: string } {
	const { options } = context;
	const subject = options.subject;
	const noun = subject ? SUBJECT_NOUN[subject.kind] : undefined;
	const retried =
		context.attempts > 1
			? ` (tried ${context.attempts} times over ${seconds(context.waitedMs)})`
			: '';

	if (failure.kind === 'aborted') {
		return { message: 'The request to 4SEE was cancelled', description: 'The execution was stopped.' };
	}
	if (failure.kind === 'unknown') {
		return {
			message: `The request to 4SEE failed: ${redact(failure.message)}`,
			description: 'This is not an answer from 4SEE; check the node and its credential.',
		};
	}
	if (failure.kind === 'auth') {
		const httpCode =
			failure.code === 'FOURSEE_AUTH_KEY_REJECTED'
				? '401'
				: failure.code === 'FOURSEE_AUTH_RATE_LIMITED'
					? '429'
					: undefined;
		return {
			message: failure.message,
			description: failure.description ?? 'Check the 4SEE API credential.',
			httpCode,
		};
	}
	if (failure.kind === 'redirect') {
		const label = options.service === 'auth' ? 'Auth URL' : 'Integration API URL';
		return { ...describeRedirect(failure.status, failure.location, failure.url, label), httpCode: String(failure.status) };
	}
	if (failure.kind === 'network') {
		const host = hostOf(context.baseUrl);
		const retry = options.method === 'GET' ? retried : ' (not retried: a write might have been applied)';
		if (failure.garbled) {
			return {
				message: `4SEE sent an incomplete or unreadable answer${retry}`,
				description: `The Integration API at ${host} answered with JSON that was cut off or malformed. This is usually a passing network or server problem: run the workflow again later.`,
			};
		}
		if (failure.timedOut) {
			return {
				message: `4SEE did not answer within ${seconds(context.timeoutMs)}${retry}`,
				description: `The Integration API at ${host} is slow or unreachable. Try again later, or lower the page size so each answer is smaller.`,
			};
		}
		return {
			message: `Could not reach the 4SEE Integration API at ${host}${retry}`,
			description: `${failure.code ? `Network error ${failure.code}. ` : ''}Check the Integration API URL in the 4SEE API credential and that this n8n can reach that host.`,
		};
	}

	const status = failure.status;
	const problem = parseProblem(failure.body);
	const quoted = problem?.detail ?? problem?.title;
	const detail = quoted === undefined ? undefined : redact(quoted);
	const said = detail !== undefined ? ` 4SEE said: ${detail}` : '';
	const httpCode = String(status);

	if (status === 400) {
		return {
			message: `4SEE rejected the request as invalid${detail !== undefined ? `: ${detail}` : ''}`,
			description: fieldErrors(problem) ?? 'Check the values of this node’s parameters.',
			httpCode,
		};
	}
	if (status === 401) {
		return {
			message: '4SEE did not accept the session token, even after logging in again',
			description: `The API key logs in, but the Integration API at ${hostOf(context.baseUrl)} refuses its token. Check that the Integration API URL in the 4SEE API credential is the one Grote gave you for this key.${said}`,
			httpCode,
		};
	}
	if (status === 403) {
		return {
			message: subject
				? `This ${noun} (${subject.id}) is not visible to your API key`
				: 'Your 4SEE API key is not allowed to do this',
			description: `4SEE refused access (403).${said} Pick an item from the list to see what your key can reach, or ask your Grote representative to extend the key's permissions.`,
			httpCode,
		};
	}
	if (status === 404) {
		return {
			message: subject ? `${capitalise(noun as string)} ${subject.id} not found` : `Not found: ${options.path}`,
			description: `4SEE has nothing at this address (404).${said} Check the ID, or pick it from the list.`,
			httpCode,
		};
	}
	if (status === 429) {
		const wait = context.policy.maxWaitMs;
		const asked =
			context.askedMs !== undefined
				? ` 4SEE asked to wait ${seconds(context.askedMs)}, longer than the remaining wait allowed (${seconds(Math.max(0, wait - context.waitedMs))}).`
				: '';
		return {
			message: `4SEE rate limit reached: your plan's request limit was hit${retried}`,
			description: `The 4SEE API answered 429 Too Many Requests.${asked} To get through, raise the retry settings (more attempts or a longer maximum wait, now ${context.policy.maxAttempts} attempts and ${seconds(wait)}), lower the page size, or run fewer workflows with this API key at the same time.`,
			httpCode,
		};
	}
	if (status >= 500) {
		const retry = options.method === 'GET' ? retried : ' (not retried: a write might have been applied)';
		return {
			message: `4SEE had a problem answering (HTTP ${status})${retry}`,
			description: `The error is on 4SEE's side.${said} Try again later.`,
			httpCode,
		};
	}
	return {
		message: `4SEE refused the request (HTTP ${status})${detail !== undefined ? `: ${detail}` : ''}`,
		description: fieldErrors(problem) ?? 'Check this node’s parameters.',
		httpCode,
	};
}

/** "take: must be between 1 and 500; next: unknown token" from a problem's `errors`. */
export function fieldErrors(problem: Problem | undefined): string | undefined {
	if (problem?.errors === undefined) return undefined;
	const lines = Object.entries(problem.errors).map(
		([field, messages]) => `${field}: ${messages.join(', ')}`,
	);
	return lines.length > 0 ? redact(`Fields with problems: ${lines.join('; ')}`) : undefined;
}

/** "150 ms", "2.5 s", "3600 s": readable at every scale a wait or timeout can have. */
function seconds(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const value = ms / 1000;
	if (value < 60) return `${Math.round(value * 10) / 10} s`;
	return `${Math.round(value)} s`;
}

export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
