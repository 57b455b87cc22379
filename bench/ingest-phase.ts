#!/usr/bin/env node
/**
 * One measured phase of `bench:ingest`, in a process of its own (so that its
 * peak RSS is this phase's alone): starts the gateway in this process as
 * `npm start` does (HTTP server, change-log listener, the ingest service with
 * its parsing worker; scheduler off so that nothing starts on its own), then
 * runs the named sources two at a time through that service, as
 * `ingest --all` and the gateway's `runSource` do. Meanwhile it calls the
 * gateway it hosts, one request at a time (`/healthz` and a one-item GraphQL
 * feed page, by turns), and watches the event loop's delay: requests this
 * process serves wait on the same loop that writes the batches, so their
 * worst latency is what a long run costs readers.
 *
 * argv[2]: a JSON {@link PhaseRequest}; writes a {@link PhaseResult} to its `out`.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig, parseDatabaseUrl } from '../src/config';
import { RunOutcome, RunTrigger } from '../src/ingest/ingest-run.entity';
import { startGateway } from '../src/main';

export interface PhaseRequest {
  readonly databaseUrl: string;
  readonly sources: readonly string[];
  readonly batchSize: number;
  readonly maxBytes: number;
  /** Milliseconds between the end of one probe request and the start of the next. */
  readonly probeEveryMs: number;
  readonly out: string;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface PhaseResult {
  readonly seconds: number;
  /** CPU time of this process (all its threads) while the sources ran, s: on a shared machine, what the wall time would be alone. */
  readonly cpuSeconds: number;
  readonly runs: number;
  readonly outcomes: Record<string, number>;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly held: number;
  readonly documents: number;
  readonly failures: readonly string[];
  /** Highest RSS sampled (every 50 ms) while the sources ran, MB. */
  readonly peakRssMb: number;
  /** The process's high-water mark (VmHWM) at the end, start-up included, MB. */
  readonly hwmMb: number;
  readonly probes: { healthz: LatencySummary; graphql: LatencySummary; failed: number };
  /** Event-loop delay while the sources ran, ms. */
  readonly loopDelay: { p50: number; p99: number; max: number };
}

function summarise(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function hwmMb(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Sends one request on a keep-alive agent and resolves with its latency in ms (rejects on a non-2xx answer). */
function timed(agent: http.Agent, url: URL, body: string | null): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { agent, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((response.statusCode ?? 0) >= 300 || text.includes('"errors"')) reject(new Error(`${url.pathname} answered ${response.statusCode}: ${text.slice(0, 200)}`));
          else resolve(performance.now() - started);
        });
      },
    );
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as PhaseRequest;
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PLAYGROUND: 'off',
      RATE_LIMIT: 'off',
      INGEST_SCHEDULER: 'off',
      INGEST_BATCH_SIZE: String(request.batchSize),
      INGEST_MAX_BYTES: String(request.maxBytes),
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    },
    { port: 0, host: '127.0.0.1', database: parseDatabaseUrl(request.databaseUrl) },
  );
  const gateway = await startGateway(config, { demoIfEmpty: false });
  const origin = new URL(gateway.url).origin;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const healthz: number[] = [];
  const graphql: number[] = [];
  let failedProbes = 0;
  let probing = true;
  const probeBody = JSON.stringify({ query: '{ feed(first: 1) { edges { node { id title } } } }' });
  const probes = (async () => {
    for (let n = 0; probing; n++) {
      try {
        if (n % 2 === 0) healthz.push(await timed(agent, new URL('/healthz', origin), null));
        else graphql.push(await timed(agent, new URL('/graphql', origin), probeBody));
      } catch (error) {
        failedProbes++;
        if (failedProbes <= 3) process.stderr.write(`probe failed: ${(error as Error).message}\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, request.probeEveryMs));
    }
  })();
  // Warm the probes (first GraphQL request compiles its plan) before measuring.
  await new Promise((resolve) => setTimeout(resolve, 300));
  healthz.length = 0;
  graphql.length = 0;

  const loop = monitorEventLoopDelay({ resolution: 5 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  loop.enable();
  const outcomes: Record<string, number> = {};
  const totals = { created: 0, updated: 0, unchanged: 0, skipped: 0, held: 0, documents: 0 };
  const failures: string[] = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // As `ingest --all` runs them: CONCURRENT_RUNS at a time.
  await gateway.services.ingest.runEach(request.sources, RunTrigger.CLI, () => {}, (name, run) => {
    outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
    totals.created += run.created;
    totals.updated += run.updated;
    totals.unchanged += run.unchanged;
    totals.skipped += run.skipped;
    totals.held += run.held;
    totals.documents += run.documents;
    if (run.outcome === RunOutcome.FAILED) failures.push(`${name}: ${run.message}`);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  loop.disable();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  probing = false;
  await probes;
  agent.destroy();
  await gateway.stop();
  const result: PhaseResult = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    runs: request.sources.length,
    outcomes,
    ...totals,
    failures,
    peakRssMb: peakRss / 1_048_576,
    hwmMb: hwmMb(),
    probes: { healthz: summarise(healthz), graphql: summarise(graphql), failed: failedProbes },
    loopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
  };
  fs.writeFileSync(request.out, JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`ingest phase: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
