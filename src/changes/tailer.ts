import type { DataSource } from 'typeorm';
import type { ChangeRow } from './change-row';
import { onCommit } from './local-commits';
import { createLogReader, SilentConnectionError, type LogReader, type LogReaderOptions } from './log-reader';
import { backoffMs } from '../shared/backoff';
import { pruneChangeLog } from './retention';

/** Entries read per round trip while catching up. */
const READ_BATCH = 1_000;

/** Longest a timer may wait in Node (about 24.8 days); a later prune is scheduled in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** After a prune fails (the database away), the next try waits this long, doubling with each failure up to the most. */
const PRUNE_RETRY_MS = 30_000;
const PRUNE_RETRY_MAX_MS = 600_000;
/**
 * After a read fails, the next try waits this long, doubling with each failure
 * up to the most. Without it, entries committed before the failure would wait
 * for the next wake-up, which on a quiet SQLite site (no other process
 * committing) may never come.
 */
const READ_RETRY_MS = 250;
const READ_RETRY_MAX_MS = 10_000;

export type ChangeListener = (rows: readonly ChangeRow[]) => void | Promise<void>;

export interface TailerOptions extends LogReaderOptions {
  /** Entries older than this are pruned; 0 keeps everything. */
  readonly retentionMs: number;
  /** Told of failures in the background (a read, a listener, a prune). */
  readonly onError?: (error: unknown, what: string) => void;
}

/**
 * Follows the change log from where this process started, and hands each new
 * entry, in order, to every listener: the processes' copies (catalogues,
 * verified keys), and later subscriptions and webhooks. Woken by this
 * process's own commits at once, by other processes' through a PostgreSQL
 * notification (and its reader's heartbeat) or the SQLite poll; it always
 * reads from its last position, so a missed wake-up delays nothing beyond the
 * next one and loses nothing. A read that fails is tried again by itself
 * (after 250 ms, doubling up to 10 s while it fails): the next wake-up may be
 * far off.
 *
 * It also prunes: it knows when the oldest entry passes the retention period
 * and deletes then, so that it issues no statement while there is nothing to do.
 */
export class ChangeTailer {
  private position = 0;
  private readonly listeners = new Set<ChangeListener>();
  private readonly reader: LogReader;
  private reading: Promise<void> | null = null;
  private again = false;
  /** Until `start` knows the log's head, a wake-up is only noted (in `again`): a read from position 0 would hand the whole log over again. */
  private started = false;
  private stopped = false;
  private oldest: Date | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pruneFailures = 0;
  private readRetry: NodeJS.Timeout | null = null;
  private readFailures = 0;
  private unsubscribeCommits: (() => void) | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly options: TailerOptions,
  ) {
    this.reader = createLogReader(db, options);
  }

  /** The newest position this process has read. */
  get head(): number {
    return this.position;
  }

  /** Starts at the log's current end: what was written before the process started is not replayed. */
  async start(): Promise<void> {
    await this.reader.start(() => this.wake(), (error) => this.failed(error, 'polling the change log'));
    const { head, oldest } = await this.reader.bounds();
    this.position = head;
    this.oldest = oldest;
    this.started = true;
    // Woken while the head was being read: what committed after it is read now (what came before it is not replayed).
    if (this.again) {
      this.again = false;
      this.wake();
    }
    this.schedulePrune();
    this.unsubscribeCommits = onCommit(this.db, () => this.wake());
  }

  /** Adds a listener of new entries; returns how to remove it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads whatever is new; calls made while a read runs (or before the start knows the head) lead to one more read after it. */
  wake(): void {
    if (this.stopped) return;
    if (!this.started || this.reading) {
      this.again = true;
      return;
    }
    // After a failed read, wake-ups wait for the retry, which reads everything: a failing database is not asked again (and
    // the failure logged again) at every commit, sooner than the backoff allows.
    if (this.readRetry) return;
    this.reading = this.drain().finally(() => {
      this.reading = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once everything written so far has been read and handed to the listeners (tests, shutdown). */
  async settle(): Promise<void> {
    // Now, not when a pending retry would.
    this.cancelRetry();
    this.wake();
    while (this.reading) await this.reading;
    // A read under way when this was called failed and left a retry for later (the read asked for here then waits for it):
    // one read now, of this call's own. If it fails too, its retry stays.
    if (this.readRetry) {
      this.cancelRetry();
      this.wake();
      while (this.reading) await this.reading;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeCommits?.();
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.cancelRetry();
    await this.reading;
    await this.reader.close();
  }

  /** Reads until nothing is new; after a failure, tries again by itself (see READ_RETRY_MS). */
  private async drain(): Promise<void> {
    try {
      await this.readAll();
      this.readFailures = 0;
    } catch (error) {
      this.readFailures++;
      this.failed(error, 'reading the change log');
      this.retryRead();
    }
  }

  private async readAll(): Promise<void> {
    for (;;) {
      const rows = await this.reader.read(this.position, READ_BATCH);
      if (rows.length === 0) return;
      this.position = rows[rows.length - 1].seq;
      if (this.oldest === null) {
        this.oldest = rows[0].at;
        this.schedulePrune();
      }
      for (const listener of this.listeners) {
        try {
          await listener(rows);
        } catch (error) {
          this.options.onError?.(error, 'a change-log listener');
        }
      }
      if (rows.length < READ_BATCH) return;
    }
  }

  private retryRead(): void {
    if (this.stopped) return;
    this.readRetry = setTimeout(() => {
      this.readRetry = null;
      this.wake();
    }, backoffMs(READ_RETRY_MS, this.readFailures, READ_RETRY_MAX_MS));
    this.readRetry.unref();
  }

  private cancelRetry(): void {
    if (this.readRetry) clearTimeout(this.readRetry);
    this.readRetry = null;
  }

  private schedulePrune(): void {
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = null;
    if (this.stopped || this.options.retentionMs <= 0 || this.oldest === null) return;
    let due = this.oldest.getTime() + this.options.retentionMs - Date.now();
    // After a failure the oldest entry is still due: without a wait, the next try would come at once, and the next, as fast as they fail.
    if (this.pruneFailures > 0) due = Math.max(due, backoffMs(PRUNE_RETRY_MS, this.pruneFailures, PRUNE_RETRY_MAX_MS));
    this.pruneTimer = setTimeout(() => void this.prune(due > MAX_TIMER_MS), Math.max(0, Math.min(due, MAX_TIMER_MS)));
    this.pruneTimer.unref();
  }

  private async prune(early: boolean): Promise<void> {
    try {
      if (!early) await pruneChangeLog(this.db, new Date(Date.now() - this.options.retentionMs));
      this.oldest = (await this.reader.bounds()).oldest;
      this.pruneFailures = 0;
    } catch (error) {
      this.pruneFailures++;
      this.failed(error, 'pruning the change log');
    }
    this.schedulePrune();
  }

  /** Tells of a failure in the background; not of a silent connection, which the reader reported as lost when it dropped it (its replacement reads again). */
  private failed(error: unknown, what: string): void {
    if (!(error instanceof SilentConnectionError)) this.options.onError?.(error, what);
  }
}
