/**
 * Puts rows back in key order for a DataLoader batch function: one slot per
 * key, `null` where no row has that key (the DataLoader contract).
 *
 * @example byKey(['IRQ', 'XXX'], rows, (n) => n.code) // [Iraq, null]
 */
export function byKey<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map<K, T>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((key) => map.get(key) ?? null);
}

/**
 * Groups rows under their keys for a one-to-many batch: one array per key, in
 * key order, empty where no row has that key. Rows keep their query order.
 */
export function groupByKey<K, R, T = R>(
  keys: readonly K[],
  rows: readonly R[],
  keyOf: (row: R) => K,
  valueOf: (row: R) => T = (row) => row as unknown as T,
): T[][] {
  const map = new Map<K, T[]>();
  for (const key of keys) map.set(key, []);
  for (const row of rows) map.get(keyOf(row))?.push(valueOf(row));
  return keys.map((key) => map.get(key)!);
}
