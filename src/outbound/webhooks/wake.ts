import type { DataSource } from 'typeorm';

const listeners = new WeakMap<DataSource, Set<() => void>>();

/**
 * Tells this process's webhook service that deliveries may be due although
 * the change log did not grow: a webhook enabled again (the changes made
 * while it was stopped are to be queued), a delivery replayed. Without it
 * they would wait for the next content change.
 */
export function webhooksChanged(db: DataSource): void {
  for (const listener of listeners.get(db) ?? []) listener();
}

/** Registers a listener of {@link webhooksChanged}; returns how to unregister it. */
export function onWebhooksChanged(db: DataSource, listener: () => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}
