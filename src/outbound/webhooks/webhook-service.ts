import type { DataSource } from 'typeorm';
import type { ChangeRow } from '../../changes/change-row';
import { WebhookDeliverer, type DelivererSettings } from './deliverer';
import { fanOut } from './fan-out';

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

  constructor(
    private readonly db: DataSource,
    settings: DelivererSettings,
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
  }

  /** Queues deliveries for what is new, then lets the deliverer at them. */
  dispatch(): void {
    if (this.stopped) return;
    if (this.fanning) {
      this.again = true;
      return;
    }
    this.fanning = fanOut(this.db)
      // With no webhook enabled the deliverer has nothing it could claim (its retries keep their own timer): an ingest
      // run that commits a batch every few milliseconds no longer costs a claim and a next-due look per commit.
      .then(({ enabled }) => {
        if (enabled > 0) this.deliverer.wake();
      })
      .catch((error: unknown) => this.onError(error))
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
    await this.fanning;
    await this.deliverer.stop();
  }
}
