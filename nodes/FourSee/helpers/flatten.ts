import type { IDataObject } from 'n8n-workflow';

import { setOwn } from './maps';

/**
 * Flattens nested objects and arrays into dot-separated columns (`location.lat`,
 * `faultCodes.0`) so a record fits one spreadsheet row. Lossless: every leaf keeps its value
 * and its path; empty objects and arrays are kept as they are so no field silently disappears.
 */
export function flattenRecord(record: IDataObject, separator = '.'): IDataObject {
	const out: IDataObject = {};
	const walk = (value: unknown, prefix: string) => {
		if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
			const entries = Array.isArray(value)
				? value.map((v, i) => [String(i), v] as const)
				: Object.entries(value as IDataObject);
			if (entries.length === 0) {
				setOwn(out, prefix, value);
				return;
			}
			for (const [key, child] of entries) walk(child, prefix === '' ? key : `${prefix}${separator}${key}`);
			return;
		}
		setOwn(out, prefix, value);
	};
	for (const [key, value] of Object.entries(record)) walk(value, key);
	return out;
}
