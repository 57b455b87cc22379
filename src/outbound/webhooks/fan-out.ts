import { In, IsNull, type DataSource } from 'typeorm';
import { ApiKey } from '../../auth/api-key.entity';
import { whyUnusable } from '../../auth/api-key.service';
import { v7 as uuidv7 } from 'uuid';
import { ContentChangeKind, LOG_HEAD_SQL } from '../../changes/change-log';
import { CHANGE_COLUMNS, readTimestamp, toChangeRow } from '../../changes/change-row';
import type { FeedFilter } from '../../feed/feed.inputs';
import type { ContentType } from '../../shared/content/content-status';
import { CONTENT_TYPE_NAMES } from '../../shared/content/content.entity';
import { ContentReads } from '../../shared/content/content.reads';
import { encodeGlobalId } from '../../shared/node/global-id';
import { matchesFilter } from '../filter-match';
import { itemJson } from '../item-json';
import { LiveEvent, LiveReads } from '../live/live-events';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';

/** Changes read per round of fan-out. */
const ROUND = 500;

/** The event type of each kind of change, as Standard Webhooks payloads name it. */
export const EVENT_TYPES: Readonly<Record<ContentChangeKind, string>> = {
  [ContentChangeKind.PUBLISHED]: 'content.published',
  [ContentChangeKind.UPDATED]: 'content.updated',
  [ContentChangeKind.UNPUBLISHED]: 'content.unpublished',
  [ContentChangeKind.DELETED]: 'content.deleted',
};

/** Where a test steps in. */
export interface FanOutHooks {
  /** After a round has read its changes, before it queues them and moves the positions. */
  readonly afterRead?: () => Promise<void>;
}

/** What a fan-out did. */
export interface FanOutResult {
  /** Deliveries queued. */
  readonly queued: number;
  /** Enabled webhooks as it last read them: with none, no delivery can be claimed. */
  readonly enabled: number;
}

/**
 * Queues a delivery for every enabled webhook and every change to published
 * content after the webhook's position that matches its events and filter,
 * then moves the positions on. Every process may run this at once: a
 * delivery is unique per (webhook, change), so the same change is queued
 * once; positions only move forward. Reading from the webhooks' positions
 * rather than from where the process started means changes written while no
 * gateway ran (the CLI ingesting, say) are delivered too.
 */
export async function fanOut(db: DataSource, hooks: FanOutHooks = {}): Promise<FanOutResult> {
  let queued = 0;
  for (;;) {
    const webhooks = await enabledWebhooks(db);
    if (webhooks.length === 0) return { queued, enabled: 0 };
    const from = Math.min(...webhooks.map((hook) => hook.position));
    // The log's head first, and the changes up to it: positions never move past a change this round has not read. (Read after
    // the changes, a change committed between the two statements was passed over, never queued.) Every change up to a head
    // that is visible is committed: the log's numbers follow commit order (changes/change.entity.ts).
    const upTo = await head(db);
    const [sql, values] = db.driver.escapeQueryWithParameters(
      `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE subject = 'CONTENT' AND seq > :from AND seq <= :upTo ORDER BY seq LIMIT ${ROUND}`,
      { from, upTo },
    );
    const rows = ((await db.query(sql, values)) as Record<string, unknown>[]).map((row) => toChangeRow(row, readTimestamp));
    await hooks.afterRead?.();
    const deliveries: Partial<WebhookDelivery>[] = [];
    const reads = new LiveReads(new ContentReads(db));
    // Each change with the webhooks that want it (worked out once), and the items of those some webhook wants, with their
    // countries and tags, read ahead a chunk per statement rather than three statements per change in turn. A failure is
    // the loop's to throw, when it awaits the same read.
    const wanted = rows.map((row) => {
      const event = new LiveEvent(row, reads);
      const hooks = webhooks.filter((hook) => row.seq > hook.position && wants(hook, event));
      if (hooks.length) event.currentSubject().catch(() => {});
      return { event, hooks };
    });
    for (const { event, hooks } of wanted) {
      const { row } = event;
      for (const hook of hooks) {
        const payload = await payloadOf(db, event, hook.filter as FeedFilter | null);
        deliveries.push({
          // Time-ordered, so that the primary key grows at its end rather than at a random page per row.
          id: uuidv7(),
          webhookId: hook.id,
          changeSeq: row.seq,
          type: EVENT_TYPES[row.kind as ContentChangeKind],
          payload,
          status: WebhookDeliveryStatus.PENDING,
          attempts: 0,
          nextAttemptAt: new Date(),
          createdAt: new Date(),
        });
      }
    }
    for (let start = 0; start < deliveries.length; start += 200) {
      await db.createQueryBuilder().insert().into(WebhookDelivery).values(deliveries.slice(start, start + 200) as never[]).orIgnore().execute();
    }
    queued += deliveries.length;
    // A full round may have left changes up to the head: the next round reads on from its last.
    const reached = rows.length === ROUND ? rows[rows.length - 1].seq : upTo;
    for (const hook of webhooks) {
      if (hook.position >= reached) continue;
      // Its version left as it is (TypeORM adds one on any update unless told): it counts its owner's changes, not those delivered.
      await db
        .createQueryBuilder()
        .update(Webhook)
        .set({ position: reached, version: () => 'version' })
        .where('id = :id AND position < :reached', { id: hook.id, reached })
        .execute();
    }
    if (rows.length < ROUND) return { queued, enabled: webhooks.length };
  }
}

/**
 * Why a webhook's owner may no longer read (`key`: its owner key, undefined
 * when it is gone), or null while it may (or the webhook has no owner key).
 */
export function ownerGone(hook: Webhook, key: ApiKey | null | undefined, now = Date.now()): 'deleted' | 'revoked' | 'expired' | null {
  if (!hook.ownerKeyId) return null;
  return key ? whyUnusable(key, now) : 'deleted';
}

/**
 * The enabled webhooks whose owner may still read. One made with a key that
 * has since been revoked or has expired is stopped, as that key's
 * subscriptions are closed: its owner no longer receives content. Its
 * pending deliveries stop with it (the deliverer claims for enabled webhooks
 * only), for good: `enableWebhook` refuses it.
 */
async function enabledWebhooks(db: DataSource): Promise<Webhook[]> {
  const hooks = await db.getRepository(Webhook).findBy({ disabledAt: IsNull() });
  const owners = [...new Set(hooks.flatMap((hook) => (hook.ownerKeyId ? [hook.ownerKeyId] : [])))];
  if (owners.length === 0) return hooks;
  const now = Date.now();
  const keys = new Map((await db.getRepository(ApiKey).findBy({ id: In(owners) })).map((key) => [key.id, key]));
  const live: Webhook[] = [];
  for (const hook of hooks) {
    const why = ownerGone(hook, hook.ownerKeyId ? keys.get(hook.ownerKeyId) : undefined, now);
    if (why === null) {
      live.push(hook);
      continue;
    }
    await db
      .createQueryBuilder()
      .update(Webhook)
      .set({ disabledAt: new Date(), disabledReason: `The key that made it was ${why}: deliveries stopped for good (make the webhook again with a current key)` })
      .where('id = :id AND disabled_at IS NULL', { id: hook.id })
      .execute();
  }
  return live;
}

async function head(db: DataSource): Promise<number> {
  const [row] = (await db.query(`SELECT ${LOG_HEAD_SQL} AS "head"`)) as { head: unknown }[];
  return Number(row?.head ?? 0);
}

/** Whether a webhook wants this change: its kinds, and its filter on the item's attributes before and after. */
function wants(hook: Webhook, event: LiveEvent): boolean {
  if (hook.events?.length && !hook.events.includes(event.row.kind as ContentChangeKind)) return false;
  return matchesFilter(event.subject, hook.filter as FeedFilter | null);
}

/**
 * The Standard Webhooks body of a change: `{ type, timestamp, data: { id,
 * type, item } }`, the item as it is now if it is published and still matches
 * the webhook's filter, else null (a tombstone). Only published content leaves.
 */
async function payloadOf(db: DataSource, event: LiveEvent, filter: FeedFilter | null): Promise<string> {
  const { row } = event;
  const type = row.contentType as ContentType;
  let item = await event.item();
  let extras: { countries: readonly string[]; tags: readonly string[]; campaign: string | null } | null = null;
  if (item) {
    const subject = await event.currentSubject();
    if (!subject || (filter && !matchesFilter(subject, filter))) item = null;
    else extras = { countries: subject.countries, tags: subject.tags, campaign: subject.campaigns[0] ?? null };
  }
  return JSON.stringify({
    type: EVENT_TYPES[row.kind as ContentChangeKind],
    timestamp: row.at.toISOString(),
    data: { id: encodeGlobalId(CONTENT_TYPE_NAMES[type], row.subjectId), type, item: item && extras ? itemJson(item, extras) : null },
  });
}
