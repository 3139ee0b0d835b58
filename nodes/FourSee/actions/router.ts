/**
 * Runs the chosen operation once per input item, in order, each with its own parameters, and
 * keeps going past a failed item when the node is set to continue on fail.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import * as apiKey from './apiKey/ApiKey.resource';
import * as deliverSafe from './deliverSafe/DeliverSafe.resource';
import * as device from './device/Device.resource';
import * as fleet from './fleet/Fleet.resource';
import type { OperationExecute } from './shared';
import * as trailer from './trailer/Trailer.resource';

type Operations = Record<string, { execute: OperationExecute }>;

export const operationsByResource: Record<string, Operations> = {
	apiKey: { rotate: apiKey.rotate },
	deliverSafe: { get: deliverSafe.get, getMany: deliverSafe.getMany, getTelemetry: deliverSafe.getTelemetry },
	device: { get: device.get, getMany: device.getMany, getTelemetry: device.getTelemetry },
	fleet: { get: fleet.get, getMany: fleet.getMany },
	trailer: { get: trailer.get, getMany: trailer.getMany, getGpsTelemetry: trailer.getGpsTelemetry },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const handler = operationsByResource[resource]?.[operation];
			if (handler === undefined) {
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`, {
					itemIndex,
				});
			}
			returnData.push(...(await handler.execute.call(this, itemIndex)));
		} catch (error) {
			if (this.continueOnFail()) {
				const failure: Record<string, string> = { error: (error as Error).message };
				const description = (error as { description?: unknown }).description;
				if (typeof description === 'string' && description !== '') failure.description = description;
				returnData.push({ json: failure, pairedItem: { item: itemIndex } });
				continue;
			}
			if (error instanceof NodeApiError || error instanceof NodeOperationError) {
				throw withItemIndex(error, itemIndex);
			}
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
		}
	}
	return [returnData];
}

/** n8n's own error types pass through unchanged, marked with the item they belong to. */
function withItemIndex<E extends NodeApiError | NodeOperationError>(error: E, itemIndex: number): E {
	error.context.itemIndex ??= itemIndex;
	return error;
}
