import { NodeOperationError } from 'n8n-workflow';

import { isObject, isValidId } from '../api';
import type { FourSeeContext } from './request';

/**
 * Makes an id safe to put into a path as exactly one segment. Validates it (api.ts `isValidId`:
 * no `/`, `\`, `..`, whitespace or control characters) and URL-encodes it, so an id such as
 * `../x` or `a/b` can never change the route. `field` is the parameter's display name, used in
 * the error. Accepts a whole number (ids from expressions are often numbers) and a resource
 * locator value (`{ __rl, value }`).
 */
export function pathSegment(
	this: FourSeeContext,
	field: string,
	value: unknown,
	itemIndex?: number,
): string {
	const node = this.getNode();
	let raw = value;
	if (isObject(raw) && '__rl' in raw) raw = raw.value;
	let text: string | undefined;
	if (typeof raw === 'string') text = raw.trim();
	else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) text = String(raw);
	if (text === undefined) {
		throw new NodeOperationError(node, `${field} must be an ID, not ${describe(raw)}`, {
			itemIndex,
			description: `Enter the ${field} ID as text, or pick it from the list.`,
		});
	}
	if (text === '') {
		throw new NodeOperationError(node, `${field} is empty`, {
			itemIndex,
			description: `Enter the ${field} ID, or pick it from the list.`,
		});
	}
	if (!isValidId(text)) {
		const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
		throw new NodeOperationError(node, `${field} "${shown}" is not a valid 4SEE ID`, {
			itemIndex,
			description:
				'IDs consist of letters, digits and . _ : ~ - (at most 128 characters) and cannot contain "/", "\\", "..", spaces or other characters that would change the address. Pick the item from the list to be sure.',
		});
	}
	return encodeURIComponent(text);
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'number') return `the number ${String(value)}`;
	return `a ${typeof value}`;
}
