/**
 * Page-size adaptation. The largest `take` 4SEE accepts is not documented (the seed only says to
 * use it conservatively), so the node asks for the user's page size and, when 4SEE refuses it,
 * learns the limit from the refusal instead of failing: the size the answer names, or half.
 * What was learned is kept per Integration API URL for the life of this process, so only the
 * first request against a smaller limit pays for the refusal.
 */
import { isObject, PAGING, parseProblem } from '../api';

/** Largest `take` each Integration API (by base URL) accepted after refusing a larger one. */
const learned = new Map<string, number>();

/** The page size to send to `baseUrl`: the one asked for, capped by what it is known to accept. */
export function allowedTake(baseUrl: string, take: number): number {
	const limit = learned.get(baseUrl);
	return limit === undefined ? take : Math.min(take, limit);
}

/** Remembers that `baseUrl` refuses page sizes above `take`. */
export function learnTake(baseUrl: string, take: number): boolean {
	const known = learned.get(baseUrl);
	learned.set(baseUrl, known === undefined ? take : Math.min(known, take));
	// Requests sent at once before the first refusal came back are each refused too: only the
	// first that teaches something new is news for the log.
	return known === undefined || take < known;
}

/** What this process has learned (for tests, which start each case from a clean slate). */
export function learnedTakes(): ReadonlyMap<string, number> {
	return learned;
}

export function forgetLearnedTakes(): void {
	learned.clear();
}

const TAKE_WORD = new RegExp(`\\b${PAGING.takeParam}\\b`, 'i');

/** The texts of a 400's body that may name `take`: the field's messages, else all of it. */
function refusalTexts(body: unknown): string[] | undefined {
	const problem = parseProblem(body);
	const fieldMessages = Object.entries(problem?.errors ?? {})
		.filter(([field]) => TAKE_WORD.test(field))
		.flatMap(([field, messages]) => [field, ...messages]);
	if (fieldMessages.length > 0) return fieldMessages;
	let text: string;
	if (typeof body === 'string') text = body;
	else if (isObject(body) || Array.isArray(body)) text = JSON.stringify(body);
	else return undefined;
	return TAKE_WORD.test(text) ? [text] : undefined;
}

/**
 * The smaller page size to try after a 400 whose body names `take` (in any wording): the
 * largest whole number the refusal mentions that is below the size sent (a limit like "1 to
 * 100" or "at most 100"), else half the size sent. Undefined when the answer is not about
 * `take` or the size cannot get smaller.
 */
export function smallerTake(body: unknown, sent: number): number | undefined {
	if (!Number.isInteger(sent) || sent <= PAGING.minTake) return undefined;
	const texts = refusalTexts(body);
	if (texts === undefined) return undefined;
	const named = texts
		.flatMap((text) => text.match(/\d{1,9}/g) ?? [])
		.map(Number)
		.filter((n) => n >= PAGING.minTake && n < sent);
	if (named.length > 0) return Math.max(...named);
	return Math.max(PAGING.minTake, Math.floor(sent / 2));
}
