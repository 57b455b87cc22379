import { randomBytes, randomUUID } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import { ApiKey } from '../../auth/api-key.entity';
import { ContentChangeKind, LOG_HEAD_SQL } from '../../changes/change-log';
import { prunedThrough } from '../../changes/retention';
import { transaction } from '../../db/in-turn';
import type { FeedFilter } from '../../feed/feed.inputs';
import { BadUserInputError, ConflictError, NotFoundError } from '../../shared/errors';
import { validateArgument } from '../../shared/validation';
import { hasRole, Role, type Viewer } from '../../shared/viewer';
import { GONE_REASON } from './deliverer';
import { ownerGone } from './fan-out';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';
import { write } from '../../store/session';
import { FetchError } from '../../net/fetch-error';
import { resolveAllowed, systemResolver, type HostResolver } from '../../net/resolve';

/** How long a secret replaced by `rotateWebhookSecret` still signs beside the new one. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

/**
 * Webhooks one key may have: each is matched against every change and queues
 * its own deliveries, so a key making thousands would make every fan-out
 * that much heavier for all. Those made with the command line are not counted.
 */
export const MAX_WEBHOOKS_PER_KEY = 25;

/** A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries take it. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What a partner says of a webhook. */
export interface WebhookSettings {
  readonly url: string;
  readonly filter?: FeedFilter | null;
  readonly events?: readonly ContentChangeKind[] | null;
}

/**
 * Makes a webhook for the caller's key, starting at the change log's end:
 * it receives the changes committed from now on. Returns it with its secret,
 * which is shown only here.
 */
export async function createWebhook(db: DataSource, viewer: Viewer, settings: WebhookSettings): Promise<{ webhook: Webhook; secret: string }> {
  const url = checkUrl(settings.url);
  await checkAddress(url, receiverRules.get(db));
  if (settings.filter) await validateArgument(settings.filter);
  const secret = newSecret();
  const id = randomUUID();
  await transaction(db, async (manager) => {
    const repo = manager.getRepository(Webhook);
    if (viewer.keyId) {
      // Requests of one key make their webhooks one at a time: each counts the others' once they committed. On SQLite transactions
      // take turns on the one connection (db/in-turn.ts), so no other request's insert comes between the count and this one.
      if (db.options.type === 'postgres') await manager.query('SELECT id FROM api_key WHERE id = $1 FOR UPDATE', [viewer.keyId]);
      if ((await repo.countBy({ ownerKeyId: viewer.keyId })) >= MAX_WEBHOOKS_PER_KEY) {
        throw new ConflictError(`A key may have at most ${MAX_WEBHOOKS_PER_KEY} webhooks; delete one (deleteWebhook) to make another`, { limit: MAX_WEBHOOKS_PER_KEY });
      }
    }
    const [row] = (await manager.query(`SELECT ${LOG_HEAD_SQL} AS "head"`)) as { head: unknown }[];
    const webhook = repo.create({
      id,
      ownerKeyId: viewer.keyId,
      ownerName: viewer.keyId ? viewer.name : 'cli',
      url,
      filter: storedFilter(settings.filter),
      events: storedEvents(settings.events),
      secret,
      previousSecret: null,
      previousSecretUntil: null,
      disabledAt: null,
      disabledReason: null,
      position: Number(row?.head ?? 0),
    });
    await repo.insert(webhook as never);
  });
  return { webhook: await db.getRepository(Webhook).findOneByOrFail({ id }), secret };
}

/** The webhooks the caller may see: a partner's own, every one for an admin. */
export function listWebhooks(db: DataSource, viewer: Viewer): Promise<Webhook[]> {
  return db.getRepository(Webhook).find({ where: hasRole(viewer, Role.ADMIN) ? {} : { ownerKeyId: viewer.keyId ?? '' }, order: { createdAt: 'ASC', id: 'ASC' } });
}

/** A webhook the caller owns (or any, for an admin); NOT_FOUND otherwise, so that others' webhooks are not even confirmed to exist. */
export async function ownWebhook(db: DataSource, viewer: Viewer, id: string): Promise<Webhook> {
  const webhook = /^[0-9a-f-]{36}$/.test(id) ? await db.getRepository(Webhook).findOneBy({ id }) : null;
  if (!webhook || (!hasRole(viewer, Role.ADMIN) && webhook.ownerKeyId !== viewer.keyId)) throw new NotFoundError('No such webhook', { id });
  return webhook;
}

export async function deleteWebhook(db: DataSource, viewer: Viewer, id: string): Promise<string> {
  const webhook = await ownWebhook(db, viewer, id);
  await db.getRepository(Webhook).delete({ id: webhook.id });
  return webhook.id;
}

/** What {@link updateWebhook} changes: a field left undefined stays as it is; a null filter or events means every change. */
export interface WebhookChanges {
  readonly url?: string;
  readonly filter?: FeedFilter | null;
  readonly events?: readonly ContentChangeKind[] | null;
}

/** A filter as a webhook keeps it: plain JSON, null for every change. */
function storedFilter(filter: FeedFilter | null | undefined): Record<string, unknown> | null {
  return filter ? (JSON.parse(JSON.stringify(filter)) as Record<string, unknown>) : null;
}

/** Events as a webhook keeps them: each once, null for all four. */
function storedEvents(events: readonly ContentChangeKind[] | null | undefined): ContentChangeKind[] | null {
  return events?.length ? [...new Set(events)] : null;
}

/**
 * Changes where a webhook sends and what it wants, keeping its id, secret,
 * position and deliveries: a partner moving its endpoint or narrowing its
 * filter loses nothing queued. The new URL is checked as a new webhook's is,
 * and the deliveries waiting (one may be waiting hours for a retry to the old
 * endpoint) are due at once, with a fresh set of retries. The new filter and
 * events apply from the next round of fan-out: a change committed just
 * before may still be queued under the old ones. A webhook stopped by a 410
 * stays stopped until `enableWebhook`.
 */
export async function updateWebhook(db: DataSource, viewer: Viewer, id: string, changes: WebhookChanges): Promise<Webhook> {
  const webhook = await ownWebhook(db, viewer, id);
  const url = changes.url === undefined ? undefined : checkUrl(changes.url);
  const moved = url !== undefined && url !== webhook.url;
  if (moved) await checkAddress(url, receiverRules.get(db));
  if (changes.filter) await validateArgument(changes.filter);
  const values: Partial<Webhook> = {
    ...(url !== undefined ? { url } : {}),
    ...(changes.filter !== undefined ? { filter: storedFilter(changes.filter) } : {}),
    ...(changes.events !== undefined ? { events: storedEvents(changes.events) } : {}),
  };
  if (Object.keys(values).length === 0) throw new BadUserInputError('input: give url, filter or events to change', { field: 'input' });
  await write(db, viewer, async (session) => {
    // Only the fields given: the fan-out moves the webhook's position meanwhile, the deliverer may stop it.
    const { affected } = await session.manager.createQueryBuilder().update(Webhook).set(values as never).where('id = :id', { id: webhook.id }).execute();
    if (!affected) throw new NotFoundError('No such webhook', { id });
    // Those not being sent right now; one in flight to the old endpoint settles as it goes.
    if (moved) await session.manager.getRepository(WebhookDelivery).update({ webhookId: webhook.id, status: WebhookDeliveryStatus.PENDING, claimedBy: IsNull() }, { attempts: 0, nextAttemptAt: new Date() });
    // Every process's deliverer wakes for it, as for a replay.
    session.change({ subject: 'WEBHOOK', kind: 'UPDATED', subjectId: webhook.id });
  });
  return db.getRepository(Webhook).findOneByOrFail({ id: webhook.id });
}

/** A new secret; the old one keeps signing beside it for a day, so receivers can switch without missing a delivery. */
export async function rotateWebhookSecret(db: DataSource, viewer: Viewer, id: string): Promise<{ webhook: Webhook; secret: string }> {
  const webhook = await ownWebhook(db, viewer, id);
  const secret = newSecret();
  await db.getRepository(Webhook).update({ id }, { secret, previousSecret: webhook.secret, previousSecretUntil: new Date(Date.now() + ROTATION_GRACE_MS) });
  return { webhook: await db.getRepository(Webhook).findOneByOrFail({ id }), secret };
}

/**
 * Restarts deliveries after a 410: the delivery answered 410 (while the change
 * log keeps its change), then the changes made meanwhile, in order, from the
 * webhook's position. Stopped longer than the log keeps changes, that position
 * is below what retention pruned: changes it was never sent are gone, and the
 * restart is refused (`CHANGES_EXPIRED`) unless `acceptMissedChanges` says the
 * partner has caught up another way (the feed); deliveries then go on from the
 * oldest change kept.
 */
export async function enableWebhook(db: DataSource, viewer: Viewer, id: string, { acceptMissedChanges = false } = {}): Promise<Webhook> {
  const webhook = await ownWebhook(db, viewer, id);
  await write(db, viewer, async (session) => {
    // Its position does not move while it is stopped (the fan-out reads for enabled webhooks only).
    const pruned = webhook.disabledAt ? await prunedThrough(session.manager) : 0;
    if (webhook.position < pruned && !acceptMissedChanges) {
      throw new ConflictError(
        `This webhook stopped ${webhook.disabledAt!.toISOString()}, longer ago than the change log keeps changes (CHANGE_LOG_RETENTION_DAYS): changes made since then up to position ${pruned} were pruned and can no longer be sent to it. Read the feed to catch up, then enable it with acceptMissedChanges: true; deliveries go on from the oldest change kept`,
        { id, reason: 'CHANGES_EXPIRED', position: webhook.position, prunedThrough: pruned },
      );
    }
    // Past the gap it accepted: a later stop and restart is not refused again for the same changes. Only ever forward (the
    // webhook was read before this transaction; a restart beside this one may have let the fan-out move it on since).
    const past = Math.trunc(pruned);
    const restarted = { disabledAt: null, disabledReason: null, ...(webhook.position < past ? { position: () => `CASE WHEN position < ${past} THEN ${past} ELSE position END` } : {}) };
    // Its owner may no longer read: the next fan-out would stop it again at once, so it is refused, saying why. Checked in
    // the transaction that enables it, the key's row held (on PostgreSQL) so that a revocation cannot commit in between.
    if (webhook.ownerKeyId) {
      if (db.options.type === 'postgres') await session.manager.query('SELECT id FROM api_key WHERE id = $1 FOR SHARE', [webhook.ownerKeyId]);
      const why = ownerGone(webhook, await session.manager.getRepository(ApiKey).findOneBy({ id: webhook.ownerKeyId }));
      if (why !== null) {
        throw new ConflictError(`The key that made this webhook was ${why}, so it cannot deliver again; make a new webhook with a current key`, { id, reason: `OWNER_KEY_${why.toUpperCase()}` });
      }
    }
    const { affected } = await session.manager
      .getRepository(Webhook)
      .update({ id, disabledReason: GONE_REASON }, restarted);
    if (affected) {
      // Stopped by a 410 (not already enabled, not stopped for another reason): the delivery that was answered 410
      // goes again, first (it has the lowest change of those pending). The endpoint was gone, not the change. Only
      // that one: a 410 of an earlier stop, which the partner chose not to replay, would come after newer states of
      // its item. Kept as long as the change log keeps its change (see retention.ts).
      const gone = await session.manager.getRepository(WebhookDelivery).findOne({
        where: { webhookId: id, status: WebhookDeliveryStatus.FAILED, lastStatus: 410 },
        order: { changeSeq: 'DESC' },
      });
      if (gone && (!webhook.disabledAt || !gone.lastAttemptAt || gone.lastAttemptAt.getTime() <= webhook.disabledAt.getTime())) {
        await session.manager
          .getRepository(WebhookDelivery)
          .update({ id: gone.id, status: WebhookDeliveryStatus.FAILED }, queuedAgain());
      }
    } else {
      await session.manager.getRepository(Webhook).update({ id }, restarted);
    }
    // Every process hears of it through the change log, and those that deliver start on what was queued meanwhile.
    session.change({ subject: 'WEBHOOK', kind: 'UPDATED', subjectId: id });
  });
  return db.getRepository(Webhook).findOneByOrFail({ id });
}

/** A delivery's state when it is queued again from the start (a replay, or the 410 that stopped its webhook). */
function queuedAgain(): Pick<WebhookDelivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'claimedBy' | 'claimedUntil'> {
  return { status: WebhookDeliveryStatus.PENDING, attempts: 0, nextAttemptAt: new Date(), lastError: null, claimedBy: null, claimedUntil: null };
}

/** Queues a delivery again, for its next turn: a dead one, or one that succeeded and the receiver lost. */
export async function replayDelivery(db: DataSource, viewer: Viewer, id: string): Promise<WebhookDelivery> {
  const delivery = /^[0-9a-f-]{36}$/.test(id) ? await db.getRepository(WebhookDelivery).findOneBy({ id }) : null;
  if (!delivery) throw new NotFoundError('No such delivery', { id });
  await ownWebhook(db, viewer, delivery.webhookId);
  if (delivery.status === WebhookDeliveryStatus.PENDING) return delivery;
  await write(db, viewer, async (session) => {
    const { affected } = await session.manager
      .getRepository(WebhookDelivery)
      .update({ id }, queuedAgain());
    // Deleted since it was read (its change left the change log: see retention.ts).
    if (affected === 0) throw new NotFoundError('No such delivery', { id });
    session.change({ subject: 'WEBHOOK', kind: 'UPDATED', subjectId: delivery.webhookId });
  });
  const replayed = await db.getRepository(WebhookDelivery).findOneBy({ id });
  if (!replayed) throw new NotFoundError('No such delivery', { id });
  return replayed;
}

/** Where a process's webhooks may be delivered: the address rules of `net/` (OUTBOUND_ALLOWED_HOSTS), and how host names resolve. */
export interface ReceiverRules {
  readonly allowedHosts: readonly string[];
  readonly resolver?: HostResolver;
}

const receiverRules = new WeakMap<DataSource, ReceiverRules>();

/** Registers the address rules webhooks made through `db` are checked against when they are made (the deliverer checks every attempt again). */
export function registerReceiverRules(db: DataSource, rules: ReceiverRules): void {
  receiverRules.set(db, rules);
}

/** How long the check at creation waits for a host name to resolve before it leaves the question to the deliveries. */
const RESOLVE_WAIT_MS = 2_000;

/**
 * Refuses a receiver the deliveries would never be allowed to reach (a
 * private, loopback or link-local address, or a name resolving to one, not on
 * OUTBOUND_ALLOWED_HOSTS), so that the partner hears it now and not as a
 * dead delivery later. A name that does not resolve (yet), or not within
 * {@link RESOLVE_WAIT_MS}, is accepted: every delivery resolves and checks
 * it again, as it must anyway (an answer may change).
 */
async function checkAddress(url: string, rules: ReceiverRules | undefined): Promise<void> {
  // A lookup given up on still holds one of libuv's four threads, which deliveries and ingestion resolve on: beyond
  // two checks at a time (names that never answer, made in a hurry), the rest are left to the deliveries.
  if (!rules || checking >= MAX_CHECKING) return;
  checking++;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), RESOLVE_WAIT_MS)));
  try {
    await Promise.race([resolveAllowed(new URL(url), rules.allowedHosts, rules.resolver ?? systemResolver), waited]);
  } catch (error) {
    if (error instanceof FetchError && error.code === 'ADDRESS_REFUSED') {
      // Without the address it resolved to: a partner may not map the network's names through this message.
      throw new BadUserInputError(
        `url: deliveries could never reach ${new URL(url).hostname}: it is, or resolves to, a private or special-purpose address; the gateway's operator may allow the host in OUTBOUND_ALLOWED_HOSTS`,
        { field: 'url', reason: 'ADDRESS_REFUSED' },
      );
    }
  } finally {
    clearTimeout(timer);
    checking--;
  }
}

/** Creation checks resolving at once, at most. */
const MAX_CHECKING = 2;
let checking = 0;

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadUserInputError('url: not a URL', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadUserInputError('url: a webhook is an http(s) URL', { field: 'url' });
  if (url.username || url.password) throw new BadUserInputError('url: put no credentials in a webhook URL; verify the signature instead', { field: 'url' });
  return url.toString();
}

