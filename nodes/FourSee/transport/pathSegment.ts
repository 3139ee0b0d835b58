import { NodeOperationError } from 'n8n-workflow';

import { readId } from '../helpers/values';
import type { Subject } from './errors';
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
	const read = readId(value);
	if ('id' in read) return encodeURIComponent(read.id);
	if (read.problem === 'notAnId') {
		throw new NodeOperationError(node, `${field} must be an ID, not ${kindOf(read.value)}`, {
			itemIndex,
			description: `Enter the ${field} ID as text, or pick it from the list.`,
		});
	}
	if (read.problem === 'empty') {
		throw new NodeOperationError(node, `${field} is empty`, {
			itemIndex,
			description: `Enter the ${field} ID, or pick it from the list.`,
		});
	}
	const shown = read.text.length > 60 ? `${read.text.slice(0, 57)}...` : read.text;
	throw new NodeOperationError(node, `${field} "${shown}" is not a valid 4SEE ID`, {
		itemIndex,
		description:
			'IDs consist of letters, digits and . _ : ~ - (at most 128 characters) and cannot contain "/", "\\", "..", spaces or other characters that would change the address. Pick the item from the list to be sure.',
	});
}

/** The parameter that names each kind of record, as the user sees it. */
const ID_FIELD: Record<Subject['kind'], string> = {
	fleet: 'Fleet',
	trailer: 'Trailer',
	device: 'Device',
	deliverSafe: 'DeliverSafe Unit',
};

export interface PathTarget {
	/** The id, checked and encoded: one path segment. */
	segment: string;
	/** The record as errors name it (the id as the user gave it). */
	subject: Subject;
}

/** The record an id parameter names: its path segment and its subject, checked as `pathSegment`. */
export function pathTarget(this: FourSeeContext, kind: Subject['kind'], value: unknown, itemIndex?: number): PathTarget {
	const segment = pathSegment.call(this, ID_FIELD[kind], value, itemIndex);
	return { segment, subject: { kind, id: decodeURIComponent(segment) } };
}

function kindOf(value: unknown): string {
	if (value === null) return 'null';
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'number') return `the number ${String(value)}`;
	return `a ${typeof value}`;
}
