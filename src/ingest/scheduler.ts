import type { DataSource } from 'typeorm';
import { IsNull, Not } from 'typeorm';
import type { ChangeRow } from '../changes/change-row';
import { RunTrigger } from './ingest-run.entity';
import { RunInProgressError } from './runner';
import { CONCURRENT_RUNS, IngestStoppingError, type IngestService } from './service';
import { ContentSource } from './source.entity';
import { backoffMs } from '../shared/backoff';

/** Longest a timer may wait in Node. */
const MAX_TIMER_MS = 2_147_483_647;

/** The wait before reading the due times again after a failure, doubling to the second. */
const RELOAD_RETRY_MS = 1_000;
const RELOAD_RETRY_MAX_MS = 60_000;

/**
 * Runs sources that have an `every` when they are due. It keeps the due times
 * in memory and sleeps until the earliest (no polling: it issues no statement
 * while nothing is due), and reads them again when the change log says a
 * source changed or a run ended, in this process or another. Several
 * processes may schedule the same source: the first to claim it runs it; the
 * others learn the new due time when that run ends, or retry when a claim
 * whose process died lapses.
 */
export class IngestScheduler {
  private due: { id: string; name: string; at: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly ingest: IngestService,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.reload();
  }

  /** A change-log listener: sources changed, or a run ended somewhere. */
  readonly onChanges = (rows: readonly ChangeRow[]): void => {
    if (rows.some((row) => row.subject === 'SOURCE')) void this.reload();
  };

  /** Reloads that failed in a row (a database away). */
  private failures = 0;

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const sources = await this.db.getRepository(ContentSource).find({
          select: { id: true, name: true, nextRunAt: true, leaseUntil: true },
          where: { everySeconds: Not(IsNull()) },
        });
        this.due = sources.map((source) => ({
          id: source.id,
          name: source.name,
          at: Math.max(source.nextRunAt?.getTime() ?? Date.now(), source.leaseUntil?.getTime() ?? 0),
        }));
        this.failures = 0;
        this.arm();
      } catch (error) {
        this.onError(error);
        // Nothing else would wake it but a source's change: it tries again after a wait (1 s, doubling to a minute).
        this.failures++;
        if (!this.stopped) {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.reload(), backoffMs(RELOAD_RETRY_MS, this.failures, RELOAD_RETRY_MAX_MS));
          this.timer.unref();
        }
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.due.length === 0) return;
    const next = Math.min(...this.due.map((source) => source.at));
    this.timer = setTimeout(() => void this.tick(), Math.min(MAX_TIMER_MS, Math.max(0, next - Date.now())));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    const now = Date.now();
    let started = 0;
    for (const source of this.due.filter((s) => s.at <= now)) {
      if (this.ingest.isRunning(source.name)) continue;
      if (started >= CONCURRENT_RUNS) break;
      try {
        await this.ingest.start(source.name, RunTrigger.SCHEDULE);
        started++;
      } catch (error) {
        // Claimed elsewhere, or this process is stopping (a pass under way as it stops): nothing went wrong.
        if (!(error instanceof RunInProgressError) && !(error instanceof IngestStoppingError)) this.onError(error);
      }
    }
    // Due times move when runs end (through the change log); read them again now too, for claims held elsewhere.
    await this.reload();
  }
}
