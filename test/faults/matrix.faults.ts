/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The fault matrix: every operation family x every fault the sandbox injects. Each cell must end
 * complete and correct, or with a clear error and no items; never a silent partial result. The
 * table with records lost and duplicated per cell is printed at the end.
 *
 *   npm run test:faults
 */
import { FAMILIES, FAULTS, NO_FAULT, RETRIED_FAULTS, runCell, table, type CellResult } from './cells';

const results: CellResult[] = [];

afterAll(() => {
	// The fault-free run first in each family.
	const order = (r: CellResult) => FAMILIES.indexOf(r.family) * 100 + (r.fault === NO_FAULT ? -1 : FAULTS.indexOf(r.fault));
	results.sort((a, b) => order(a) - order(b));
	process.stdout.write(`\nFault matrix (records lost / duplicated per cell):\n${table(results)}\n`);
	for (const r of results.filter((c) => c.message)) {
		process.stdout.write(`  ${r.family} / ${r.fault}: ${r.message}\n`);
	}
});

describe.each(FAMILIES.filter((f) => !process.env.FAULT_FAMILY || f.startsWith(process.env.FAULT_FAMILY)))('%s', (family) => {
	// The same operation without a fault: complete, and the request count a retried fault must
	// exceed (printed as the family's first row). A shared promise, not a beforeAll: jest starts
	// concurrent tests before a describe block's hooks run.
	let baselineRun: Promise<CellResult> | undefined;
	const baseline = () =>
		(baselineRun ??= runCell(family, NO_FAULT).then((cell) => {
			results.push(cell);
			return cell;
		}));

	it.concurrent('without a fault: complete and correct', async () => {
		const cell = await baseline();
		expect(cell.outcome).toBe('complete');
		expect(cell.lost + cell.duplicated + cell.unexpected).toBe(0);
		expect(cell.faultsInjected).toBe(0);
		expect(cell.emitted).toBe(cell.expected);
	});

	// Each cell has a sandbox of its own and spends most of its time waiting out the fault
	// (Retry-After, backoff, the timeout), so the cells of a family run side by side.
	it.concurrent.each(FAULTS.filter((f) => !process.env.FAULT_KIND || f.startsWith(process.env.FAULT_KIND)))('under "%s": complete and correct, or a clear error with no items', async (fault) => {
		const cell = await runCell(family, fault);
		results.push(cell);
		// The fault really happened: a cell whose fault never fired proves nothing.
		expect(cell.faultsInjected).toBeGreaterThan(0);
		// The expiry really met a 401 halfway: a second token was fetched.
		if (fault === 'token expiry mid-run') expect(cell.authCalls).toBeGreaterThanOrEqual(2);
		// A retried fault costs a request more than the fault-free run. For the delay past the
		// timeout this is the proof that the timeout fired and the request was sent again: a delay
		// the client had waited out would cost no extra request.
		if (RETRIED_FAULTS.includes(fault)) expect(cell.requests).toBeGreaterThan((await baseline()).requests);
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
