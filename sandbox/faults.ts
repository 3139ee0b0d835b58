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
	'reverse-order',
	'endless-next',
	'future-record',
	'no-timestamp',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that change a successful page instead of replacing the response. */
export const PAGE_FAULTS: readonly FaultKind[] = [
	'repeat-next',
	'empty-pages',
	'reverse-order',
	'endless-next',
	'future-record',
	'no-timestamp',
];

/**
 * Faults that plant a record into the telemetry stream the request reads, served from then on
 * like its own records (until a reset): `future-record` one stamped in 2099 (a device with a
 * wrong clock), at the stream's end; `no-timestamp` one without a timestamp, on every page.
 */
export const PLANTING_FAULTS: readonly FaultKind[] = ['future-record', 'no-timestamp'];

/** Where planted future records sit: 2099-01-01T00:00:00Z, one second apart. */
export const FUTURE_RECORD_MS = Date.UTC(2099, 0, 1);

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

/**
 * An empty page must still move the client forward: a real server that returns no records but
 * a `next` hands out a token the client has not sent before (a repeated token is a loop, which
 * clients rightly refuse). So the `empty-pages` fault answers with a fresh token for the very
 * position the request started at: `r<n>.` before the position's own token, stripped again on
 * the way in.
 */
const REVISION = /^r(\d{1,9})\.(.*)$/s;

export function freshToken(position: string, revision: number): string {
	return `r${revision}.${position}`;
}

export function withoutRevision(token: string): string {
	const match = REVISION.exec(token);
	return match ? match[2] : token;
}
