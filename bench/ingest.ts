#!/usr/bin/env node
/**
 * `npm run bench:ingest`: how fast the gateway ingests (issues 11 and 12).
 *
 * 1. generates the documents (`bench/ingest-data.ts`): N feeds of 1,000
 *    entries (RSS, Atom and JSON Feed by turns), an IATI activity file and a
 *    CSV project register, kept in `bench-output/ingest-docs/` between runs;
 * 2. serves them from a child process on 127.0.0.1 with ETags
 *    (`bench/ingest-server.ts`);
 * 3. per database (a SQLite file, a fresh PostgreSQL database), per batch
 *    size: an empty database (migrated, with the demo content a first start
 *    loads: the 81 members enrichment needs), one source per feed, then every
 *    source run once, each phase in a fresh process that hosts the gateway and
 *    runs the sources through its ingest service (`bench/ingest-phase.ts`);
 *    at the current batch size the same sources run again answering 304, and
 *    again answering 200 with the same bytes; then the IATI file and the CSV
 *    into another empty database;
 * 4. counts what each phase wrote (content rows, content entries of the
 *    change log, audit entries), writes `bench-output/ingest.{md,json}` and
 *    prints the table.
 *
 * Options: `--help` (the {@link USAGE} below).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, parseDatabaseUrl } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { loadDemoContent } from '../src/demo/demo.loader';
import { createSource } from '../src/ingest/sources';
import { ContentType } from '../src/shared/content/content-status';
import { ENTITIES } from '../src/server/modules';
import { CLI_ACTOR } from '../src/store/session';
import { generateIngestData, type GeneratedDocument } from './ingest-data';
import type { PhaseRequest, PhaseResult } from './ingest-phase';
import { postgresVersion } from './datasets';
import { exitWithFailure, exitWithUsageIfAsked, OptionError } from './usage';

const ROOT = path.resolve(__dirname, '../..');
const log = (line: string) => process.stdout.write(`${line}\n`);

type DbKind = 'sqlite' | 'postgres';

interface Options {
  readonly quick: boolean;
  readonly dbs: DbKind[];
  readonly sources: number;
  readonly entries: number;
  readonly activities: number;
  readonly csvRows: number;
  readonly batchSizes: number[];
  /** The batch size of each database's main runs: `--batch`, else the gateway's default for that database (100 on SQLite, 200 on PostgreSQL). */
  readonly batch: Record<DbKind, number>;
  /** Feeds the batch-size study runs (all by default; fewer to keep a long study short). */
  readonly studySources: number;
  readonly pg: string;
  readonly out: string;
  readonly maxBytes: number;
  /** Write a CPU profile of each phase process to bench-output/ingest-profiles/. */
  readonly profile: boolean;
}

/** What `--help` prints. */
const USAGE = `Usage: npm run bench:ingest -- [options]   (or node dist/bench/ingest.js [options])

How fast the gateway ingests feeds, an IATI file and a CSV register, served locally.

  --quick               10 feeds of 1,000, 2,000 activities, 10,000 rows; each
                        database at its default batch size, no batch-size study
  --db sqlite|postgres|both
  --sources N           feeds (default 100)
  --entries N           feed entries in all (default 1,000 a feed)
  --activities N        IATI activities (default 20,000; 0 for none)
  --csv-rows N          CSV rows (default 100,000; 0 for none)
  --batch N             batch size of the main runs on both databases (default:
                        each database's own, 100 on SQLite, 200 on PostgreSQL)
  --batch-sizes 50,200,500,1000
                        the batch-size study (first runs into empty databases)
  --study-sources N     feeds the study runs (default all)
  --pg URL              PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --out DIR             where results go (default bench-output/)
  --max-bytes N         the gateway's INGEST_MAX_BYTES for the runs (default 256 MiB)
  --profile             a CPU profile of each phase in OUT/ingest-profiles/
  --help                this text
`;

function parseOptions(argv: string[]): Options {
  exitWithUsageIfAsked(argv, USAGE);
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      db: { type: 'string' },
      entries: { type: 'string' },
      sources: { type: 'string' },
      activities: { type: 'string' },
      'csv-rows': { type: 'string' },
      'batch-sizes': { type: 'string' },
      batch: { type: 'string' },
      'study-sources': { type: 'string' },
      pg: { type: 'string' },
      out: { type: 'string' },
      'max-bytes': { type: 'string' },
      profile: { type: 'boolean' },
    },
  });
  const quick = Boolean(values.quick);
  const count = (name: string, text: string | undefined, fallback: number, min = 1) => {
    if (text === undefined) return fallback;
    const n = Number(text.replace(/_/g, '').replace(/k$/i, '000'));
    if (!Number.isSafeInteger(n) || n < min) throw new OptionError(`--${name} takes a whole number of at least ${min}, got "${text}"`);
    return n;
  };
  const db = values.db ?? 'both';
  if (!['sqlite', 'postgres', 'both'].includes(db)) throw new OptionError('--db takes sqlite, postgres or both');
  const configured = (url: string) => loadConfig({ DATABASE_URL: url }).ingest.batchSize;
  const batch = { sqlite: count('batch', values.batch, configured('sqlite::memory:')), postgres: count('batch', values.batch, configured('postgres://localhost/bench')) };
  const sources = count('sources', values.sources, quick ? 10 : 100);
  const entries = count('entries', values.entries, sources * 1_000);
  if (entries % sources !== 0) throw new OptionError('--entries must be a multiple of --sources');
  // Quick runs no study: its main runs measure each database's default batch size.
  const batchSizes = (values['batch-sizes'] ?? (quick ? '' : '50,200,500,1000'))
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => count('batch-sizes', s.trim(), 0));
  return {
    quick,
    dbs: db === 'both' ? ['sqlite', 'postgres'] : [db as DbKind],
    sources,
    entries,
    activities: count('activities', values.activities, quick ? 2_000 : 20_000, 0),
    csvRows: count('csv-rows', values['csv-rows'], quick ? 10_000 : 100_000, 0),
    batchSizes: [...new Set(batchSizes)].sort((a, b) => a - b),
    batch,
    studySources: Math.min(sources, count('study-sources', values['study-sources'], sources)),
    pg: values.pg ?? 'postgres://postgres@127.0.0.1:5432',
    out: path.resolve(values.out ?? path.join(ROOT, 'bench-output')),
    maxBytes: count('max-bytes', values['max-bytes'], 256 * 1_048_576),
    profile: Boolean(values.profile),
  };
}

/** The document server child: its origin, mode switch and counters. */
interface DocumentServer {
  readonly origin: string;
  readonly pid: number;
  mode(mode: 'etag' | 'always200'): Promise<void>;
  stats(): Promise<{ ok: number; notModified: number; other: number; bytes: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startDocumentServer(dir: string): Promise<DocumentServer> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'ingest-server.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the document server exited (${code})`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    pid: child.pid!,
    mode: async (mode) => void (await fetch(`${origin}/__mode/${mode}`, { method: 'POST' })).text(),
    stats: async () => (await fetch(`${origin}/__stats`)).json() as never,
    reset: async () => void (await fetch(`${origin}/__stats/reset`, { method: 'POST' })).text(),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A fresh, empty database of `kind` named after `label`; returns its URL. */
async function freshDatabase(options: Options, kind: DbKind, label: string): Promise<string> {
  if (kind === 'sqlite') {
    const file = path.join(options.out, 'ingest-db', `${label}.sqlite`);
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    return `sqlite:${file}`;
  }
  const name = `coalition_bench_ingest_${label.replace(/[^a-z0-9]/g, '_')}`;
  const admin = new URL(options.pg);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(options.pg);
  url.pathname = `/${name}`;
  return url.toString();
}

function open(url: string): Promise<DataSource> {
  return openDatabase(parseDatabaseUrl(url), { entities: ENTITIES });
}

/** Migrates the database, loads what a first start loads (members, demo items), and adds one source per document. */
async function prepare(url: string, server: DocumentServer, documents: readonly GeneratedDocument[]): Promise<string[]> {
  const db = await open(url);
  try {
    await loadDemoContent(db);
    const names: string[] = [];
    for (const [i, doc] of documents.entries()) {
      const name = doc.kind === 'FEED' ? `bench-feed-${String(i).padStart(3, '0')}` : `bench-${doc.kind.toLowerCase()}`;
      await createSource(
        db,
        CLI_ACTOR,
        {
          name,
          kind: doc.kind,
          url: `${server.origin}${doc.route}`,
          targetType: doc.kind === 'FEED' ? ContentType.DIGEST_ARTICLE : ContentType.STABILISATION_PROJECT,
          options: doc.kind === 'FEED' ? { outlet: `Bench outlet ${i}` } : doc.kind === 'CSV' ? { fullSnapshot: true } : {},
        },
        false,
      );
      names.push(name);
    }
    return names;
  } finally {
    await db.destroy();
  }
}

/** What the database holds, to tell what a phase wrote. */
interface Counts {
  readonly content: number;
  readonly changeSeq: number;
  readonly audit: number;
}

interface Writes {
  /** New content rows. */
  readonly rows: number;
  /** Change-log entries about content (source runs log a SOURCE entry each, which is not an item write). */
  readonly contentChanges: number;
  readonly auditEntries: number;
}

async function counts(url: string): Promise<Counts> {
  const db = await open(url);
  try {
    const one = async (sql: string) => Number((await db.query(sql))[0].n ?? 0);
    return {
      content: await one('SELECT count(*) AS n FROM content'),
      changeSeq: await one('SELECT max(seq) AS n FROM change_log'),
      audit: await one('SELECT count(*) AS n FROM audit_entry'),
    };
  } finally {
    await db.destroy();
  }
}

async function writesSince(url: string, before: Counts): Promise<Writes> {
  const after = await counts(url);
  const db = await open(url);
  try {
    const placeholder = url.startsWith('sqlite:') ? '?' : '$1';
    const [{ n }] = await db.query(`SELECT count(*) AS n FROM change_log WHERE seq > ${placeholder} AND subject <> 'SOURCE'`, [before.changeSeq]);
    return { rows: after.content - before.content, contentChanges: Number(n), auditEntries: after.audit - before.audit };
  } finally {
    await db.destroy();
  }
}

/** Runs one phase in a child process (see ingest-phase.ts). */
async function runPhase(options: Options, url: string, sources: readonly string[], batchSize: number): Promise<PhaseResult> {
  const out = path.join(options.out, 'ingest-db', `phase-${process.pid}.json`);
  fs.rmSync(out, { force: true });
  const request: PhaseRequest = { databaseUrl: url, sources, batchSize, maxBytes: options.maxBytes, probeEveryMs: 20, out };
  const profile = options.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(options.out, 'ingest-profiles')] : [];
  const child = spawn(process.execPath, [...profile, path.join(__dirname, 'ingest-phase.js'), JSON.stringify(request)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC' },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !fs.existsSync(out)) throw new Error(`the ingest phase exited with ${code}`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as PhaseResult;
}

/** One row of the report. */
interface Row {
  readonly db: DbKind;
  readonly scenario: string;
  readonly batchSize: number;
  readonly items: number;
  readonly result: PhaseResult;
  readonly writes: Writes;
  readonly served: { ok: number; notModified: number };
  readonly targetSeconds: number | null;
}

const itemsPerSecond = (row: Row) => row.items / row.result.seconds;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');

function mainRows(rows: readonly Row[]): Row[] {
  return rows.filter((row) => row.scenario !== 'batch study, first run');
}

/** The first feed runs, by database and batch size. */
function firstRuns(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r.scenario === 'feeds, first run' || r.scenario === 'batch study, first run').sort((a, b) => a.db.localeCompare(b.db) || a.batchSize - b.batchSize);
}

function textTable(rows: readonly Row[]): string {
  const header = ['db', 'scenario', 'batch', 'items', 'seconds', 'CPU s', 'items/s', 'peak RSS MB', 'written rows', 'content changes', 'max probe ms', 'target'];
  const lines = rows.map((row) => [
    row.db,
    row.scenario,
    String(row.batchSize),
    fmt(row.items),
    fmt(row.result.seconds, 1),
    fmt(row.result.cpuSeconds, 1),
    fmt(itemsPerSecond(row)),
    fmt(row.result.peakRssMb),
    fmt(row.writes.rows),
    fmt(row.writes.contentChanges),
    fmt(Math.max(row.result.probes.healthz.max, row.result.probes.graphql.max), 0),
    row.targetSeconds === null ? '' : row.result.seconds <= row.targetSeconds ? `< ${row.targetSeconds} s ok` : `> ${row.targetSeconds} s MISSED`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(line)].join('\n');
}

function markdown(options: Options, rows: readonly Row[], documents: readonly GeneratedDocument[], startedAt: string, postgres: string): string {
  const feeds = documents.filter((d) => d.kind === 'FEED');
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  const out: string[] = [];
  out.push(`# Ingestion benchmark (${options.quick ? 'quick' : 'full'})`, '');
  out.push(`Started ${startedAt}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.versions.node}, ${postgres}, SQLite (better-sqlite3, WAL).`, '');
  out.push(
    `Documents: ${feeds.length} feeds × ${fmt(feeds[0]?.items ?? 0)} entries (RSS, Atom, JSON Feed by turns; ${mb(feeds.reduce((s, d) => s + d.bytes, 0))} MB in all)` +
      documents.filter((d) => d.kind !== 'FEED').map((d) => `; ${d.kind} ${fmt(d.items)} ${d.kind === 'IATI' ? 'activities' : 'rows'} (${mb(d.bytes)} MB)`).join('') +
      `, served from a separate process on 127.0.0.1 with ETags. Each phase runs in a fresh process hosting the gateway (scheduler off) and runs the sources two at a time through its ingest service, as \`ingest --all\` does; parsing on the service's worker thread. Peak RSS: highest RSS of that process sampled every 50 ms during the runs (worker included). Probes: one request at a time to the same process, \`/healthz\` and a one-item GraphQL feed page by turns, 20 ms apart.`,
    '',
  );
  out.push('## Results', '');
  out.push('| db | scenario | batch | items | seconds | gateway CPU s | items/s | peak RSS MB | rows written | content changes | audit entries | target |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const row of mainRows(rows)) {
    out.push(
      `| ${row.db} | ${row.scenario} | ${row.batchSize} | ${fmt(row.items)} | ${fmt(row.result.seconds, 1)} | ${fmt(row.result.cpuSeconds, 1)} | ${fmt(itemsPerSecond(row))} | ${fmt(row.result.peakRssMb)} | ${fmt(row.writes.rows)} | ${fmt(row.writes.contentChanges)} | ${fmt(row.writes.auditEntries)} | ${row.targetSeconds === null ? '' : row.result.seconds <= row.targetSeconds ? `under ${row.targetSeconds} s` : `**over ${row.targetSeconds} s**`} |`,
    );
  }
  out.push('', 'Outcomes per phase (runs: created / updated / unchanged / skipped; documents answered 200 / 304):', '');
  for (const row of mainRows(rows)) {
    const r = row.result;
    out.push(
      `- ${row.db}, ${row.scenario}: ${Object.entries(r.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')}; ${fmt(r.created)} / ${fmt(r.updated)} / ${fmt(r.unchanged)} / ${fmt(r.skipped)}; ${row.served.ok} / ${row.served.notModified}` +
        `${r.failures.length ? `; FAILED: ${r.failures.slice(0, 3).join('; ')}` : ''}`,
    );
  }
  out.push('', '## Batch size (feeds, first run into an empty database)', '');
  out.push('| db | batch | items | seconds | gateway CPU s | items/s | peak RSS MB | /healthz p50 / p99 / max ms | GraphQL p50 / p99 / max ms | loop delay p99 / max ms |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const row of firstRuns(rows)) {
    const { healthz, graphql } = row.result.probes;
    const l = row.result.loopDelay;
    out.push(
      `| ${row.db} | ${row.batchSize}${row.batchSize === options.batch[row.db] ? ' (used)' : ''} | ${fmt(row.items)} | ${fmt(row.result.seconds, 1)} | ${fmt(row.result.cpuSeconds, 1)} | ${fmt(itemsPerSecond(row))} | ${fmt(row.result.peakRssMb)} | ${fmt(healthz.p50, 1)} / ${fmt(healthz.p99, 0)} / ${fmt(healthz.max, 0)} | ${fmt(graphql.p50, 1)} / ${fmt(graphql.p99, 0)} / ${fmt(graphql.max, 0)} | ${fmt(l.p99, 0)} / ${fmt(l.max, 0)} |`,
    );
  }
  out.push('');
  return out.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  fs.mkdirSync(path.join(options.out, 'ingest-db'), { recursive: true });
  const postgres = options.dbs.includes('postgres') ? await postgresVersion(options.pg) : 'no PostgreSQL';
  log(`generating documents: ${options.sources} feeds × ${options.entries / options.sources} entries, ${options.activities} IATI activities, ${options.csvRows} CSV rows`);
  const documents = generateIngestData(path.join(options.out, 'ingest-docs'), {
    sources: options.sources,
    entriesPerSource: options.entries / options.sources,
    activities: options.activities,
    csvRows: options.csvRows,
  });
  const feeds = documents.filter((d) => d.kind === 'FEED');
  const projects = documents.filter((d) => d.kind !== 'FEED');
  const server = await startDocumentServer(path.join(options.out, 'ingest-docs'));
  log(`document server pid ${server.pid} at ${server.origin}`);
  const rows: Row[] = [];
  const save = () => {
    fs.writeFileSync(path.join(options.out, 'ingest.json'), JSON.stringify({ startedAt, options, rows }, null, 2) + '\n');
    fs.writeFileSync(path.join(options.out, 'ingest.md'), markdown(options, rows, documents, startedAt, postgres));
  };
  const phase = async (db: DbKind, url: string, scenario: string, sources: readonly string[], batchSize: number, items: number, targetSeconds: number | null) => {
    const before = await counts(url);
    await server.reset();
    const result = await runPhase(options, url, sources, batchSize);
    const stats = await server.stats();
    const writes = await writesSince(url, before);
    const row: Row = { db, scenario, batchSize, items, result, writes, served: { ok: stats.ok, notModified: stats.notModified }, targetSeconds };
    rows.push(row);
    save();
    const probeMax = Math.max(result.probes.healthz.max, result.probes.graphql.max);
    log(
      `  ${db} ${scenario} (batch ${batchSize}): ${fmt(result.seconds, 1)} s, ${fmt(itemsPerSecond(row))} items/s, peak RSS ${fmt(result.peakRssMb)} MB; ` +
        `${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.skipped} skipped; wrote ${writes.rows} rows, ${writes.contentChanges} content changes, ${writes.auditEntries} audit entries; ` +
        `served ${stats.ok}×200 ${stats.notModified}×304; probes max ${fmt(probeMax)} ms (p99 ${fmt(Math.max(result.probes.healthz.p99, result.probes.graphql.p99))}), loop delay max ${fmt(result.loopDelay.max)} ms` +
        (result.failures.length ? `; FAILED: ${result.failures.slice(0, 3).join('; ')}` : ''),
    );
    return row;
  };
  // The issues' targets (60 s for the first run, 5 s for the 304 run) are for 100 feeds of 1,000 entries.
  const fullSize = options.sources >= 100 && options.entries >= 100_000;
  try {
    // First what the targets are about, on every database (the configured batch size, then 304, then 200
    // unchanged); then the other batch sizes; then IATI and CSV. Each phase is saved as it ends, so a run
    // cut short keeps what it measured.
    for (const db of options.dbs) {
      log(`\n== ${db}: feeds`);
      const batch = options.batch[db];
      const url = await freshDatabase(options, db, `feeds-${batch}`);
      const names = await prepare(url, server, feeds);
      await server.mode('etag');
      await phase(db, url, 'feeds, first run', names, batch, options.entries, fullSize ? 60 : null);
      await phase(db, url, 'feeds, 304', names, batch, options.entries, fullSize ? 5 : null);
      await server.mode('always200');
      await phase(db, url, 'feeds, 200 unchanged', names, batch, options.entries, null);
      await server.mode('etag');
    }
    const studyFeeds = feeds.slice(0, options.studySources);
    const studyEntries = studyFeeds.reduce((sum, d) => sum + d.items, 0);
    // Each database's own batch size was measured above on all the feeds; a study on fewer feeds runs it too, as its baseline.
    const partial = studyFeeds.length < feeds.length && options.batchSizes.length > 0;
    const sizesFor = (db: DbKind) => (partial ? [...new Set([...options.batchSizes, options.batch[db]])] : options.batchSizes.filter((size) => size !== options.batch[db]));
    const studies = options.dbs.flatMap((db) => sizesFor(db).map((batchSize) => ({ db, batchSize }))).sort((a, b) => a.batchSize - b.batchSize);
    for (const { db, batchSize } of studies) {
      log(`\n== ${db}: batch size ${batchSize}, ${studyFeeds.length} feeds`);
      const url = await freshDatabase(options, db, `feeds-${batchSize}`);
      const names = await prepare(url, server, studyFeeds);
      await phase(db, url, 'batch study, first run', names, batchSize, studyEntries, null);
    }
    for (const db of projects.length ? options.dbs : []) {
      log(`\n== ${db}: IATI and CSV`);
      const url = await freshDatabase(options, db, 'projects');
      const names = await prepare(url, server, projects);
      for (const [i, doc] of projects.entries()) {
        await phase(db, url, doc.kind === 'IATI' ? `IATI ${fmt(doc.items)} activities` : `CSV ${fmt(doc.items)} rows`, [names[i]], options.batch[db], doc.items, null);
      }
    }
  } finally {
    await server.stop();
  }
  save();
  log(`\n${textTable(mainRows(rows))}\n`);
  log(`batch sizes (feeds, first run):`);
  for (const row of firstRuns(rows)) {
    log(`  ${row.db.padEnd(8)} ${String(row.batchSize).padStart(5)}, ${fmt(row.items)} items: ${fmt(row.result.seconds, 1)} s (CPU ${fmt(row.result.cpuSeconds, 1)} s), ${fmt(itemsPerSecond(row))} items/s, probe p99/max ${fmt(Math.max(row.result.probes.healthz.p99, row.result.probes.graphql.p99))}/${fmt(Math.max(row.result.probes.healthz.max, row.result.probes.graphql.max))} ms, loop delay max ${fmt(row.result.loopDelay.max)} ms`);
  }
  log(`Wrote ${path.relative(process.cwd(), path.join(options.out, 'ingest.md'))} and ingest.json.`);
}

main().catch((error: unknown) => exitWithFailure('bench:ingest', error));
