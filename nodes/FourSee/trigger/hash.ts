/**
 * Stable record keys for telemetry that carries no id of its own.
 *
 * The key only has to tell apart records of one stream inside the lateness window, so a small
 * synchronous 53-bit string hash (cyrb53) over canonical JSON (helpers/canonicalJson.ts) is
 * enough, and it keeps this module free of Node built-ins so the pure trigger logic runs
 * anywhere: the same record always gives the same key, whatever the order of its fields in the
 * response.
 */

/** cyrb53 (public domain, bryc): a fast 53-bit hash with good spread, as a base-36 string. */
export function cyrb53(text: string, seed = 0): string {
	let h1 = 0xdeadbeef ^ seed;
	let h2 = 0x41c6ce57 ^ seed;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ ch, 2654435761);
		h2 = Math.imul(h2 ^ ch, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
	h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
	h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
