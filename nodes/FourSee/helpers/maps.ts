/**
 * Maps keyed by ids that come from 4SEE or from the user (streams, departed streams, record
 * keys). A plain `{}` would treat `__proto__`, `constructor` or `toString` as present (inherited)
 * and `map['__proto__'] = x` would replace the map's prototype instead of storing an entry, so
 * such ids could never be polled and an API answer could reach `Object.prototype`. These maps
 * have no prototype: every name is an ordinary key. They are still plain JSON for n8n's static
 * data (JSON.stringify writes an own `__proto__` key, and JSON.parse reads it back as one).
 */
export type IdMap<V> = Record<string, V>;

export function idMap<V>(entries: Iterable<readonly [string, V]> = []): IdMap<V> {
	const map = Object.create(null) as IdMap<V>;
	for (const [key, value] of entries) map[key] = value;
	return map;
}

/** A prototype-free copy of the own entries of a stored (JSON-parsed) object. */
export function toIdMap<V>(value: unknown): IdMap<V> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return idMap<V>();
	return idMap(Object.entries(value as Record<string, V>));
}

export function hasKey(map: IdMap<unknown>, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(map, key);
}

/**
 * Stores `value` under `key` as an own property of an ordinary object (an item n8n shows, a
 * query): `obj[key] = value` with key `__proto__` would change the object's prototype instead.
 */
export function setOwn<T extends object>(obj: T, key: string, value: unknown): void {
	Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
