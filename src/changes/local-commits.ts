import type { DataSource } from 'typeorm';

const listeners = new WeakMap<DataSource, Set<() => void>>();
const own = new WeakMap<DataSource, Set<number>>();

/** How many of this process's own positions are remembered (far more than a tailer is ever behind). */
const OWN_LIMIT = 100_000;

/**
 * Called by the writer after each commit that appended to the change log, with
 * the positions of its entries, so that this process's tailer reads the log at
 * once instead of waiting for a notification or its next poll, and knows
 * which entries this process wrote (and has already acted on: it dropped its
 * own copies when it committed).
 */
export function announceCommit(db: DataSource, positions: readonly number[]): void {
  let set = own.get(db);
  if (!set) own.set(db, (set = new Set()));
  if (set.size + positions.length > OWN_LIMIT) set.clear();
  for (const position of positions) set.add(position);
  for (const listener of listeners.get(db) ?? []) listener();
}

/** Whether this process wrote the entry at `position` (and so already dropped its own copies of what it changed). */
export function writtenHere(db: DataSource, position: number): boolean {
  return own.get(db)?.delete(position) ?? false;
}

/** Registers a listener for this process's commits to `db`; returns how to unregister it. */
export function onCommit(db: DataSource, listener: () => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}
