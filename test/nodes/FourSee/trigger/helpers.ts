import { runPoll, type PollOutcome } from '../../../../nodes/FourSee/trigger/engine';
import type { PollSettings } from '../../../../nodes/FourSee/trigger/types';
import { FakeApi, T0 } from './fakeApi';

export function settings(overrides: Partial<PollSettings> = {}): PollSettings {
	return {
		scope: { event: 'gpsPosition', trailers: ['t1'] },
		start: { mode: 'date', date: new Date(T0).toISOString() },
		filter: { type: 'none' },
		latenessMs: 15 * 60_000,
		requestBudget: 50,
		maxItems: 500,
		...overrides,
	};
}

/**
 * Polls like n8n does: the stored state goes through JSON (a restart between polls), and the
 * new state is stored only when the poll did not fail.
 */
export class Poller {
	stored: unknown = undefined;
	emitted: Array<{ record: Record<string, unknown>; key: string; stream: string }> = [];
	constructor(
		readonly api: FakeApi,
		public settings: PollSettings,
		// The wall clock when polling: after every record the tests serve (they lie within days of
		// T0), so none counts as stamped in the future unless a test says so.
		public nowMs = T0 + 30 * 86_400_000,
	) {}

	async poll(): Promise<PollOutcome> {
		const before = JSON.stringify(this.stored);
		const outcome = await runPoll(
			this.stored === undefined ? undefined : JSON.parse(JSON.stringify(this.stored)),
			this.settings,
			this.api,
			this.nowMs,
		);
		// runPoll must never touch what it was given.
		expect(JSON.stringify(this.stored)).toBe(before);
		if (outcome.error === undefined) {
			this.stored = JSON.parse(JSON.stringify(outcome.state));
			for (const item of outcome.items) {
				this.emitted.push({ record: item.record, key: item.meta.dedupeKey, stream: item.meta.streamId });
			}
		}
		return outcome;
	}

	async pollUntilIdle(max = 100): Promise<number> {
		for (let i = 1; i <= max; i++) {
			const outcome = await this.poll();
			if (outcome.items.length === 0 && outcome.cycleCompleted) return i;
		}
		throw new Error('did not settle');
	}

	values(field = 'v'): unknown[] {
		return this.emitted.map((e) => e.record[field]);
	}
}
