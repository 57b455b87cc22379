import DataLoader from 'dataloader';
import type { StatementScope } from '../db/statement-scope';

/**
 * A DataLoader named `name` whose batches are reported to the request's scope
 * (for the batch-size metric): one call per batch, never per key or field.
 */
export function batchLoader<K, V, C = K>(
  scope: StatementScope | undefined,
  name: string,
  batch: DataLoader.BatchLoadFn<K, V>,
  options: Omit<DataLoader.Options<K, V, C>, 'name'> = {},
): DataLoader<K, V, C> {
  // Not `{ ...options, name }`: on Node 20, properties added after a spread take V8's slow path (2 µs a loader here, a request makes several).
  return new DataLoader<K, V, C>(observedBatch(scope, name, batch), Object.assign({ name }, options));
}

/** `batch`, reporting each call to the request's scope (for the batch-size metric) under the loader's `name`. */
export function observedBatch<K, V>(scope: StatementScope | undefined, name: string, batch: DataLoader.BatchLoadFn<K, V>): DataLoader.BatchLoadFn<K, V> {
  const observe = scope?.observeBatch;
  return observe ? (keys) => (observe(name, keys.length), batch(keys)) : batch;
}
