/**
 * Runs the chosen operation once per input item, each with its own parameters (read-only ones
 * several at once, output in input order), and keeps going past a failed item when the node is
 * set to continue on fail.
 */
import type { AllEntities, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import * as apiKey from './apiKey/ApiKey.resource';
import * as deliverSafe from './deliverSafe/DeliverSafe.resource';
import * as device from './device/Device.resource';
import * as fleet from './fleet/Fleet.resource';
import { parseConcurrency } from '../helpers/values';
import { MAX_QUOTED, redact } from '../transport';
import { setCallerConcurrency } from '../transport/scheduler';
import type { OperationExecute } from './shared';
import * as trailer from './trailer/Trailer.resource';

/** The resource modules, by the value of the Resource parameter. */
const resources = { apiKey, deliverSafe, device, fleet, trailer };

type Resources = typeof resources;
type Resource = keyof Resources;
/** A resource module exports its operation modules, and its operation picker as `description`. */
type OperationOf<R extends Resource> = Exclude<keyof Resources[R], 'description'>;

/**
 * Every resource and operation of the node, as n8n's Airtable v2 types its router
 * (`AllEntities` over a map of resource -> operation names). The map is read off the resource
 * modules, so an operation added to its resource file is typed and routed here with no edit.
 */
export type FourSeeType = AllEntities<{ [R in Resource]: OperationOf<R> }>;

interface Operation {
	execute: OperationExecute;
}

/** Checked by the compiler: every operation module exports an `execute` the router can call. */
const typedResources: { [R in Resource]: { [O in OperationOf<R>]: Operation } } = resources;

/** The operations of each resource: what its resource module exports besides its description. */
export const operationsByResource: Record<string, Record<string, Operation>> = Object.fromEntries(
	Object.entries(typedResources).map(([resource, module]) => [
		resource,
		Object.fromEntries(Object.entries(module).filter(([name]) => name !== 'description')),
	]),
);

/** The operation a resource/operation pair names, or undefined: parameters are only strings. */
function findOperation(resource: string, operation: string): Operation | undefined {
	// Own entries only: a parameter reading 'constructor' or 'toString' is not an operation.
	if (!Object.hasOwn(operationsByResource, resource)) return undefined;
	const operations = operationsByResource[resource];
	return Object.hasOwn(operations, operation) ? operations[operation] : undefined;
}

/** Operations that change something at 4SEE: their items run one at a time, in order. */
const WRITES = new Set(['apiKey:rotate']);

/**
 * Read-only operations run for several input items at once (Concurrent Requests, read from the
 * first item's options), through the one request scheduler; the output keeps the input's order
 * and each item's pairedItem. Without Continue On Fail, no new item starts after one failed, and
 * the failure of the earliest failed item is thrown, as one at a time would have.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const results: Array<INodeExecutionData[] | undefined> = new Array(items.length);
	const failures = new Map<number, Error>();
	const width = Math.min(items.length, itemConcurrency(this, items.length));
	setCallerConcurrency(this, width);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length && failures.size === 0) {
			const itemIndex = next++;
			try {
				results[itemIndex] = await runItem(this, itemIndex);
			} catch (error) {
				failures.set(itemIndex, error as Error);
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
	if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
	return [results.flatMap((result) => result ?? [])];
}

/** How many items run at once: 1 when any item changes something at 4SEE (key rotation). */
function itemConcurrency(context: IExecuteFunctions, count: number): number {
	if (count <= 1) return 1;
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		try {
			const resource = context.getNodeParameter('resource', itemIndex) as string;
			const operation = context.getNodeParameter('operation', itemIndex) as string;
			if (WRITES.has(`${resource}:${operation}`) || findOperation(resource, operation) === undefined) return 1;
		} catch {
			// A parameter that cannot be read fails its item when it runs; in order, alone.
			return 1;
		}
	}
	try {
		return parseConcurrency(context.getNodeParameter('options', 0, {}) as IDataObject);
	} catch {
		// A bad value fails the item where it is read, with the field's message.
		return 1;
	}
}

/** One item: its operation's output, or (Continue On Fail) its failure as an item; else throws. */
async function runItem(context: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	try {
		const resource = context.getNodeParameter('resource', itemIndex) as string;
		const operation = context.getNodeParameter('operation', itemIndex) as string;
		const handler = findOperation(resource, operation);
		if (handler === undefined) {
			throw new NodeOperationError(context.getNode(), `The operation "${operation}" of "${resource}" is not supported`, {
				itemIndex,
			});
		}
		return await handler.execute.call(context, itemIndex);
	} catch (error) {
		if (context.continueOnFail()) {
			// The item outlives the run (stored executions): no secret, no megabyte of server text.
			const failure: Record<string, string> = { error: redact((error as Error).message, 2 * MAX_QUOTED) };
			const description = (error as { description?: unknown }).description;
			if (typeof description === 'string' && description !== '') failure.description = redact(description, 4 * MAX_QUOTED);
			return [{ json: failure, pairedItem: { item: itemIndex } }];
		}
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			throw withItemIndex(error, itemIndex);
		}
		throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
	}
}

/** n8n's own error types pass through unchanged, marked with the item they belong to. */
function withItemIndex<E extends NodeApiError | NodeOperationError>(error: E, itemIndex: number): E {
	error.context.itemIndex ??= itemIndex;
	return error;
}
