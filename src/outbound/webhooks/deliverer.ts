import { hostname } from 'node:os';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { readTimestamp } from '../../changes/change-row';
import { transaction } from '../../db/in-turn';
import { describeFetchError, FetchError, safeFetch } from '../../net/safe-fetch';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';


/** Why a webhook stopped when its endpoint answered 410 (`enableWebhook` sends that delivery again). */
export const GONE_REASON = 'The endpoint answered 410 Gone: deliveries stopped until enableWebhook';

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

/** While deliveries are pending, how often a process looks for those whose claim lapsed or whose time came elsewhere. */
const SWEEP_MS = 5_000;

/**
 * Attempts queued deliveries: in order per webhook (a webhook's next delivery
 * waits until the one before it succeeded or died), each claimed in the
 * database first so that one process at a time attempts it, signed per
 * Standard Webhooks, POSTed without redirects, within a time limit, to
 * addresses the outbound rules allow; the status is the answer (the body
 * after it is not read). 2xx ends a
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
    // A round part-way through claiming starts its attempts before it ends: they are waited for too, and record their results.
    await this.running;
    await Promise.all(this.inFlight.values());
  }

  private async round(): Promise<void> {
    try {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) return; // an attempt that ends wakes the deliverer again
      const claimed = await this.claimDue(new Date(), free);
      for (const delivery of claimed) {
        const attempt = this.attempt(delivery).finally(() => {
          this.inFlight.delete(delivery.webhookId);
          // The webhook's next delivery may go now.
          this.wake();
        });
        this.inFlight.set(delivery.webhookId, attempt);
      }
      // Every slot taken: more may be due, and each attempt's end looks again. Attempts still running: their ends
      // look again too (and a sweep in case a retry falls due meanwhile). Nothing running: sleep until the next is due.
      if (claimed.length === free) return;
      if (this.inFlight.size > 0) this.arm(SWEEP_MS);
      else await this.schedule();
    } catch (error) {
      this.settings.onError?.(error);
      this.arm(SWEEP_MS);
    }
  }

  /**
   * Claims up to `limit` deliveries that may go now, in one statement: the
   * oldest pending delivery of each enabled webhook, when it is due and not
   * claimed by a live process, oldest due first. The claim re-checks each row
   * as it updates it, so two processes claiming at once never both take one
   * (on PostgreSQL the loser's row is re-read after the winner commits, and
   * rows another claim holds are skipped rather than waited for). Returns
   * each with what its attempt needs: the payload and the webhook's URL and
   * secrets (one more statement on SQLite, which cannot join an UPDATE's rows).
   */
  private async claimDue(now: Date, limit: number): Promise<Claimed[]> {
    const postgres = this.db.options.type === 'postgres';
    const until = new Date(now.getTime() + this.settings.timeoutMs + CLAIM_MARGIN_MS);
    const free = `d.status = 'PENDING' AND (d.claimed_until IS NULL OR d.claimed_until < :now)`;
    // A webhook this process is attempting stays out, even should its claim lapse while the attempt records its result.
    const busy = [...this.inFlight.keys()];
    const due =
      `SELECT d.id FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id ` +
      `WHERE ${free} AND w.disabled_at IS NULL AND d.next_attempt_at <= :now ${busy.length ? 'AND d.webhook_id NOT IN (:...busy) ' : ''}` +
      `AND d.change_seq = (SELECT min(e.change_seq) FROM webhook_delivery e WHERE e.webhook_id = d.webhook_id AND e.status = 'PENDING') ` +
      `ORDER BY d.next_attempt_at LIMIT ${limit}${postgres ? ' FOR UPDATE OF d SKIP LOCKED' : ''}`;
    const claim = (candidates: string) =>
      `UPDATE webhook_delivery AS d SET claimed_by = :owner, claimed_until = :until ` +
      `WHERE d.id IN (${candidates}) AND ${free} RETURNING id AS "id", webhook_id AS "webhookId", payload AS "payload", attempts AS "attempts"`;
    const parameters = { now, until, owner: this.owner, busy };
    if (postgres) {
      // The locking, limited selection runs once, as a CTE of its own: under IN the planner could run it again.
      const rows = (await this.db.query(
        ...this.sql(
          `WITH due AS MATERIALIZED (${due}), claimed AS (${claim('SELECT id FROM due')}) ` +
            `SELECT c.*, w.url AS "url", w.secret AS "secret", w.previous_secret AS "previousSecret", ` +
            `w.previous_secret_until AS "previousSecretUntil" FROM claimed c JOIN webhook w ON w.id = c."webhookId"`,
          parameters,
        ),
      )) as Record<string, unknown>[];
      return rows.map(claimedOf);
    }
    const deliveries = (await this.db.query(...this.sql(claim(due), parameters))) as Record<string, unknown>[];
    if (deliveries.length === 0) return [];
    const hooks = (await this.db.query(
      ...this.sql(
        `SELECT id AS "webhookId", url AS "url", secret AS "secret", previous_secret AS "previousSecret", previous_secret_until AS "previousSecretUntil" FROM webhook WHERE id IN (:...ids)`,
        { ids: [...new Set(deliveries.map((row) => String(row.webhookId)))] },
      ),
    )) as Record<string, unknown>[];
    const byId = new Map(hooks.map((hook) => [String(hook.webhookId), hook]));
    // A webhook deleted since the claim took its deliveries with it (ON DELETE CASCADE): nothing to attempt.
    return deliveries.flatMap((row) => (byId.has(String(row.webhookId)) ? [claimedOf({ ...row, ...byId.get(String(row.webhookId)) })] : []));
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

  private async attempt(delivery: Claimed): Promise<void> {
    const { id, hook } = delivery;
    try {
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
          // Standard Webhooks: the status is the answer. A 2xx with a long page after it is delivered, not failed (and sent again).
          ignoreBody: true,
          acceptEncoding: false,
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
        error = failure instanceof FetchError && failure.code === 'ADDRESS_REFUSED' ? addressRefused(hook.url) : describeFetchError(failure);
        retryable = failure instanceof FetchError ? ['NETWORK', 'TIMEOUT', 'DNS'].includes(failure.code) : false;
        if (failure instanceof FetchError && failure.status) status = failure.status;
      }
      const common = { attempts, lastAttemptAt: sentAt, lastStatus: status, claimedBy: null, claimedUntil: null };
      // Recorded only while the claim is still this process's: one that lapsed mid-attempt (a stalled process) may have
      // been taken over, and the process that holds it now records its own attempt, which this one must not overwrite.
      const ours = { id, claimedBy: this.owner };
      const record = async (changes: Omit<QueryDeepPartialEntity<WebhookDelivery>, 'claimedBy'>, manager = this.db.manager) => ((await manager.getRepository(WebhookDelivery).update(ours, { ...common, ...changes })).affected ?? 1) > 0;
      if (status !== null && status >= 200 && status < 300) {
        if (await record({ status: WebhookDeliveryStatus.SUCCEEDED, lastError: null, nextAttemptAt: null, deliveredAt: new Date() })) this.settings.onAttempt?.('delivered', hook.id);
      } else if (status === 410) {
        // The delivery's end and the webhook's stop in one transaction: a crash between them would leave it delivering to a gone endpoint.
        const stopped = await transaction(this.db, async (manager) => {
          if (!(await record({ status: WebhookDeliveryStatus.FAILED, lastError: error, nextAttemptAt: null }, manager))) return false;
          await manager.getRepository(Webhook).update({ id: hook.id }, { disabledAt: new Date(), disabledReason: GONE_REASON });
          return true;
        });
        if (stopped) this.settings.onAttempt?.('disabled', hook.id);
      } else if (retryable && attempts <= this.settings.retrySchedule.length) {
        const delay = this.settings.retrySchedule[attempts - 1] * (0.8 + Math.random() * 0.4);
        if (await record({ status: WebhookDeliveryStatus.PENDING, lastError: error, nextAttemptAt: new Date(Date.now() + delay) })) this.settings.onAttempt?.('retry', hook.id);
      } else {
        const lastError = retryable ? `${error}; given up after ${attempts} attempts` : error;
        if (await record({ status: WebhookDeliveryStatus.FAILED, lastError, nextAttemptAt: null })) this.settings.onAttempt?.('failed', hook.id);
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

/** A delivery this process claimed, with what its attempt needs. */
interface Claimed {
  readonly id: string;
  readonly webhookId: string;
  readonly payload: string;
  readonly attempts: number;
  readonly hook: Pick<Webhook, 'id' | 'url' | 'secret' | 'previousSecret' | 'previousSecretUntil'>;
}

function claimedOf(row: Record<string, unknown>): Claimed {
  return {
    id: String(row.id),
    webhookId: String(row.webhookId),
    payload: String(row.payload),
    attempts: Number(row.attempts),
    hook: {
      id: String(row.webhookId),
      url: String(row.url),
      secret: String(row.secret),
      previousSecret: row.previousSecret == null ? null : String(row.previousSecret),
      previousSecretUntil: row.previousSecretUntil == null ? null : readTimestamp(row.previousSecretUntil),
    },
  };
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

/**
 * A refused receiver's error, as its owner reads it in `webhookDeliveries`:
 * without the address its name resolved to, which would let a partner map the
 * gateway's network through webhooks of its own (the check at creation says no
 * more either).
 */
function addressRefused(url: string): string {
  return `refused: ${new URL(url).hostname} is, or resolves to, a private or special-purpose address; the gateway's operator may allow the host in OUTBOUND_ALLOWED_HOSTS`;
}
