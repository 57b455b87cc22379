import type { DataSource } from 'typeorm';
import type { ChangeRow } from '../../changes/change-row';
import { backoffMs } from '../../shared/backoff';
import { WebhookDeliverer, type DelivererSettings } from './deliverer';
import { fanOut, type FanOutResult } from './fan-out';
import { pruneDeliveries } from './retention';

/** How often settled deliveries of changes gone from the change log are deleted, the first time a minute after start (not in its burst). */
const PRUNE_EVERY_MS = 3_600_000;
const FIRST_PRUNE_MS = 60_000;

/** After a fan-out fails (the database away, a statement timed out), the next try waits this long, doubling up to the most. */
const FAN_OUT_RETRY_MS = 1_000;
const FAN_OUT_RETRY_MAX_MS = 60_000;

export interface WebhookServiceOptions {
  /** The first wait before a failed fan-out is tried again (doubling with each failure up to a minute). */
  readonly fanOutRetryMs?: number;
  /** How a round of fan-out runs: `fanOut` itself, or (in tests) a round that fails first. */
  readonly fanOut?: (db: DataSource) => Promise<FanOutResult>;
}

/**
 * Webhooks for one process: queues deliveries when the change log grows (and
 * once at start, for what was written while no gateway ran), and attempts
 * them. Every process does both; the database keeps each delivery unique
 * and claimed by one process at a time.
 */
export class WebhookService {
  readonly deliverer: WebhookDeliverer;
  private fanning: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private pruning: NodeJS.Timeout | null = null;
  private pruned: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    settings: DelivererSettings,
    private readonly options: WebhookServiceOptions = {},
  ) {
    this.deliverer = new WebhookDeliverer(db, settings);
    this.onError = settings.onError ?? (() => {});
  }

  private readonly onError: (error: unknown) => void;

  /**
   * A change-log listener: new content changes to queue, a webhook enabled
   * again or a delivery replayed, or a key revoked, whose webhooks the fan-out
   * stops (in any process).
   */
  readonly onChanges = (rows: readonly ChangeRow[]): void => {
    if (rows.some((row) => row.subject === 'CONTENT' || row.subject === 'WEBHOOK' || row.subject === 'KEY')) this.dispatch();
  };

  start(): void {
    this.dispatch();
    // A minute after start and then hourly: the table keeps a delivery as long as the change log keeps its change.
    let pruning = false;
    const prune = () => {
      // An hour's tick while a long first prune still runs adds nothing.
      if (pruning) return;
      pruning = true;
      this.pruned = pruneDeliveries(this.db, () => this.stopped).then(
        () => void (pruning = false),
        (error: unknown) => {
          pruning = false;
          this.onError(error);
        },
      );
    };
    this.pruning = setTimeout(() => {
      prune();
      this.pruning = setInterval(prune, PRUNE_EVERY_MS);
      this.pruning.unref();
    }, FIRST_PRUNE_MS);
    this.pruning.unref();
  }

  /**
   * Queues deliveries for what is new, then lets the deliverer at them. A
   * round that fails is tried again after a wait (1 s, doubling up to a
   * minute), so that a change is not left unqueued until the next one comes:
   * positions move only with what was queued, so nothing is skipped either way.
   */
  dispatch(): void {
    if (this.stopped) return;
    if (this.fanning) {
      this.again = true;
      return;
    }
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.fanning = (this.options.fanOut ?? fanOut)(this.db)
      // With no webhook enabled the deliverer has nothing it could claim (its retries keep their own timer): an ingest
      // run that commits a batch every few milliseconds no longer costs a claim and a next-due look per commit.
      .then(({ enabled }) => {
        this.failures = 0;
        if (enabled > 0) this.deliverer.wake();
      })
      .catch((error: unknown) => {
        this.onError(error);
        const first = this.options.fanOutRetryMs ?? FAN_OUT_RETRY_MS;
        this.retry = setTimeout(() => this.dispatch(), backoffMs(first, ++this.failures, FAN_OUT_RETRY_MAX_MS));
        this.retry.unref();
      })
      .finally(() => {
        this.fanning = null;
        if (this.again) {
          this.again = false;
          this.dispatch();
        }
      });
  }

  /** Resolves once queued changes are fanned out and attempts started so far have ended. */
  async settle(): Promise<void> {
    while (this.fanning) await this.fanning;
    await this.deliverer.settle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A timeout or an interval: clearInterval clears either.
    if (this.pruning) clearInterval(this.pruning);
    await this.pruned;
    await this.fanning;
    if (this.retry) clearTimeout(this.retry);
    await this.deliverer.stop();
  }
}
