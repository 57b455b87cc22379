import type { DataSource } from 'typeorm';

/**
 * Hooks only tests set (through `startGateway`'s options, never the
 * environment), to provoke what cannot be provoked from outside: a statement
 * made slow on purpose, to prove a request past its time limit has its
 * statement cancelled.
 */
export interface TestHooks {
  /** SQL run on the same connection just before each content read on PostgreSQL, e.g. `SELECT pg_sleep(30)`. */
  readonly beforeRead?: string;
}

const hooks = new WeakMap<DataSource, TestHooks>();

export function setTestHooks(db: DataSource, value: TestHooks): void {
  hooks.set(db, value);
}

export function testHooksOf(db: DataSource): TestHooks | undefined {
  return hooks.get(db);
}
