import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { flattenRecord } from './helpers/flatten';
import { listSearch } from './methods';
import { triggerProperties } from './trigger/description';
import { runPoll } from './trigger/engine';
import { asNodeError, pollIo, scopeFailingError } from './trigger/io';
import { sampleRecent, SAMPLE_LOOKBACK_HOURS } from './trigger/sample';
import { readSettings } from './trigger/settings';
import type { Emitted } from './trigger/types';

/** Where the trigger keeps its cursors in the node's static data. */
const STATE_KEY = 'fourSeeTrigger';

function toItems(this: IPollFunctions, emitted: Emitted[], flatten: boolean): INodeExecutionData[] {
	return this.helpers.returnJsonArray(
		emitted.map(({ record, meta }) => {
			const json = { ...record, fourSee: meta } as IDataObject;
			return flatten ? flattenRecord(json) : json;
		}),
	);
}

export class FourSeeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: '4SEE Trigger',
		name: 'fourSeeTrigger',
		icon: { light: 'file:fourSee.svg', dark: 'file:fourSee.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ {"gpsPosition": "New GPS Position", "deviceTelemetry": "New Device Telemetry", "deliverSafeTelemetry": "New DeliverSafe Telemetry"}[$parameter["event"]] }}',
		description:
			'Starts the workflow on every new GPS position, device reading or DeliverSafe event of Grote 4SEE trailers, once each',
		defaults: { name: '4SEE Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'fourSeeApi', required: true }],
		properties: triggerProperties,
	};

	// The same list searches as the action node: the pickers read their parents by the same names.
	methods = { listSearch };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const io = pollIo(this, { pageSize: settings.pageSize, retry: settings.retry });
		const nowMs = Date.now();

		if (this.getMode() === 'manual') {
			// "Fetch Test Event": recent records only; the stored cursors are neither read nor moved.
			const sample = await sampleRecent(settings, io, nowMs).catch((error: unknown) => {
				throw asNodeError(this, error);
			});
			if (sample.length === 0) {
				const days = SAMPLE_LOOKBACK_HOURS[SAMPLE_LOOKBACK_HOURS.length - 1] / 24;
				throw new NodeOperationError(this.getNode(), `No records in the last ${days} days to show as a test event`, {
					description: 'The chosen trailers, devices or units reported nothing recently. The trigger still works once they do.',
				});
			}
			return [toItems.call(this, sample, settings.flatten)];
		}

		const staticData = this.getWorkflowStaticData('node');
		const outcome = await runPoll(staticData[STATE_KEY], settings, io, nowMs);
		// Nothing could be read: fail so n8n shows it and backs off; the cursors stay as they were.
		if (outcome.error !== undefined) throw asNodeError(this, outcome.error);

		staticData[STATE_KEY] = outcome.state as unknown as IDataObject;
		for (const failure of outcome.failures) {
			this.logger.warn(`4SEE Trigger: could not read ${failure.stream} (${failure.failures} poll(s) in a row): ${failure.message}`);
		}
		if (outcome.stoppedBy !== undefined) {
			this.logger.warn(`4SEE Trigger: poll stopped early, the rest follows next poll: ${(outcome.stoppedBy as Error).message}`);
		}
		// Every watched stream failed and none was read: fail so n8n shows which and why, instead
		// of returning nothing forever. The state above is kept: only the rotation and the failure
		// counts moved, so the next polls try the others and pick up one that comes back.
		if (outcome.allFailing !== undefined) throw scopeFailingError(this, settings.scope, outcome.allFailing);
		if (outcome.items.length === 0) return null;
		return [toItems.call(this, outcome.items, settings.flatten)];
	}
}
