import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { DataSource } from 'typeorm';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/data-source';
import { ENTITIES } from '../../src/server/modules';

/**
 * The databases every integration suite runs against. SQLite always; PostgreSQL
 * when `TEST_POSTGRES_URL` names a server (CI sets it; `npm run test:pg` too).
 */
export type Driver = 'sqlite' | 'postgres';

/** The PostgreSQL server the suites use, when `TEST_POSTGRES_URL` names one. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL;

export const DRIVERS: Driver[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** True in CI, which must run the PostgreSQL suite too. */
export const IN_CI = Boolean(process.env.CI);
export const POSTGRES_ENABLED = Boolean(POSTGRES_URL);

/** A fresh, empty database of the given kind: a new SQLite file, or a new PostgreSQL schema. */
export function freshDatabase(driver: Driver): DatabaseConfig {
  const suffix = randomBytes(6).toString('hex');
  if (driver === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-test-'));
    return { kind: 'sqlite', path: path.join(dir, 'gateway.sqlite') };
  }
  const url = new URL(POSTGRES_URL!);
  url.searchParams.set('schema', `cg_test_${suffix}`);
  return parseDatabaseUrl(url.toString());
}

/** Removes what {@link freshDatabase} made. */
export async function dropDatabase(database: DatabaseConfig): Promise<void> {
  if (database.kind === 'sqlite') {
    fs.rmSync(path.dirname(database.path), { recursive: true, force: true });
    return;
  }
  const db = await new DataSource({ type: 'postgres', url: database.url }).initialize();
  try {
    await db.query(`DROP SCHEMA IF EXISTS "${database.schema}" CASCADE`);
  } finally {
    await db.destroy();
  }
}

/** A fresh database, migrated, for the enclosing `describe`: `db` is open from its first test on, and the database is dropped after its last. */
export function openedDatabase(driver: Driver): { readonly database: DatabaseConfig; readonly db: DataSource } {
  const database = freshDatabase(driver);
  let db: DataSource | null = null;
  before(async () => {
    db = await openDatabase(database, { entities: ENTITIES });
  });
  after(async () => {
    await db?.destroy();
    await dropDatabase(database);
  });
  return {
    database,
    get db(): DataSource {
      if (!db) throw new Error('the database opens in the describe’s before hook: use it from a test or a later hook');
      return db;
    },
  };
}
