import fs from 'node:fs';
import { Client, Pool } from 'pg';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * Tools the runner measures with: load (autocannon), memory (/proc), and the
 * SQL each system runs for one request.
 */

// autocannon ships no type declarations; these are the parts the runner uses.
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}
const autocannon = require('autocannon') as (options: object) => Promise<AutocannonResult>;

/** One timed run against one system. */
export interface RunResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly seconds: number;
  /** Non-2xx responses, connection errors and timeouts, and 2xx responses that carried GraphQL errors. */
  readonly failures: number;
  /** Highest resident set size of the server process seen during the run, MB. */
  readonly peakRssMb: number;
  /**
   * CPU time (user + system) the server process spent per request during the
   * run, ms, from /proc: the work a request costs the server, which other load
   * on a shared machine disturbs far less than req/s.
   */
  readonly cpuMsPerRequest: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The JSON body of the n-th request. */
  readonly body: (n: number) => string;
  /** Whether `body` varies with n; if not, autocannon sends one fixed body. */
  readonly varies: boolean;
  readonly connections: number;
  readonly seconds: number;
  /** The server's pid, to sample its memory. */
  readonly pid: number;
}

/** Drives a server with autocannon for `seconds` and reports throughput, latency, failures and peak memory. */
export async function drive(options: LoadOptions): Promise<RunResult> {
  let n = 0;
  const sampler = rssSampler(options.pid);
  const cpuBefore = cpuMs(options.pid);
  try {
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
      ...(options.varies
        ? { requests: [{ method: 'POST', setupRequest: (request: object) => ({ ...request, body: options.body(n++) }) }] }
        : { body: options.body(0) }),
      // A GraphQL error can come with status 200; a cheap look at the body catches it.
      verifyBody: (body: string) => !body.includes('"errors"'),
    });
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      seconds: result.duration,
      failures: result.non2xx + result.errors + result.timeouts + result.mismatches,
      peakRssMb: sampler.peakMb(),
      cpuMsPerRequest: (cpuMs(options.pid) - cpuBefore) / Math.max(1, result.requests.total),
    };
  } finally {
    sampler.stop();
  }
}

/** CPU time (user + system) a process has used, ms, from /proc/<pid>/stat (Linux; NaN elsewhere). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

/** Resident memory of a process, MB, from /proc (Linux). */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

function rssSampler(pid: number): { peakMb(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, procStatusMb(pid, 'VmRSS'));
    } catch {
      // The process is gone; the run will report its failures.
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    peakMb: () => (sample(), peak),
    stop: () => clearInterval(timer),
  };
}

/** A statement as a system sent it, with its parameters, for counting and EXPLAIN. */
export interface RecordedStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** Records statements while `recording` is on. */
export class StatementRecorder {
  recording = false;
  statements: RecordedStatement[] = [];

  record(text: string, values: readonly unknown[] | undefined): void {
    if (this.recording) this.statements.push({ text, values: values ?? [] });
  }

  /** Runs `work` and returns the statements it caused. */
  async during(work: () => Promise<unknown>): Promise<RecordedStatement[]> {
    this.statements = [];
    this.recording = true;
    try {
      await work();
      // Loader batches and pool releases settle on later ticks.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      this.recording = false;
    }
    return this.statements;
  }
}

/** A TypeORM logger feeding a recorder: how the gateway's statements are counted. */
export function typeormRecorder(recorder: StatementRecorder): TypeOrmLogger {
  return {
    logQuery: (query, parameters) => recorder.record(query, Array.isArray(parameters) ? parameters : []),
    logQueryError: () => {},
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };
}

/**
 * A `pg` pool whose clients report every query: how PostGraphile's statements
 * are counted (it runs them all through `client.query` of a pooled client).
 */
export function recordingPool(connectionString: string, recorder: StatementRecorder): Pool {
  const pool = new Pool({ connectionString, max: 10 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [first, second] = args;
      if (typeof first === 'string') recorder.record(first, Array.isArray(second) ? second : []);
      else if (first && typeof first === 'object' && 'text' in first) {
        const config = first as { text: string; values?: unknown[] };
        recorder.record(config.text, config.values);
      }
      return query(...args);
    };
  });
  return pool;
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement, and the sum of their execution times in ms. */
export async function explain(connectionString: string, statements: readonly RecordedStatement[]): Promise<{ text: string; executionMs: number }> {
  const client = new Client({ connectionString });
  await client.connect();
  let executionMs = 0;
  const parts: string[] = [];
  try {
    for (const [i, statement] of statements.entries()) {
      const { rows } = await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, values: [...statement.values] });
      const plan = rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      const ms = /Execution Time: ([\d.]+) ms/.exec(plan);
      executionMs += ms ? Number(ms[1]) : 0;
      parts.push(`-- statement ${i + 1}\n${statement.text}\n-- parameters: ${JSON.stringify(statement.values)}\n\n${plan}\n`);
    }
  } finally {
    await client.end();
  }
  return { text: parts.join('\n'), executionMs };
}

/** What one request's statements cost PostgreSQL itself, measured apart from any server's load. */
export interface DatabaseCost {
  /**
   * The backend's CPU time for one run of all the statements, µs; NaN when it
   * cannot be read here (PostgreSQL on another machine or in a container).
   * Parallel workers are processes of their own and not counted: a plan with
   * `Gather` shows "Workers Launched" in its EXPLAIN.
   */
  readonly cpuUs: number;
  /** How many times all the statements were run in turn, timed. */
  readonly runs: number;
  /** Timed executions PostgreSQL made of them, from `pg_prepared_statements` (runs × statements when all went through). */
  readonly executions: number;
  /** Of those, the executions PostgreSQL planned afresh (a custom plan) instead of reusing its plan. */
  readonly replanned: number;
}

/** Runs of the statements before timing: PostgreSQL settles on reusing a plan (or not) after its fifth execution. */
const COST_WARMUP_RUNS = 10;

/**
 * The database's own cost of a request's statements: each is prepared once by
 * name on one connection, as the gateway and the floor run theirs, then all
 * of them are run `runs` times in turn; the backend's CPU time comes from
 * /proc/<pid>/schedstat (nanoseconds) and its plan reuse from
 * `pg_prepared_statements` (its plan counters need PostgreSQL 14 or later).
 * The same method for every system, so that one can see whether the floor's
 * SQL costs the database more than the gateway's.
 */
export async function databaseCost(connectionString: string, statements: readonly RecordedStatement[], runs = 1000): Promise<DatabaseCost> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const localPort = (client as unknown as { connection?: { stream?: { localPort?: number } } }).connection?.stream?.localPort;
    const own = isOwnBackend(pid, localPort);
    const named = statements.map((statement, i) => ({ name: `bench_cost_${i}`, text: statement.text, values: [...statement.values] }));
    const runAll = async () => {
      for (const statement of named) await client.query(statement);
    };
    const plans = async () => {
      const { rows } = await client.query<{ generic: string; custom: string }>(
        "SELECT coalesce(sum(generic_plans), 0) AS generic, coalesce(sum(custom_plans), 0) AS custom FROM pg_prepared_statements WHERE name LIKE 'bench_cost_%'",
      );
      return { generic: Number(rows[0].generic), custom: Number(rows[0].custom) };
    };
    for (let i = 0; i < COST_WARMUP_RUNS; i++) await runAll();
    const plansBefore = await plans();
    const before = own ? backendCpuNs(pid) : NaN;
    for (let i = 0; i < runs; i++) await runAll();
    const after = own ? backendCpuNs(pid) : NaN;
    const plansAfter = await plans();
    const replanned = plansAfter.custom - plansBefore.custom;
    return { cpuUs: (after - before) / 1000 / runs, runs, executions: replanned + plansAfter.generic - plansBefore.generic, replanned };
  } finally {
    await client.end();
  }
}

/**
 * Whether `pid` here is this connection's backend: PostgreSQL gives the pid as
 * its own machine sees it, so on another machine (or in a container) it may
 * name some unrelated process here. A backend's process title holds its
 * client's address and port, e.g. `postgres: postgres test 127.0.0.1(51234) idle`.
 */
function isOwnBackend(pid: number, localPort: number | undefined): boolean {
  if (!localPort) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`(${localPort})`);
  } catch {
    return false;
  }
}

/** CPU time a process has used, ns (the first field of /proc/<pid>/schedstat); NaN if it cannot be read. */
function backendCpuNs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** A GraphQL response's body. */
export interface GraphQLBody {
  data?: any;
  errors?: { message: string }[];
}

/** Sends one GraphQL request; anything but an error-free 200 with data throws, naming the server and what it said. */
export async function post(url: string, headers: Record<string, string>, query: string, variables?: Record<string, unknown>): Promise<GraphQLBody> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLBody;
  if (response.status !== 200 || body.errors?.length || !body.data) {
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
