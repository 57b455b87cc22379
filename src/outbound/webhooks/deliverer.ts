import { hostname } from 'node:os';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { readTimestamp } from '../../changes/change-row';
import { describeFetchError, FetchError, safeFetch } from '../../net/safe-fetch';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';

/** How deliveries are attempted. */
export interface DelivererSettings {
  readonly allowedHosts: readonly string[];
  readonly userAgent: string;
  /** Delays before the 2nd, 3rd, … attempts; after the last the delivery is dead. */
  readonly retrySchedule: readonly number[];
  /** The whole attempt: connecting, waiting and reading the answer. */
  readonly timeoutMs: number;
  /** Attempts in flight at once in this process (one per webhook at most: deliveries of a webhook go in order). */
  readonly concurrency: number;
  readonly onAttempt?: (outcome: 'delivered' | 'retry' | 'failed' | 'disabled', webhookId: string) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * How long a process's claim on a delivery holds beyond the attempt's own
 * time limit (WEBHOOK_TIMEOUT_MS, up to two minutes): room for the statements
 * around the attempt, each bounded by the statement timeout. Longer than any
 * attempt, so that a claim lapses only when its process died; no longer, so
 * that another process takes over soon after.
 */
const CLAIM_MARGIN_MS = 15_000;

/** The answer a receiver may send back that is read (and thrown away). */
const RESPONSE_CAP = 64 * 1024;

/** While deliveries are pending, how often a process looks for those whose claim lapsed or whose time came elsewhere. */
const SWEEP_MS = 5_000;

/**
 * Attempts queued deliveries: in order per webhook (a webhook's next delivery
 * waits until the one before it succeeded or died), each claimed in the
 * database first so that one process at a time attempts it, signed per
 * Standard Webhooks, POSTed without redirects, within a time limit and a
 * response size cap, to addresses the outbound rules allow. 2xx ends a
 * delivery; a timeout, a network error, 429 and 5xx are retried on the
 * schedule (with ±20% jitter); 410 disables the webhook; any other answer
 * kills the delivery, which an owner can replay. A process killed mid-attempt
 * loses nothing: its claim lapses and another process attempts it again.
 * While nothing is pending it issues no statement.
 */
export class WebhookDeliverer {
  private readonly owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly settings: DelivererSettings,
  ) {}

  /** Looks for due deliveries now. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once the attempts started so far have ended (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.running || this.inFlight.size) {
      await this.running;
      await Promise.all(this.inFlight.values());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.inFlight.values());
  }

  private async round(): Promise<void> {
    try {
      const now = new Date();
      const candidates = (await this.db.query(
        ...this.sql(
          `SELECT d.id AS "id", d.webhook_id AS "webhookId" FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id ` +
            `WHERE d.status = 'PENDING' AND w.disabled_at IS NULL AND d.next_attempt_at <= :now AND (d.claimed_until IS NULL OR d.claimed_until < :now) ` +
            `AND d.change_seq = (SELECT min(e.change_seq) FROM webhook_delivery e WHERE e.webhook_id = d.webhook_id AND e.status = 'PENDING') ` +
            `ORDER BY d.next_attempt_at LIMIT ${this.settings.concurrency * 2}`,
          { now },
        ),
      )) as { id: string; webhookId: string }[];
      for (const { id, webhookId } of candidates) {
        if (this.inFlight.size >= this.settings.concurrency || this.inFlight.has(webhookId)) continue;
        if (!(await this.claim(id, now))) continue;
        const attempt = this.attempt(id).finally(() => {
          this.inFlight.delete(webhookId);
          // The webhook's next delivery may go now.
          this.wake();
        });
        this.inFlight.set(webhookId, attempt);
      }
      await this.schedule();
    } catch (error) {
      this.settings.onError?.(error);
      this.arm(SWEEP_MS);
    }
  }

  /**
   * Sleeps until the next delivery that may go is due (or its claim may have
   * lapsed); not at all when none is pending. Only the first pending delivery
   * of each enabled webhook counts: those queued behind one waiting for its
   * retry, or for a stopped webhook, are due but may not go, and counting
   * them had every process poll every 50 ms until the retry.
   */
  private async schedule(): Promise<void> {
    const [row] = (await this.db.query(
      ...this.sql(
        `SELECT min(CASE WHEN d.claimed_until IS NOT NULL AND d.claimed_until > d.next_attempt_at THEN d.claimed_until ELSE d.next_attempt_at END) AS "next" ` +
          `FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id WHERE d.status = 'PENDING' AND w.disabled_at IS NULL ` +
          `AND d.change_seq = (SELECT min(e.change_seq) FROM webhook_delivery e WHERE e.webhook_id = d.webhook_id AND e.status = 'PENDING')`,
        {},
      ),
    )) as { next: unknown }[];
    if (row?.next == null) return;
    this.arm(Math.max(50, Math.min(SWEEP_MS, readTimestamp(row.next).getTime() - Date.now())));
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, ms);
    this.timer.unref();
  }

  private async claim(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .createQueryBuilder()
      .update(WebhookDelivery)
      .set({ claimedBy: this.owner, claimedUntil: new Date(now.getTime() + this.settings.timeoutMs + CLAIM_MARGIN_MS) })
      .where(`id = :id AND status = 'PENDING' AND (claimed_until IS NULL OR claimed_until < :now)`, { id, now })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  private async attempt(id: string): Promise<void> {
    try {
      const delivery = await this.db.getRepository(WebhookDelivery).findOneByOrFail({ id });
      const hook = await this.db.getRepository(Webhook).findOneByOrFail({ id: delivery.webhookId });
      const attempts = delivery.attempts + 1;
      const sentAt = new Date();
      let status: number | null = null;
      let error: string | null = null;
      let retryable = false;
      try {
        const response = await safeFetch({
          url: hook.url,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signatureHeaders(hook, delivery, sentAt) },
          body: delivery.payload,
          allowedHosts: this.settings.allowedHosts,
          userAgent: this.settings.userAgent,
          maxRedirects: 0,
          maxBytes: RESPONSE_CAP,
          connectTimeoutMs: Math.min(5_000, this.settings.timeoutMs),
          headersTimeoutMs: this.settings.timeoutMs,
          idleTimeoutMs: this.settings.timeoutMs,
          totalTimeoutMs: this.settings.timeoutMs,
          retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
          throwOnStatus: false,
        });
        status = response.status;
        retryable = status === 408 || status === 429 || status >= 500;
        if (status < 200 || status >= 300) error = `the endpoint answered HTTP ${status}`;
      } catch (failure) {
        error = describeFetchError(failure);
        retryable = failure instanceof FetchError ? ['NETWORK', 'TIMEOUT', 'DNS'].includes(failure.code) : false;
        if (failure instanceof FetchError && failure.status) status = failure.status;
      }
      const repo = this.db.getRepository(WebhookDelivery);
      const common = { attempts, lastAttemptAt: sentAt, lastStatus: status, claimedBy: null, claimedUntil: null };
      if (status !== null && status >= 200 && status < 300) {
        await repo.update({ id }, { ...common, status: WebhookDeliveryStatus.SUCCEEDED, lastError: null, nextAttemptAt: null, deliveredAt: new Date() });
        this.settings.onAttempt?.('delivered', hook.id);
      } else if (status === 410) {
        await repo.update({ id }, { ...common, status: WebhookDeliveryStatus.FAILED, lastError: error, nextAttemptAt: null });
        await this.db.getRepository(Webhook).update({ id: hook.id }, { disabledAt: new Date(), disabledReason: 'The endpoint answered 410 Gone: deliveries stopped until enableWebhook' });
        this.settings.onAttempt?.('disabled', hook.id);
      } else if (retryable && attempts <= this.settings.retrySchedule.length) {
        const delay = this.settings.retrySchedule[attempts - 1] * (0.8 + Math.random() * 0.4);
        await repo.update({ id }, { ...common, status: WebhookDeliveryStatus.PENDING, lastError: error, nextAttemptAt: new Date(Date.now() + delay) });
        this.settings.onAttempt?.('retry', hook.id);
      } else {
        await repo.update({ id }, { ...common, status: WebhookDeliveryStatus.FAILED, lastError: retryable ? `${error}; given up after ${attempts} attempts` : error, nextAttemptAt: null });
        this.settings.onAttempt?.('failed', hook.id);
      }
    } catch (error) {
      this.settings.onError?.(error);
    }
  }

  private sql(text: string, parameters: Record<string, unknown>): [string, unknown[]] {
    const prepared = Object.fromEntries(
      Object.entries(parameters).map(([name, value]) => [name, value instanceof Date && this.db.options.type !== 'postgres' ? this.db.driver.preparePersistentValue(value, { type: Date } as never) : value]),
    );
    return this.db.driver.escapeQueryWithParameters(text, prepared) as [string, unknown[]];
  }
}

/**
 * Standard Webhooks headers: `webhook-id` (the delivery's, the same on every
 * attempt), `webhook-timestamp` (this attempt, seconds) and
 * `webhook-signature`, signed with the webhook's secret and, for a day after
 * a rotation, its previous one too.
 */
export function signatureHeaders(hook: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretUntil'>, delivery: Pick<WebhookDelivery, 'id' | 'payload'>, at: Date): Record<string, string> {
  const msgId = `msg_${delivery.id.replace(/-/g, '')}`;
  const secrets = [hook.secret, ...(hook.previousSecret && hook.previousSecretUntil && hook.previousSecretUntil > at ? [hook.previousSecret] : [])];
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new StandardWebhook(secret).sign(msgId, at, delivery.payload)).join(' '),
  };
}

