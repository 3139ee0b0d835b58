import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
	TriggerTime,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError, toCronExpression } from 'n8n-workflow';

import { flattenRecord } from './helpers/flatten';
import { simplifyRecord } from './helpers/simplify';
import { listSearch } from './methods';
import { CREDENTIAL_TYPE, DEFAULT_TIMEOUT_MS } from './transport';
import { triggerProperties } from './trigger/description';
import { runPoll } from './trigger/engine';
import { PollGuard } from './trigger/guard';
import { asNodeError, describeError, pollIo, scopeFailingError } from './trigger/io';
import { sampleRecent, SAMPLE_LOOKBACK_HOURS } from './trigger/sample';
import { guardLeaseMs, pollIntervalMs, timeBoundMs, UNFENCED_POLL_BUDGET_MS } from './trigger/schedule';
import { readSettings, type TriggerSettings } from './trigger/settings';
import type { Emitted } from './trigger/types';

/** Where the trigger keeps its cursors in the node's static data. */
const STATE_KEY = 'fourSeeTrigger';

/** One poll per trigger (workflow and node) at a time in this n8n process (see guard.ts). */
const guard = new PollGuard();

/**
 * The contexts n8n has polled with. n8n (1.x and 2.x) makes one context when it activates a
 * trigger, polls with it once right away, inside the activation, and then on every tick; so the
 * first poll on a context is the activation poll. (`getActivationMode()` cannot tell: it names
 * why the workflow was activated, and every tick's context says the same.)
 */
const polledContexts = new WeakSet<object>();

/** The shortest interval of the trigger's poll times, as n8n schedules them; undefined if unknown. */
function intervalOf(context: IPollFunctions): number | undefined {
	try {
		const pollTimes = context.getNodeParameter('pollTimes', {}) as { item?: TriggerTime[] };
		return pollIntervalMs((pollTimes.item ?? []).map((item) => toCronExpression(item)));
	} catch {
		return undefined;
	}
}

/**
 * The credential, read once per poll: the poll's requests then need neither n8n's database nor
 * its expression engine, and a token n8n refreshes after a 401 lands in this object for the
 * poll's later requests.
 */
async function credentialOf(context: IPollFunctions): Promise<ICredentialsDecrypted> {
	const data = await context.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_TYPE);
	const ref = context.getNode().credentials?.[CREDENTIAL_TYPE];
	return { id: ref?.id ?? '', name: ref?.name ?? '', type: CREDENTIAL_TYPE, data };
}

function seconds(ms: number): string {
	return `${Math.round(ms / 1000)} s`;
}

function toItems(
	this: IPollFunctions,
	emitted: Emitted[],
	{ flatten, simplify }: Pick<TriggerSettings, 'flatten' | 'simplify'>,
): INodeExecutionData[] {
	return this.helpers.returnJsonArray(
		emitted.map(({ record, meta }) => {
			const fields = simplify === undefined ? record : simplifyRecord(simplify, record);
			const json = { ...fields, fourSee: meta } as IDataObject;
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
		// 1.1: Requests per Poll left unset means Auto (read until the scope is covered, the poll's
		// time is up or 4SEE pushes back); triggers added as version 1 keep their 50.
		version: [1, 1.1],
		defaultVersion: 1.1,
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
		// Everything the poll needs from n8n's parameters is read here, once: a long poll must not
		// depend on the workflow's expression engine after it started.
		const settings = readSettings(this);

		if (this.getMode() === 'manual') {
			// "Fetch Test Event": recent records only; the stored cursors are neither read nor moved.
			const io = pollIo(this, { pageSize: settings.pageSize, retry: settings.retry, credentials: await credentialOf(this) });
			const sample = await sampleRecent(settings, io, Date.now()).catch((error: unknown) => {
				throw asNodeError(this, error);
			});
			if (sample.length === 0) {
				const days = SAMPLE_LOOKBACK_HOURS[SAMPLE_LOOKBACK_HOURS.length - 1] / 24;
				throw new NodeOperationError(this.getNode(), `No records in the last ${days} days to show as a test event`, {
					description: 'The chosen trailers, devices or units reported nothing recently. The trigger still works once they do.',
				});
			}
			return [toItems.call(this, sample, settings)];
		}

		const budget = (this as { getPollBudgetMs?: () => number }).getPollBudgetMs;
		const budgetMs = typeof budget === 'function' ? budget.call(this) : undefined;
		// The durable scheduler (n8n 2.x) names a budget of its own and makes a context per tick.
		const fenced = budgetMs !== undefined && budgetMs !== UNFENCED_POLL_BUDGET_MS;
		const activation = !fenced && !polledContexts.has(this);
		polledContexts.add(this);
		const boundMs = timeBoundMs({ optionSeconds: settings.timeLimitSeconds, intervalMs: intervalOf(this), budgetMs, activation });
		const key = `${this.getWorkflow().id ?? ''}\u0000${this.getNode().id}`;
		const startedMs = Date.now();
		const entry = guard.enter(key, startedMs, guardLeaseMs(boundMs, settings.retry.maxAttempts, DEFAULT_TIMEOUT_MS));
		if (!entry.entered) {
			// The running poll goes on and commits; this tick changes nothing and sends nothing.
			if (entry.firstSkip) {
				this.logger.warn(
					`4SEE Trigger: the previous poll of this trigger is still running (for ${seconds(entry.runningForMs)}); ` +
						'this poll is skipped, and so is every tick until it ends. Nothing is lost: the next poll continues where it stops.',
				);
			}
			return null;
		}
		try {
			return await pollOnce.call(this, settings, startedMs, boundMs);
		} finally {
			const left = guard.leave(key, entry.ticket, Date.now());
			if (left !== undefined && left.skipped > 0) {
				this.logger.info(
					`4SEE Trigger: a poll ran ${seconds(left.heldMs)}, past the trigger's interval; ${left.skipped} scheduled poll(s) were skipped meanwhile`,
				);
			}
		}
	}
}

/** One scheduled poll (or the activation poll), holding its trigger's guard. */
async function pollOnce(
	this: IPollFunctions,
	settings: TriggerSettings,
	startedMs: number,
	boundMs: number,
): Promise<INodeExecutionData[][] | null> {
	const deadlineMs = startedMs + boundMs;
	const io = pollIo(this, {
		pageSize: settings.pageSize,
		retry: settings.retry,
		credentials: await credentialOf(this),
		deadlineMs,
		concurrency: settings.concurrency,
	});
	const staticData = this.getWorkflowStaticData('node');
	const outcome = await runPoll(staticData[STATE_KEY], { ...settings, deadlineMs }, io, startedMs);
	// Nothing could be read, or n8n itself failed under the poll: fail so n8n shows it and backs
	// off; the cursors stay as they were.
	if (outcome.error !== undefined) throw asNodeError(this, outcome.error);

	staticData[STATE_KEY] = outcome.state as unknown as IDataObject;
	for (const failure of outcome.failures) {
		this.logger.warn(`4SEE Trigger: could not read ${failure.stream} (${failure.failures} poll(s) in a row): ${failure.message}`);
	}
	for (const warning of outcome.warnings) this.logger.warn(`4SEE Trigger: ${warning}`);
	if (outcome.stoppedBy !== undefined) {
		this.logger.warn(`4SEE Trigger: poll stopped early, the rest follows next poll: ${describeError(outcome.stoppedBy)}`);
	}
	if (outcome.timeUp === true) {
		this.logger.debug(
			`4SEE Trigger: poll reached its time limit (${seconds(boundMs)}) after ${outcome.requests} request(s); the rest follows next poll`,
		);
	}
	// Every watched stream failed and none was read: fail so n8n shows which and why, instead
	// of returning nothing forever. The state above is kept: only the rotation and the failure
	// counts moved, so the next polls try the others and pick up one that comes back.
	if (outcome.allFailing !== undefined) throw scopeFailingError(this, settings.scope, outcome.allFailing);
	if (outcome.items.length === 0) return null;
	return [toItems.call(this, outcome.items, settings)];
}
