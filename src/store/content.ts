import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { ContentNation } from '../member-nations/content-nation.entity';
import { ContentStatus, type ContentType } from '../shared/content/content-status';
import { CONTENT_TYPE_NAMES, Content } from '../shared/content/content.entity';
import { ConflictError, NotFoundError, StaleVersionError } from '../shared/errors';
import { recordAudit, snapshot, type AuditAction } from './audit';
import { AuditEntry } from './audit-entry.entity';
import { CONTENT_CLASSES, prepareWrite, readTagRows, writeTagRows, type ContentItemInput, type PreparedWrite } from './content-rows';
import { contentChange, readItemState, type ItemState } from './item-state';
import { indexContent, unindexContent } from './search-index';
import type { WriteSession } from './session';

/** What an editor sends for an item: everything but its type, status and provenance. */
export type ContentDraft = Omit<ContentItemInput, 'type' | 'status' | 'source' | 'publishedAt'> & { readonly publishedAt?: Date | null };

/**
 * Creates an item as a draft: editors publish it in a separate step. Its
 * publication time is the one given, or the time it is published (until then
 * it shows the time it was created: `Content.publishedAtGiven` tells the two
 * apart). A draft is not in the change log: readers cannot see it.
 */
export async function createContent(session: WriteSession, type: ContentType, draft: ContentDraft): Promise<Content> {
  const { manager } = session;
  await refuseTakenSlug(manager, type, draft.slug, null);
  const write = prepareWrite(await session.lookups(), { ...draft, type, status: ContentStatus.DRAFT, publishedAt: draft.publishedAt ?? new Date() });
  const repo = manager.getRepository(CONTENT_CLASSES[type]);
  const item = repo.create({ ...write.values, id: randomUUID(), editedAt: new Date(), publishedAtGiven: !!draft.publishedAt } as Partial<Content>);
  await repo.insert(item);
  await writeTagRows(manager, item, write);
  await indexContent(manager, [item.id]);
  return audited(session, 'CREATE', item.id, null);
}

/**
 * Replaces an item's editable fields, if nobody changed it since the editor
 * read `expectedVersion`. Its publication time, left out, stays as it was,
 * given or not.
 */
export async function updateContent(session: WriteSession, type: ContentType, id: string, expectedVersion: number, draft: ContentDraft): Promise<Content> {
  const { manager } = session;
  const before = await lockCurrent(manager, id, expectedVersion, type);
  const beforeState = await readItemState(manager, id);
  await refuseTakenSlug(manager, type, draft.slug, id);
  const write = prepareWrite(await session.lookups(), {
    ...draft,
    type,
    status: before.status,
    publishedAt: draft.publishedAt ?? before.publishedAt,
    source: before.source ? { ...before.source } : null,
  });
  // An editor's change to an imported item's content: later runs of its source hold their versions for review instead of overwriting it.
  await bumpVersion(manager, id, expectedVersion, {
    ...write.values,
    contentHash: before.contentHash,
    sourceKind: before.sourceKind,
    editedAt: new Date(),
    publishedAtGiven: givesTime(before, draft.publishedAt),
  });
  await writeTagRows(manager, { ...before, ...write.values, id } as Content, write);
  await indexContent(manager, [id]);
  const after = await audited(session, 'UPDATE', id, await withTags(manager, before));
  recordChange(session, beforeState, stateAfter(after, write));
  return after;
}

/**
 * Whether an update leaves the item with a publication time an editor gave:
 * one it sends that differs from the item's, or the item's own if it was
 * given. Sending back the time a draft shows (an editor's form fills every
 * field from the item it read) gives nothing, so a draft created without a
 * time is still dated when it is published.
 */
function givesTime(before: Content, publishedAt: Date | null | undefined): boolean {
  return (!!publishedAt && publishedAt.getTime() !== before.publishedAt.getTime()) || before.publishedAtGiven;
}

/**
 * Publishes (at `publishedAt`; by default the time an editor gave the draft,
 * the time it had if it was published before and withdrawn since, or else
 * now) or withdraws an item, checking the version as updates do.
 */
export async function setPublished(session: WriteSession, id: string, expectedVersion: number, published: boolean, publishedAt?: Date | null): Promise<Content> {
  const { manager } = session;
  const before = await lockCurrent(manager, id, expectedVersion);
  return changeStatus(session, before, published, publishedAt);
}

/**
 * Publishes or withdraws `before` (already read and checked) with its audit
 * entry and change-log entry. Shared by editors (with a version check) and
 * ingestion, which withdraws what its source no longer has (`bySource`) and
 * publishes again what the source lists again. An item remembers only a
 * withdrawal by its source (`sourceWithdrawnAt`): any other change of status
 * forgets it, so an editor's decision is never undone by a later run.
 */
export async function changeStatus(session: WriteSession, before: Content, published: boolean, publishedAt?: Date | null, bySource = false): Promise<Content> {
  const { manager } = session;
  const beforeState = await readItemState(manager, before.id);
  const status = published ? ContentStatus.PUBLISHED : ContentStatus.DRAFT;
  // Without a time given, a published item keeps its time, so does a draft whose time an editor gave, and so does one published
  // again after a withdrawal (an editor's or its source's, both of which keep `published_at`): only a draft never published
  // and never given a time is dated now.
  const keeps = before.status === ContentStatus.PUBLISHED || before.publishedAtGiven;
  const when = !published ? before.publishedAt : (publishedAt ?? (keeps || (await wasWithdrawn(manager, before)) ? before.publishedAt : new Date()));
  await bumpVersion(manager, before.id, before.version, { status, publishedAt: when, sourceWithdrawnAt: bySource && !published ? new Date() : null });
  // The nation tags carry copies of both, for the per-nation feeds.
  await manager.update(ContentNation, { contentId: before.id }, { status, publishedAt: when });
  const after = await audited(session, published ? 'PUBLISH' : 'UNPUBLISH', before.id, await withTags(manager, before));
  if (beforeState) recordChange(session, beforeState, { ...beforeState, status, publishedAt: when }, when.getTime() !== before.publishedAt.getTime());
  return after;
}

/**
 * Whether `item` (a draft) was published once and withdrawn since, as against
 * a draft never published: its audit entries since it was last created hold
 * an UNPUBLISH of it while it was published. Every change of status is
 * audited in its own transaction (`changeStatus`), and the audit log is never
 * pruned, so this is the whole history; an item deleted and created again
 * with the same id (a demo item seeded again, an ingested one imported again)
 * starts afresh at its CREATE.
 *
 * The columns cannot tell the two apart: a draft carries a `published_at`
 * from the start (the time an editor gave, its source's date, or the time it
 * was created), and a withdrawal keeps the time the item had. A column of its
 * own (`first_published_at`) would need a migration whose backfill of the
 * items withdrawn before it could only read this same log; so the log is read
 * here, once per publication of a draft with no time given, neither to
 * `publishContent` nor by an editor before (`Content.publishedAtGiven`);
 * ingestion, which republishes what it withdrew at its time, never asks.
 */
async function wasWithdrawn(manager: EntityManager, item: Content): Promise<boolean> {
  const entries = await manager.getRepository(AuditEntry).find({
    select: { action: true, before: true },
    where: { subjectType: CONTENT_TYPE_NAMES[item.type], subjectId: item.nodeId, action: In(['CREATE', 'UNPUBLISH']) },
    order: { at: 'ASC', id: 'ASC' },
  });
  let withdrawn = false;
  for (const entry of entries) {
    if (entry.action === 'CREATE') withdrawn = false;
    else if (entry.before?.status === ContentStatus.PUBLISHED) withdrawn = true;
  }
  return withdrawn;
}

/** Deletes an item and its tag rows. */
export async function deleteContent(session: WriteSession, id: string, expectedVersion: number): Promise<string> {
  const { manager } = session;
  const before = await lockCurrent(manager, id, expectedVersion, undefined, true);
  const beforeState = await readItemState(manager, id);
  const globalId = before.nodeId;
  await recordAudit(manager, session.actor, {
    action: 'DELETE',
    subjectType: CONTENT_TYPE_NAMES[before.type],
    subjectId: globalId,
    before: await withTags(manager, before),
    after: null,
  });
  // Only at the version checked, as bumpVersion updates: should the row ever be read without its lock, a stale delete is refused, not done.
  const deleted = await manager.createQueryBuilder().delete().from(Content).where('id = :id AND version = :expectedVersion', { id, expectedVersion }).execute();
  if (deleted.affected === 0) throw new StaleVersionError('The item changed while it was being deleted; reload it and try again', { expectedVersion });
  await unindexContent(manager, [id]);
  recordChange(session, beforeState, null);
  return globalId;
}

/** Appends the change readers see, if any. */
export function recordChange(session: WriteSession, before: ItemState | null, after: ItemState | null, changed = true): void {
  const change = contentChange(before, after, changed);
  if (change) session.change(change);
}

/** The state a write leaves, from what it wrote. */
export function stateAfter(item: Content, write: PreparedWrite): ItemState {
  return {
    id: item.id,
    type: item.type,
    status: item.status,
    publishedAt: item.publishedAt,
    nations: write.nations,
    countries: write.countries,
    tags: write.tags,
    campaign: write.campaignSlug,
  };
}

/**
 * Reads the item to change and checks the editor's version. A missing item is
 * NOT_FOUND; a newer version is CONFLICT, naming the current one.
 *
 * On PostgreSQL the row stays locked ({@link itemLock}) until the write commits, so
 * that what the write reads next (the state its change-log entry starts from,
 * the audit's before) is the item as it is, not as it was before another
 * transaction's change that has not committed yet: a write racing another on
 * the same item waits for it, then finds the version moved and is refused. On
 * SQLite writes take turns (`db/in-turn.ts`).
 */
async function lockCurrent(manager: EntityManager, id: string, expectedVersion: number, type?: ContentType, deleting = false): Promise<Content> {
  const item = await manager.getRepository(Content).findOne({ where: { id }, ...itemLock(manager, deleting) });
  if (!item || (type && item.type !== type)) throw new NotFoundError('No such item', { id });
  if (item.version !== expectedVersion) {
    throw new ConflictError(`The item has changed since version ${expectedVersion}: it is at version ${item.version}. Reload it and apply your change again.`, {
      expectedVersion,
      currentVersion: item.version,
    });
  }
  return item;
}

/**
 * How a write that changes an item locks its row when it reads it, on
 * PostgreSQL (nothing on SQLite, whose writes take turns): `FOR NO KEY UPDATE`,
 * which other writers of the item wait for but which lets other transactions
 * insert rows that refer to it (their foreign-key check takes `FOR KEY SHARE`),
 * or `FOR UPDATE` for a delete. The editors' writes take the item's row
 * first, a translation's after it, so that two of them never wait for each
 * other in opposite orders (a delete's cascade reaches the translations after
 * the item too).
 */
export function itemLock(manager: EntityManager, deleting = false): { lock?: { mode: 'for_no_key_update' | 'pessimistic_write' } } {
  if (manager.connection.options.type !== 'postgres') return {};
  return { lock: { mode: deleting ? 'pessimistic_write' : 'for_no_key_update' } };
}

/** Writes the change only if the version is still the one checked: two editors racing cannot both win. */
export async function bumpVersion(manager: EntityManager, id: string, expectedVersion: number, values: Record<string, unknown>): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(Content)
    .set(values)
    .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
    .execute();
  if (result.affected === 0) {
    throw new StaleVersionError('The item changed while this edit was being saved; reload it and try again', { expectedVersion });
  }
}

async function refuseTakenSlug(manager: EntityManager, type: ContentType, slug: string, ownId: string | null): Promise<void> {
  const holder = await manager.getRepository(Content).findOne({ select: { id: true }, where: { type, slug } });
  if (holder && holder.id !== ownId) {
    throw new ConflictError(`Another ${CONTENT_TYPE_NAMES[type]} already has the slug "${slug}"`, { field: 'input.slug' });
  }
}

async function withTags(manager: EntityManager, item: Content): Promise<Record<string, unknown>> {
  return snapshot(item, await readTagRows(manager, item.id));
}

/** Reloads the changed item and records the change with before and after. */
async function audited(session: WriteSession, action: AuditAction, id: string, before: Record<string, unknown> | null): Promise<Content> {
  const { manager } = session;
  const after = await manager.getRepository(Content).findOneByOrFail({ id });
  await recordAudit(manager, session.actor, {
    action,
    subjectType: CONTENT_TYPE_NAMES[after.type],
    subjectId: after.nodeId,
    before,
    after: await withTags(manager, after),
  });
  return after;
}
