import type { DataSource } from 'typeorm';

const listeners = new WeakMap<DataSource, Set<() => void>>();

/**
 * Called by the writer after each commit that appended to the change log, so
 * that this process's tailer reads the log at once instead of waiting for a
 * notification or its next poll (on SQLite, only other processes' writes need
 * the poll).
 */
export function announceCommit(db: DataSource): void {
  for (const listener of listeners.get(db) ?? []) listener();
}

/** Registers a listener for this process's commits to `db`; returns how to unregister it. */
export function onCommit(db: DataSource, listener: () => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}
