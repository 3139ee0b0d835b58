/**
 * The fault matrix: every operation family x every fault the sandbox injects. Each cell must end
 * complete and correct, or with a clear error and no items; never a silent partial result. The
 * table with records lost and duplicated per cell is printed at the end.
 *
 *   npm run test:faults
 */
import { FAMILIES, FAULTS, runCell, table, type CellResult } from './cells';

const results: CellResult[] = [];

afterAll(() => {
	const order = (r: CellResult) => FAMILIES.indexOf(r.family) * 100 + FAULTS.indexOf(r.fault);
	results.sort((a, b) => order(a) - order(b));
	process.stdout.write(`\nFault matrix (records lost / duplicated per cell):\n${table(results)}\n`);
	for (const r of results.filter((c) => c.message)) {
		process.stdout.write(`  ${r.family} / ${r.fault}: ${r.message}\n`);
	}
});

describe.each(FAMILIES.filter((f) => !process.env.FAULT_FAMILY || f.startsWith(process.env.FAULT_FAMILY)))('%s', (family) => {
	it.each(FAULTS.filter((f) => !process.env.FAULT_KIND || f.startsWith(process.env.FAULT_KIND)))('under "%s": complete and correct, or a clear error with no items', async (fault) => {
		const cell = await runCell(family, fault);
		results.push(cell);
		// The fault really happened: a cell whose fault never fired proves nothing.
		expect(cell.faultsInjected).toBeGreaterThan(0);
		// The expiry really met a 401 halfway: a second token was fetched.
		if (fault === 'token expiry mid-run') expect(cell.authCalls).toBeGreaterThanOrEqual(2);
		expect(cell.duplicated).toBe(0);
		expect(cell.unexpected).toBe(0);
		if (cell.outcome === 'complete') {
			expect(cell.lost).toBe(0);
			expect(cell.emitted).toBe(cell.expected);
			expect(cell.expected).toBeGreaterThan(0);
		} else {
			expect(cell.emitted).toBe(0);
			expect(cell.message).toBeDefined();
		}
	});
});
