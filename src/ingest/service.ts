import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { IngestRun, RunOutcome, type RunTrigger } from './ingest-run.entity';
import { DocumentParser } from './parse';
import { RunInProgressError, runningRunOf, startRun, type RunnerSettings, type StartedRun } from './runner';
import type { ContentSource } from './source.entity';
import { LEASE_MS, sourceByName } from './sources';

/**
 * Runs `ingest --all` makes at once, and the scheduler starts per pass. Two,
 * so that one run's next document is fetched and parsed (on the parsing
 * thread) while the other's items are written: at 100 feeds of 1,000 entries,
 * 121 s → 78 s on PostgreSQL (whose server then works on both cores) and
 * 152 s → 140 s on SQLite. Three gained nothing measurable on two cores.
 */
export const CONCURRENT_RUNS = 2;

/** What the gateway's package calls itself on outbound requests. */
export const USER_AGENT = `CoalitionGraph/${(require('../../../package.json') as { version: string }).version} (content federation gateway; node ${process.versions.node})`;

export interface IngestSettings {
  readonly allowedHosts: readonly string[];
  readonly maxBytes: number;
  readonly batchSize: number;
  /** Longest wait for a source's response headers and each next body chunk (INGEST_FETCH_TIMEOUT_MS). */
  readonly fetchTimeoutMs?: number;
  /** Parse on the calling thread (tools that do nothing else meanwhile); a worker thread otherwise. */
  readonly inlineParsing?: boolean;
  /** Told of runs that end badly and of failures in the background. */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;
}

/** What ingestion takes from the configuration, the same in the server and in the CLI; `allowedHosts` as `net/address-rules.ts` parsed them. */
export function ingestSettingsFrom(config: Config, allowedHosts: readonly string[], log?: IngestSettings['log']): IngestSettings {
  return { allowedHosts, maxBytes: config.ingest.maxBytes, batchSize: config.ingest.batchSize, fetchTimeoutMs: config.ingest.fetchTimeoutMs, log };
}

/** A run asked for once the process is stopping (see `IngestService.stop`). */
export class IngestStoppingError extends Error {
  override name = 'IngestStoppingError';
  constructor() {
    super('Ingestion is stopping with its process; run the source again once it is back');
  }
}

/**
 * Runs sources for one process: the gateway's resolvers and scheduler, or the
 * CLI. Each run claims its source in the database first, so a source is run by
 * one process at a time whichever started it.
 */
export class IngestService {
  readonly settings: RunnerSettings;
  private readonly running = new Map<string, Promise<IngestRun>>();
  /** Aborted by {@link stop}: the runs' `signal`. */
  private readonly stopping = new AbortController();

  constructor(
    readonly db: DataSource,
    private readonly options: IngestSettings,
  ) {
    this.settings = {
      db,
      allowedHosts: options.allowedHosts,
      maxBytes: options.maxBytes,
      batchSize: options.batchSize,
      fetchTimeoutMs: options.fetchTimeoutMs,
      userAgent: USER_AGENT,
      owner: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
      parser: new DocumentParser(options.inlineParsing ?? false),
      signal: this.stopping.signal,
    };
  }

  /**
   * Stops this process's runs at their next step (shutdown, Ctrl-C): each
   * ends as FAILED with `STOPPED`, keeps what it wrote and lets go of its
   * source at once (another process, or this one started again, runs it
   * without waiting for the claim to lapse). No run starts after it.
   */
  stop(): void {
    this.stopping.abort();
  }

  /** True once {@link stop} was called. */
  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Starts a run of the named source and returns its record at once; throws {@link RunInProgressError} when it runs already. */
  async start(source: ContentSource | string, trigger: RunTrigger, progress?: (line: string) => void): Promise<StartedRun> {
    if (this.stopped) throw new IngestStoppingError();
    const resolved = typeof source === 'string' ? await sourceByName(this.db, source) : source;
    // The claim on the source is exclusive, this process's own included: a second run of it is refused by startRun.
    const started = await startRun(this.settings, resolved, trigger, progress);
    const done = started.done
      .then(
        (run) => {
          if (run.outcome === RunOutcome.FAILED) this.options.log?.('warn', `ingest run of ${run.sourceName} failed: ${run.message}`, { runId: run.id });
          else this.options.log?.('info', `ingest run of ${run.sourceName}: ${summariseRun(run)}`, { runId: run.id });
          return run;
        },
        (error: unknown) => {
          this.options.log?.('error', `ingest run of ${resolved.name} could not be recorded: ${(error as Error)?.message ?? String(error)}`, { runId: started.run.id });
          throw error;
        },
      )
      .finally(() => this.running.delete(resolved.name));
    // Whoever awaits the run (the CLI, a test) sees its failure; the scheduler and the mutation do not await it, and an
    // unhandled rejection would end the process.
    done.catch(() => {});
    this.running.set(resolved.name, done);
    return { run: started.run, done };
  }

  /**
   * Runs the named source to its end. If another run of it is in progress
   * (here or in another process), waits for that one instead of starting a
   * second, and returns it; if that run's process died, its claim lapses and
   * this one runs the source.
   */
  async run(name: string, trigger: RunTrigger, progress: (line: string) => void = () => {}): Promise<IngestRun> {
    for (;;) {
      try {
        return await (await this.start(name, trigger, progress)).done;
      } catch (error) {
        if (!(error instanceof RunInProgressError)) throw error;
        const mine = this.running.get(name);
        if (mine) return mine;
        progress(`${name} is being run already${error.run ? ` (started ${error.run.startedAt.toISOString()})` : ''}; waiting for that run (a run whose process was stopped holds it until its lease runs out, up to 2 minutes)`);
        const other = await this.waitFor(name, error.run);
        if (other) return other;
      }
    }
  }

  /**
   * Runs each named source to its end, {@link CONCURRENT_RUNS} at a time, in
   * the order given; `ended` hears of each run as it ends (with its time in
   * seconds), so output follows the runs rather than the list.
   */
  async runEach(names: readonly string[], trigger: RunTrigger, progress: (name: string, line: string) => void, ended: (name: string, run: IngestRun, seconds: number) => void): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < names.length && !this.stopped) {
        const name = names[next++];
        const started = Date.now();
        try {
          const run = await this.run(name, trigger, (line) => progress(name, line));
          ended(name, run, (Date.now() - started) / 1000);
        } catch (error) {
          // A run that threw rather than ended (its source removed meanwhile, the database gone, `ended` failing):
          // no lane starts another, and the caller hears of it once the runs going on have ended.
          next = names.length;
          throw error;
        }
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(CONCURRENT_RUNS, names.length) }, lane));
    const failed = lanes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** True while this process runs `name`. */
  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /** Resolves once every run this process started has ended (shutdown, tests). */
  async settle(): Promise<void> {
    // Every run, also one whose record could not be written (its failure was logged): shutdown goes on after it.
    await Promise.allSettled([...this.running.values()]);
  }

  async close(): Promise<void> {
    await this.settle();
    await this.settings.parser.close();
  }

  /** Polls another process's run until it ends; null when its claim lapsed (the process died) so that the caller may run the source. */
  private async waitFor(name: string, run: IngestRun | null): Promise<IngestRun | null> {
    const deadline = Date.now() + 24 * 3_600_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const current = run ? await this.db.getRepository(IngestRun).findOneBy({ id: run.id }) : await runningRunOf(this.db, name);
      if (current && current.outcome !== RunOutcome.RUNNING) return current;
      const source = await sourceByName(this.db, name);
      if (!source.leaseUntil || source.leaseUntil.getTime() < Date.now() - LEASE_MS / 10) {
        // The run's end and the release of its claim commit together: one that ended between the two reads above shows
        // no claim here but was read as still running. Read it once more, or this caller would run the source again.
        const ended = run ? await this.db.getRepository(IngestRun).findOneBy({ id: run.id }) : null;
        return ended && ended.outcome !== RunOutcome.RUNNING ? ended : null;
      }
    }
    return null;
  }
}

/** One line of what a run did: `12 created, 3 updated, 85 unchanged, 2 skipped` (and held, withdrawn, republished when there are any). */
export function summariseRun(run: IngestRun): string {
  if (run.outcome === RunOutcome.UNCHANGED) return 'not modified since the last run';
  const parts = [`${run.created} created`, `${run.updated} updated`, `${run.unchanged} unchanged`, `${run.skipped} skipped`];
  if (run.held) parts.push(`${run.held} held for review`);
  if (run.withdrawn) parts.push(`${run.withdrawn} withdrawn`);
  if (run.republished) parts.push(`${run.republished} republished`);
  return `${parts.join(', ')} from ${run.documents} document${run.documents === 1 ? '' : 's'}`;
}

const services = new WeakMap<DataSource, IngestService>();

/** Registers the process's ingest service for a database, where resolvers find it. */
export function registerIngestService(db: DataSource, service: IngestService): void {
  services.set(db, service);
}

/** The process's ingest service for `db`. */
export function ingestServiceOf(db: DataSource): IngestService {
  const service = services.get(db);
  if (!service) throw new Error('ingestion is not running in this process');
  return service;
}
