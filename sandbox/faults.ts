/** Injected faults: the next `count` requests whose path starts with `pathPrefix` fail this way. */

export const FAULT_KINDS = [
	'500',
	'429',
	'429-no-retry-after',
	'delay',
	'drop',
	'malformed',
	'repeat-next',
	'empty-pages',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that change a successful page instead of replacing the response. */
export const PAGE_FAULTS: readonly FaultKind[] = ['repeat-next', 'empty-pages'];

export interface Fault {
	pathPrefix: string;
	count: number;
	kind: FaultKind;
	delayMs?: number;
}

export class FaultQueue {
	private faults: Fault[] = [];

	add(fault: Fault): void {
		this.faults.push({ ...fault });
	}

	clear(): void {
		this.faults = [];
	}

	pending(): Fault[] {
		return this.faults.map((f) => ({ ...f }));
	}

	/** Takes one use of the oldest fault matching the path among `kinds`. */
	take(path: string, kinds: (kind: FaultKind) => boolean): Fault | undefined {
		const index = this.faults.findIndex((f) => f.count > 0 && kinds(f.kind) && path.startsWith(f.pathPrefix));
		if (index < 0) return undefined;
		const fault = this.faults[index];
		fault.count -= 1;
		if (fault.count === 0) this.faults.splice(index, 1);
		return { ...fault };
	}
}
