import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createApiKey } from '../src/store/keys';
import { parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedSynthetic, SYNTHETIC_GENERATOR_VERSION, SYNTHETIC_SOURCE } from '../src/demo/synthetic';
import { ENTITIES } from '../src/server/modules';
import { Role } from '../src/shared/viewer';
import { OptionError } from './usage';

/** One benchmark dataset: a PostgreSQL database holding `items` synthetic items. */
export interface Dataset {
  /** `10k`, `200k`, `1m`: used in database names and reports. */
  readonly label: string;
  readonly items: number;
  readonly database: string;
  readonly url: string;
}

/** What loading (or finding) a dataset took. */
export interface LoadRecord {
  readonly items: number;
  /** Seconds `seedSynthetic` took; from the run that loaded it when this run skipped the load. */
  readonly loadSeconds: number;
  /** Seconds of `VACUUM ANALYZE` after the load. */
  readonly vacuumSeconds: number;
  readonly loadedAt: string;
  /** True when this run loaded it; false when it was already there. */
  readonly loadedNow: boolean;
}

/** `10k` → 10,000; `1m` → 1,000,000; plain integers as they are. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!match) throw new OptionError(`not a dataset size: "${text}" (e.g. 10k, 200k, 1m or 5000)`);
  const n = Number(match[1]) * ({ '': 1, k: 1_000, m: 1_000_000 }[match[2].toLowerCase() as '' | 'k' | 'm']);
  if (!Number.isSafeInteger(n) || n < 1) throw new OptionError(`not a dataset size: "${text}"`);
  return n;
}

export function sizeLabel(items: number): string {
  if (items % 1_000_000 === 0) return `${items / 1_000_000}m`;
  if (items % 1_000 === 0) return `${items / 1_000}k`;
  return String(items);
}

/** The dataset of `items` items on the server at `serverUrl` (e.g. postgres://postgres@127.0.0.1:5432). */
export function dataset(serverUrl: string, items: number): Dataset {
  const label = sizeLabel(items);
  const database = `coalition_bench_${label}`;
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return { label, items, database, url: url.toString() };
}

async function withAdmin<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * What a complete load records as the database's comment: the generator's
 * version and the item count. A database whose comment differs was loaded by
 * another generator (or its load did not finish) and is loaded again.
 */
export function datasetStamp(items: number): string {
  return `coalition-graph synthetic generator ${SYNTHETIC_GENERATOR_VERSION}, seed 1, ${items} items`;
}

/**
 * Makes sure the dataset's database exists, holds exactly its items and was
 * loaded by this generator; loads it when it does not (dropping an older or a
 * partial load first), then vacuums and analyses it. Load times are kept in `loadsFile`, so a later run that skips
 * the load still reports how long it took.
 */
export async function ensureDataset(serverUrl: string, set: Dataset, loadsFile: string, log: (line: string) => void): Promise<LoadRecord> {
  const loads: Record<string, LoadRecord> = fs.existsSync(loadsFile) ? JSON.parse(fs.readFileSync(loadsFile, 'utf8')) : {};
  const found = await withAdmin(serverUrl, async (admin) =>
    (await admin.query(`SELECT shobj_description(oid, 'pg_database') AS stamp FROM pg_database WHERE datname = $1`, [set.database])).rows,
  );
  const exists = found.length === 1;
  const stamp: string | null = found[0]?.stamp ?? null;
  if (exists && stamp !== datasetStamp(set.items)) {
    log(`${set.database}: loaded by ${stamp ? `another generator ("${stamp}")` : 'an older generator (or not completely)'}; dropping it and loading again`);
  } else if (exists) {
    const db = await openBench(set);
    try {
      const present = Number((await db.query(`SELECT count(*) AS n FROM content WHERE source_name = $1`, [SYNTHETIC_SOURCE]))[0].n);
      const all = Number((await db.query(`SELECT count(*) AS n FROM content`))[0].n);
      if (present === set.items && all === set.items) {
        log(`${set.database}: already holds ${set.items.toLocaleString('en-GB')} items; not loading it again`);
        const earlier = loads[set.database];
        return { items: set.items, loadSeconds: earlier?.loadSeconds ?? NaN, vacuumSeconds: earlier?.vacuumSeconds ?? NaN, loadedAt: earlier?.loadedAt ?? '', loadedNow: false };
      }
      log(`${set.database}: holds ${all} items, not ${set.items}; dropping it and loading again`);
    } finally {
      await db.destroy();
    }
  }
  await withAdmin(serverUrl, async (admin) => {
    if (exists) await admin.query(`DROP DATABASE "${set.database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${set.database}"`);
  });
  const db = await openBench(set);
  try {
    log(`${set.database}: loading ${set.items.toLocaleString('en-GB')} synthetic items`);
    const summary = await seedSynthetic(db, set.items, { progress: (line) => log(`  ${line}`) });
    const vacuumStarted = Date.now();
    await db.query('VACUUM ANALYZE');
    // Last, so that only a complete load carries it.
    await db.query(`COMMENT ON DATABASE "${set.database}" IS '${datasetStamp(set.items).replaceAll("'", "''")}'`);
    const record: LoadRecord = {
      items: set.items,
      loadSeconds: summary.milliseconds / 1000,
      vacuumSeconds: (Date.now() - vacuumStarted) / 1000,
      loadedAt: new Date().toISOString(),
      loadedNow: true,
    };
    log(`${set.database}: loaded in ${record.loadSeconds.toFixed(1)} s (VACUUM ANALYZE ${record.vacuumSeconds.toFixed(1)} s)`);
    fs.mkdirSync(path.dirname(loadsFile), { recursive: true });
    fs.writeFileSync(loadsFile, JSON.stringify({ ...loads, [set.database]: record }, null, 2) + '\n');
    return record;
  } finally {
    await db.destroy();
  }
}

/** Opens (and migrates) the dataset's database with the gateway's own entities. */
export function openBench(set: Dataset): Promise<DataSource> {
  return openDatabase(parseDatabaseUrl(set.url), { entities: ENTITIES });
}

/** A partner key for the run; each run makes its own (only its hash is stored). */
export async function createBenchKey(db: DataSource): Promise<string> {
  const { secret } = await createApiKey(db, { name: `benchmark ${new Date().toISOString()}`, role: Role.PARTNER });
  return secret;
}

/** Q2's nations: the member countries with the most published projects. */
export async function busiestNations(db: DataSource, limit = 20): Promise<string[]> {
  const rows: { code: string }[] = await db.query(
    `SELECT c.country_code AS code, count(*) AS n FROM content c JOIN member_nation m ON m.code = c.country_code
     WHERE c.type = 'STABILISATION_PROJECT' AND c.status = 'PUBLISHED'
     GROUP BY c.country_code ORDER BY n DESC, code LIMIT ${limit}`,
  );
  return rows.map((row) => row.code);
}

/** How deep Q5 pages: 10,000 items in, or as deep as a dataset of `published` items allows while leaving a full page after it (0 for a tiny one). */
export function feedDepthFor(published: number): number {
  return Math.max(0, Math.min(10_000, Math.floor((published - 50) / 100) * 100));
}

/** Q4's campaigns: those with at least 20 published stories. */
export async function campaignsWithStories(db: DataSource, atLeast = 20): Promise<string[]> {
  const rows: { slug: string }[] = await db.query(
    `SELECT k.slug, count(*) AS n FROM campaign k JOIN content c ON c.campaign_id = k.id
     WHERE c.type = 'CAMPAIGN_STORY' AND c.status = 'PUBLISHED'
     GROUP BY k.slug HAVING count(*) >= ${atLeast} ORDER BY k.slug`,
  );
  return rows.map((row) => row.slug);
}

export async function publishedCount(db: DataSource): Promise<number> {
  return Number((await db.query(`SELECT count(*) AS n FROM content WHERE status = 'PUBLISHED'`))[0].n);
}

/** A positive number given as option `--name` (the fallback when it is not given); anything else stops the run with one line. */
export function positiveOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new OptionError(`--${name} takes a positive number, got "${text}"`);
  return n;
}

/** The PostgreSQL server's version, for the report's header. */
export async function postgresVersion(server: string): Promise<string> {
  const url = new URL(server);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return `PostgreSQL ${(await client.query('SHOW server_version')).rows[0].server_version.split(' ')[0]}`;
  } finally {
    await client.end();
  }
}
