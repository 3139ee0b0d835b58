import { GeneratedStream } from '../../sandbox/telemetry';

describe('generated stream arithmetic', () => {
	it.each([9, 11, 13])('index <-> time agree with a brute-force enumeration (D = %i)', (d) => {
		const intervalMs = 60_000;
		const historyStartMs = Date.parse('2025-12-25T00:00:00Z') + 17_000;
		const jitter = (slot: number) => ((slot * 7919) % 30) * 1000;
		const stream = new GeneratedStream(intervalMs, d, historyStartMs, jitter, (slot, part) => ({ slot, part }));
		const firstSlot = Math.ceil(historyStartMs / intervalMs);
		const expected: { slot: number; part: number; ms: number }[] = [];
		for (let slot = firstSlot; expected.length < 5000; slot++) {
			const parts = 1 + (slot % d === d - 1 ? 1 : 0) + (slot % (3 * d) === 3 * d - 1 ? 1 : 0);
			for (let part = 0; part < parts; part++) expected.push({ slot, part, ms: slot * intervalMs + jitter(slot) });
		}
		expect(expected.some((e) => e.part === 2)).toBe(true);
		const problems: string[] = [];
		expected.forEach((e, i) => {
			const got = stream.recordAt(i);
			if (got.ms !== e.ms || got.record.slot !== e.slot || got.record.part !== e.part) problems.push(`recordAt(${i})`);
			const first = expected.findIndex((x) => x.ms >= e.ms);
			if (stream.firstIndexAtOrAfter(e.ms) !== first) problems.push(`firstIndexAtOrAfter(${e.ms})`);
			const before = expected.findIndex((x) => x.ms >= e.ms - 1);
			if (stream.firstIndexAtOrAfter(e.ms - 1) !== before) problems.push(`firstIndexAtOrAfter(${e.ms - 1})`);
		});
		expect(problems).toEqual([]);
		expect(stream.firstIndexAtOrAfter(0)).toBe(0);
	});
});
