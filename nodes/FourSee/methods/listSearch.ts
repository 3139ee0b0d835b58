/**
 * List searches behind the resource locators' "From List" mode: fleets, trailers of the chosen
 * fleet, devices of the chosen trailer, DeliverSafe units. Each call reads a few API pages
 * (through the transport, so rate limits and token refresh apply), keeps the records whose id
 * or name contains the typed text, and hands the API's `next` token back to the editor as the
 * pagination token, so scrolling continues where the search stopped.
 */
import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isObject, PAGING, parsePage, paths, RECORD_FIELDS, RECORD_ID_FIELD, recordId } from '../api';
import { LOCATOR } from '../descriptions/resourceLocators';
import { apiRequest, pathTarget, type PathTarget, type Subject } from '../transport';

/** Records asked for per API page while searching. */
export const SEARCH_PAGE_SIZE = 100;
/** API pages read per call at most, so a search that matches little still answers quickly. */
export const SEARCH_MAX_PAGES = 5;
/** A call stops reading pages once it has this many matches; the editor asks for more. */
const SEARCH_ENOUGH_RESULTS = 50;

/** The label of a record in the list: its first name-like field, with the id when different. */
function recordLabel(record: IDataObject): string {
	const id = String(record[RECORD_ID_FIELD] ?? '');
	const name = RECORD_FIELDS.name.map((field) => record[field]).find((v) => typeof v === 'string' && v !== '');
	let label = name === undefined || name === id ? id : `${name as string} (${id})`;
	if (record[RECORD_FIELDS.active] === false) label += ' - inactive';
	return label;
}

/** Whether the typed text occurs (case-insensitively) in the record's id or any name field. */
function matchesFilter(record: IDataObject, filter: string | undefined): boolean {
	const needle = (filter ?? '').trim().toLowerCase();
	if (needle === '') return true;
	return [RECORD_ID_FIELD, ...RECORD_FIELDS.name].some((field) => {
		const value = record[field];
		return (typeof value === 'string' || typeof value === 'number') && String(value).toLowerCase().includes(needle);
	});
}

async function searchPages(
	context: ILoadOptionsFunctions,
	path: string,
	filter: string | undefined,
	paginationToken: unknown,
	subject?: Subject,
): Promise<INodeListSearchResult> {
	const results: INodeListSearchItems[] = [];
	let next = typeof paginationToken === 'string' && paginationToken !== '' ? paginationToken : undefined;
	for (let page = 0; page < SEARCH_MAX_PAGES; page++) {
		const qs: IDataObject = { [PAGING.takeParam]: SEARCH_PAGE_SIZE };
		if (next !== undefined) qs[PAGING.nextParam] = next;
		const body = await apiRequest.call(context, { method: 'GET', path, qs, subject });
		const parsed = parsePage(body);
		if (parsed === undefined) {
			throw new NodeOperationError(context.getNode(), '4SEE answered the list request in an unexpected format');
		}
		for (const record of parsed.records) {
			const id = recordId(record);
			if (id === undefined || !isObject(record)) continue;
			if (!matchesFilter(record as IDataObject, filter)) continue;
			results.push({ name: recordLabel(record as IDataObject), value: id });
		}
		// A repeated token would loop; end the list rather than spin.
		if (parsed.next === undefined || parsed.next === next) {
			next = undefined;
			break;
		}
		next = parsed.next;
		if (results.length >= SEARCH_ENOUGH_RESULTS) break;
	}
	return { results, paginationToken: next };
}

/** The id chosen in a parent picker, or a clear message when there is none yet. */
function parent(context: ILoadOptionsFunctions, name: string, kind: 'fleet' | 'trailer', child: string): PathTarget {
	const value = context.getCurrentNodeParameter(name, { extractValue: true });
	if (value === undefined || value === null || value === '') {
		throw new NodeOperationError(
			context.getNode(),
			`Choose a ${kind} first to list its ${child}, or enter the ID directly`,
		);
	}
	return pathTarget.call(context, kind, value);
}

export async function searchFleets(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: unknown,
): Promise<INodeListSearchResult> {
	return await searchPages(this, paths.fleets, filter, paginationToken);
}

export async function searchTrailers(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: unknown,
): Promise<INodeListSearchResult> {
	const fleet = parent(this, LOCATOR.fleet, 'fleet', 'trailers');
	return await searchPages(this, paths.trailersOfFleet(fleet.segment), filter, paginationToken, fleet.subject);
}

export async function searchDevices(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: unknown,
): Promise<INodeListSearchResult> {
	const trailer = parent(this, LOCATOR.trailer, 'trailer', 'devices');
	return await searchPages(this, paths.devicesOfTrailer(trailer.segment), filter, paginationToken, trailer.subject);
}

export async function searchDeliverSafeUnits(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: unknown,
): Promise<INodeListSearchResult> {
	return await searchPages(this, paths.deliverSafeUnits, filter, paginationToken);
}

export const listSearch = {
	searchFleets,
	searchTrailers,
	searchDevices,
	searchDeliverSafeUnits,
};
