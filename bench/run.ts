#!/usr/bin/env node
/**
 * `npm run bench` / `npm run bench:quick`: the gateway against PostGraphile 5
 * and against the raw-SQL floor (`bench/floor.ts`) on synthetic datasets (issues 5, 15).
 *
 * 1. loads a PostgreSQL database per size (10k, 200k, 1m items; a size already
 *    loaded is kept), 2. starts the gateway as deployed (production mode, a
 *    partner key) and PostGraphile 5 over the same tables, each as a child
 *    process, 3. checks that Q1–Q5 return the same items on both, counts their
 *    SQL statements and keeps their query plans, then drives both with
 *    autocannon, interleaved, 4. writes `bench-output/results.{json,md}` and
 *    prints the table.
 *
 * Options: `--help` (the {@link USAGE} below).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { loadConfig, parseDatabaseUrl } from '../src/config';
import { startGateway } from '../src/main';
import { busiestNations, campaignsWithStories, createBenchKey, dataset, ensureDataset, feedDepthFor, openBench, parseSize, publishedCount, type Dataset, positiveOption, postgresVersion } from './datasets';
import { startFloor } from './floor';
import { databaseCost, drive, explain, median, post, procStatusMb, recordingPool, StatementRecorder, typeormRecorder, type RunResult } from './measure';
import { startPostGraphile } from './postgraphile';
import { makeQueries, pageFeed, QUERY_NAMES, SYSTEMS, type BenchQuery, type Fixtures, type QueryName, type System } from './queries';
import { checkTargets, markdownReport, resultRows, targetSummary, textTable, type BenchResults, type QueryResult, type SizeResult } from './report';
import { startFloorProcess, startGatewayProcess, startPostGraphileProcess, type ServerProcess } from './servers';
import { exitWithFailure, exitWithUsageIfAsked, OptionError } from './usage';

const ROOT = path.resolve(__dirname, '../..');

interface Options {
  readonly mode: 'quick' | 'full';
  readonly sizes: number[];
  readonly reps: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly connections: number;
  readonly queries: QueryName[];
  readonly server: string;
  readonly out: string;
  readonly logLevel: string;
  readonly fastPath: string;
  /** The systems timed (all are started and checked). */
  readonly timed: System[];
}

/** What `--help` prints. */
const USAGE = `Usage: npm run bench -- [options]   (or node dist/bench/run.js [options])

The gateway against PostGraphile 5 and the raw-SQL floor on synthetic datasets.

  --quick               10k items, one 5 s run each
  --sizes 10k,200k,1m   dataset sizes (a size already loaded is kept)
  --reps N              timed runs per query and system
  --duration S          seconds per timed run
  --warmup S            seconds of warm-up before each
  --connections N       autocannon connections
  --queries Q1,Q3       which of Q1–Q6
  --systems gateway,postgraphile,floor
                        which servers are timed
  --pg URL              PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --out DIR             where results go (default bench-output/)
  --log-level L         the gateway's LOG_LEVEL (default info)
  --fast-path off       the gateway's FAST_PATH (default on)
  --help                this text
`;

function parseOptions(argv: string[]): Options {
  exitWithUsageIfAsked(argv, USAGE);
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      sizes: { type: 'string' },
      reps: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      queries: { type: 'string' },
      pg: { type: 'string' },
      out: { type: 'string' },
      'log-level': { type: 'string' },
      'fast-path': { type: 'string' },
      systems: { type: 'string' },
    },
  });
  const quick = Boolean(values.quick);
  const queries = (values.queries ?? QUERY_NAMES.join(',')).split(',').map((q) => q.trim().toUpperCase());
  for (const q of queries) if (!QUERY_NAMES.includes(q as QueryName)) throw new OptionError(`unknown query "${q}" (Q1–Q6)`);
  return {
    mode: quick ? 'quick' : 'full',
    sizes: (values.sizes ?? (quick ? '10k' : '10k,200k,1m')).split(',').map(parseSize),
    reps: positiveOption('reps', values.reps, quick ? 1 : 3),
    seconds: positiveOption('duration', values.duration, quick ? 5 : 10),
    warmup: positiveOption('warmup', values.warmup, quick ? 2 : 3),
    connections: positiveOption('connections', values.connections, 16),
    queries: queries as QueryName[],
    server: values.pg ?? 'postgres://postgres@127.0.0.1:5432',
    out: path.resolve(values.out ?? path.join(ROOT, 'bench-output')),
    logLevel: values['log-level'] ?? 'info',
    fastPath: values['fast-path'] ?? 'on',
    timed: (values.systems ?? SYSTEMS.join(',')).split(',').map((s) => s.trim()) as System[],
  };
}

const log = (line: string) => process.stdout.write(`${line}\n`);

type Servers = Record<System, ServerProcess>;
type Headers = Record<System, Record<string, string>>;

/** Pages both systems through the feed to `depth` items, checking they agree on every id; returns each one's cursor there. */
async function feedCursors(servers: Servers, headers: Headers, depth: number): Promise<Record<System, string>> {
  const gateway = await pageFeed('gateway', servers.gateway.url, headers.gateway, depth);
  const postgraphile = await pageFeed('postgraphile', servers.postgraphile.url, headers.postgraphile, depth);
  const differs = gateway.ids.findIndex((id, i) => postgraphile.ids[i] !== id);
  assert.equal(differs, -1, `the feed differs between the systems at item ${differs}`);
  // The floor answers with the gateway's cursors.
  return { gateway: gateway.endCursor, postgraphile: postgraphile.endCursor, floor: gateway.endCursor };
}

/**
 * Runs every variant of every query on every system: no errors, the expected
 * shape, the same items; and the floor's `data` is exactly the gateway's (same
 * JSON, key order included), so that it does the same work.
 */
async function verify(queries: BenchQuery[], servers: Servers, headers: Headers): Promise<void> {
  for (const query of queries) {
    for (let n = 0; n < query.variants; n++) {
      const results = {} as Record<System, unknown>;
      const raw = {} as Record<System, unknown>;
      for (const system of SYSTEMS) {
        const { data } = await post(servers[system].url, headers[system], query.text[system], query.variables(system, n));
        raw[system] = data;
        results[system] = query.normalise(system, data);
        assert.ok(query.hasShape(results[system]), `${query.name} (variant ${n}) on ${system} lacks the expected items: ${JSON.stringify(results[system]).slice(0, 300)}`);
      }
      const variables = JSON.stringify(query.variables('gateway', n));
      assert.deepEqual(results.postgraphile, results.gateway, `${query.name} (variant ${n}, ${variables}) differs between the gateway and PostGraphile`);
      assert.deepEqual(results.floor, results.gateway, `${query.name} (variant ${n}, ${variables}) differs between the gateway and the floor`);
      assert.equal(JSON.stringify(raw.floor), JSON.stringify(raw.gateway), `${query.name} (variant ${n}, ${variables}): the floor's JSON is not the gateway's`);
    }
    log(`  ${query.name}: ${query.variants} variant${query.variants === 1 ? '' : 's'}, same items on all systems, the floor's JSON identical to the gateway's`);
  }
}

interface SqlProfile {
  statements: number;
  sqlMs: number;
  /** PostgreSQL's CPU time for the request's statements, µs ({@link databaseCost}). */
  dbCpuUs: number;
  /** The share of the timed executions that PostgreSQL planned afresh (0–1). */
  replannedShare: number;
}

/**
 * Counts the statements one request of each query runs on each system, in
 * process (the gateway with a TypeORM logger, PostGraphile and the floor with
 * a recording pool), writes their EXPLAIN ANALYZE plans, and measures what
 * they cost the database on their own ({@link databaseCost}).
 */
async function profileSql(set: Dataset, queries: BenchQuery[], key: string, explainDir: string): Promise<Record<QueryName, Record<System, SqlProfile>>> {
  const profile = {} as Record<QueryName, Record<System, SqlProfile>>;
  fs.mkdirSync(explainDir, { recursive: true });
  const measure = async (system: System, url: string, headers: Record<string, string>, recorder: StatementRecorder) => {
    for (const query of queries) {
      const body = () => post(url, headers, query.text[system], query.variables(system, 0));
      await body();
      const statements = await recorder.during(body);
      const plans = await explain(set.url, statements);
      const cost = await databaseCost(set.url, statements);
      const cpu = Number.isFinite(cost.cpuUs) ? `${cost.cpuUs.toFixed(0)} µs per request` : '– (the backend is not readable here)';
      const parallel = plans.text.includes('Workers Launched') ? '; its parallel workers are not counted' : '';
      const costLine = `-- database CPU ${cpu} (each statement prepared once, all run ${cost.runs} times in turn on one connection${parallel}); planned afresh ${cost.replanned} of ${cost.executions} executions`;
      fs.writeFileSync(path.join(explainDir, `${query.name}-${system}.txt`), `-- ${query.name} on ${system}: ${statements.length} statements\n${costLine}\n\n${plans.text}`);
      (profile[query.name] ??= {} as Record<System, SqlProfile>)[system] = {
        statements: statements.length,
        sqlMs: plans.executionMs,
        dbCpuUs: cost.cpuUs,
        replannedShare: cost.replanned / Math.max(1, cost.executions),
      };
    }
  };

  const gatewayRecorder = new StatementRecorder();
  const config = loadConfig(
    { NODE_ENV: 'production', LOG_LEVEL: 'silent', PLAYGROUND: 'off', RATE_LIMITS: 'partner=1000000000' },
    { port: 0, host: '127.0.0.1', database: parseDatabaseUrl(set.url) },
  );
  const gateway = await startGateway(config, { demoIfEmpty: false, sqlLogger: typeormRecorder(gatewayRecorder) });
  try {
    await measure('gateway', gateway.url, { authorization: `Bearer ${key}` }, gatewayRecorder);
  } finally {
    await gateway.stop();
  }

  // PostGraphile and the floor run their statements through a pool that records them.
  const throughRecordingPool = async (system: System, start: (pool: Pool) => Promise<{ url: string; close(): Promise<void> }>) => {
    const recorder = new StatementRecorder();
    const pool = recordingPool(set.url, recorder);
    try {
      const server = await start(pool);
      try {
        await measure(system, server.url, {}, recorder);
      } finally {
        await server.close();
      }
    } finally {
      await pool.end();
    }
  };
  await throughRecordingPool('postgraphile', (pool) => startPostGraphile(set.url, 0, '127.0.0.1', pool));
  await throughRecordingPool('floor', (pool) => startFloor(set.url, 0, '127.0.0.1', pool));
  return profile;
}

async function benchSize(options: Options, set: Dataset, titles: Partial<Record<QueryName, string>>): Promise<SizeResult> {
  log(`\n== ${set.label}: ${set.items.toLocaleString('en-GB')} items (${set.database})`);
  const load = await ensureDataset(options.server, set, path.join(options.out, 'loads.json'), log);

  const db = await openBench(set);
  let key: string;
  let partial: Omit<Fixtures, 'feedCursor'>;
  let published: number;
  try {
    key = await createBenchKey(db);
    published = await publishedCount(db);
    partial = {
      nationCodes: await busiestNations(db),
      campaignSlugs: await campaignsWithStories(db),
      feedDepth: feedDepthFor(published),
    };
  } finally {
    await db.destroy();
  }
  const headers: Headers = { gateway: { authorization: `Bearer ${key}` }, postgraphile: {}, floor: {} };
  const logs = path.join(options.out, 'logs');

  const servers = {} as Servers;
  try {
    servers.gateway = await startGatewayProcess(set.url, path.join(logs, `gateway-${set.label}.log`), { env: { FAST_PATH: options.fastPath }, logLevel: options.logLevel });
    servers.postgraphile = await startPostGraphileProcess(set.url, path.join(logs, `postgraphile-${set.label}.log`));
    servers.floor = await startFloorProcess(set.url, path.join(logs, `floor-${set.label}.log`));
    log(
      `gateway pid ${servers.gateway.pid} at ${servers.gateway.url} (LOG_LEVEL=${options.logLevel}, FAST_PATH=${options.fastPath}); PostGraphile pid ${servers.postgraphile.pid} at ${servers.postgraphile.url}; ` +
        `floor pid ${servers.floor.pid} at ${servers.floor.url}`,
    );

    log(`checking the queries (Q5: paging both systems ${partial.feedDepth.toLocaleString('en-GB')} items deep)`);
    const fixtures: Fixtures = { ...partial, feedCursor: await feedCursors(servers, headers, partial.feedDepth) };
    const queries = makeQueries(fixtures).filter((q) => options.queries.includes(q.name));
    for (const q of queries) titles[q.name] = q.title;
    await verify(queries, servers, headers);

    log('counting SQL statements and keeping query plans');
    const sql = await profileSql(set, queries, key, path.join(options.out, 'explain', set.label));

    const results: SizeResult['queries'] = {};
    for (const query of queries) {
      const bodies = Object.fromEntries(
        SYSTEMS.map((system) => [system, Array.from({ length: query.variants }, (_, n) => JSON.stringify({ query: query.text[system], variables: query.variables(system, n) }))]),
      ) as Record<System, string[]>;
      const run = (system: System, seconds: number) =>
        drive({
          url: servers[system].url,
          headers: headers[system],
          body: (n) => bodies[system][n % bodies[system].length],
          varies: query.variants > 1,
          connections: options.connections,
          seconds,
          pid: servers[system].pid,
        });
      const timed = SYSTEMS.filter((system) => options.timed.includes(system));
      for (const system of timed) await run(system, options.warmup);
      const runs: Record<System, RunResult[]> = { gateway: [], postgraphile: [], floor: [] };
      for (let rep = 0; rep < options.reps; rep++) {
        for (const system of rep % 2 ? [...timed].reverse() : timed) {
          const result = await run(system, options.seconds);
          runs[system].push(result);
          log(
            `  ${set.label} ${query.name} ${system.padEnd(12)} run ${rep + 1}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
              `CPU ${result.cpuMsPerRequest.toFixed(2)} ms/req, RSS ${result.peakRssMb.toFixed(0)} MB${result.failures ? `, ${result.failures} FAILED` : ''}`,
          );
        }
      }
      results[query.name] = Object.fromEntries(
        timed.map((system): [System, QueryResult] => [
          system,
          {
            runs: runs[system],
            rps: median(runs[system].map((r) => r.rps)),
            p50: median(runs[system].map((r) => r.p50)),
            p99: median(runs[system].map((r) => r.p99)),
            failures: runs[system].reduce((sum, r) => sum + r.failures, 0),
            statements: sql[query.name][system].statements,
            sqlMs: sql[query.name][system].sqlMs,
            dbCpuUs: sql[query.name][system].dbCpuUs,
            replannedShare: sql[query.name][system].replannedShare,
            peakRssMb: Math.max(...runs[system].map((r) => r.peakRssMb)),
            cpuMsPerRequest: median(runs[system].map((r) => r.cpuMsPerRequest)),
          },
        ]),
      ) as Record<System, QueryResult>;
    }
    const highWaterMb = Object.fromEntries(SYSTEMS.filter((system) => options.timed.includes(system)).map((system) => [system, procStatusMb(servers[system].pid, 'VmHWM')])) as Record<System, number>;
    return {
      label: set.label,
      items: set.items,
      database: set.database,
      published,
      load,
      fixtures: { nationCodes: fixtures.nationCodes, campaignSlugs: fixtures.campaignSlugs, feedDepth: fixtures.feedDepth },
      queries: results,
      highWaterMb,
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  fs.mkdirSync(options.out, { recursive: true });
  const startedAt = new Date().toISOString();
  const postgres = await postgresVersion(options.server);
  const titles: Partial<Record<QueryName, string>> = {};
  const sizes: SizeResult[] = [];
  const results = (): BenchResults => ({
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    settings: { connections: options.connections, seconds: options.seconds, warmupSeconds: options.warmup, repetitions: options.reps, gatewayLogLevel: options.logLevel, gatewayFastPath: options.fastPath },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.versions.node,
      postgres,
    },
    queryTitles: titles,
    sizes,
  });
  const write = () => {
    const all = results();
    fs.writeFileSync(path.join(options.out, 'results.json'), JSON.stringify(all, null, 2) + '\n');
    fs.writeFileSync(path.join(options.out, 'results.md'), markdownReport(all));
    return all;
  };
  for (const items of options.sizes) {
    sizes.push(await benchSize(options, dataset(options.server, items), titles));
    write(); // after each size, so that a long run leaves its results so far
  }
  const all = write();
  log(`\n${textTable(resultRows(all))}\n`);
  log(targetSummary(checkTargets(all)));
  log(`Loads: ${all.sizes.map((s) => `${s.label} ${Number.isFinite(s.load.loadSeconds) ? `${s.load.loadSeconds.toFixed(1)} s` : 'earlier, time unknown'}${s.load.loadedNow ? '' : ' (earlier run)'}`).join('; ')}`);
  log(`Wrote ${path.relative(process.cwd(), path.join(options.out, 'results.md'))} and results.json (plans in explain/, server logs in logs/).`);
}

main().catch((error: unknown) => exitWithFailure('bench', error));
