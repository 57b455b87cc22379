/**
 * The wait before the next try after `failures` failures in a row (1 for the
 * first): `firstMs`, doubling with each failure, never above `maxMs`.
 */
export function backoffMs(firstMs: number, failures: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, failures - 1));
}
