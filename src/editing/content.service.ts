import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ContentNation } from '../member-nations/content-nation.entity';
import { ContentStatus, type ContentType } from '../shared/content/content-status';
import { CONTENT_TYPE_NAMES, Content } from '../shared/content/content.entity';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { Viewer } from '../shared/viewer';
import { recordAudit, snapshot, type AuditAction } from './audit';
import { CONTENT_CLASSES, prepareWrite, readTagRows, writeTagRows, type ContentItemInput } from './content-rows';

/** What an editor sends for an item: everything but its type, status and provenance. */
export type ContentDraft = Omit<ContentItemInput, 'type' | 'status' | 'source' | 'publishedAt'> & { readonly publishedAt?: Date | null };

/**
 * Creates an item as a draft: editors publish it in a separate step. Its
 * publication time is the one given, or the time it is published.
 */
export function createContent(db: DataSource, actor: Viewer, type: ContentType, draft: ContentDraft): Promise<Content> {
  return db.transaction(async (manager) => {
    await refuseTakenSlug(manager, type, draft.slug, null);
    const write = await prepareWrite(manager, { ...draft, type, status: ContentStatus.DRAFT, publishedAt: draft.publishedAt ?? new Date() });
    const repo = manager.getRepository(CONTENT_CLASSES[type]);
    const item = repo.create({ ...write.values, id: randomUUID() } as Partial<Content>);
    await repo.insert(item);
    await writeTagRows(manager, item, write);
    return audited(manager, actor, 'CREATE', item.id, null);
  });
}

/** Replaces an item's editable fields, if nobody changed it since the editor read `expectedVersion`. */
export function updateContent(
  db: DataSource,
  actor: Viewer,
  type: ContentType,
  id: string,
  expectedVersion: number,
  draft: ContentDraft,
): Promise<Content> {
  return db.transaction(async (manager) => {
    const before = await lockCurrent(manager, id, expectedVersion, type);
    await refuseTakenSlug(manager, type, draft.slug, id);
    const write = await prepareWrite(manager, {
      ...draft,
      type,
      status: before.status,
      publishedAt: draft.publishedAt ?? before.publishedAt,
      source: before.source ? { ...before.source } : null,
    });
    await bumpVersion(manager, id, expectedVersion, write.values);
    await writeTagRows(manager, { ...before, ...write.values, id } as Content, write);
    return audited(manager, actor, 'UPDATE', id, await withTags(manager, before));
  });
}

/** Publishes (at `publishedAt`, now by default) or withdraws an item, checking the version as updates do. */
export function setPublished(
  db: DataSource,
  actor: Viewer,
  id: string,
  expectedVersion: number,
  published: boolean,
  publishedAt?: Date | null,
): Promise<Content> {
  return db.transaction(async (manager) => {
    const before = await lockCurrent(manager, id, expectedVersion);
    const status = published ? ContentStatus.PUBLISHED : ContentStatus.DRAFT;
    const when = published ? (publishedAt ?? (before.status === ContentStatus.PUBLISHED ? before.publishedAt : new Date())) : before.publishedAt;
    await bumpVersion(manager, id, expectedVersion, { status, publishedAt: when });
    // The nation tags carry copies of both, for the per-nation feeds.
    await manager.update(ContentNation, { contentId: id }, { status, publishedAt: when });
    return audited(manager, actor, published ? 'PUBLISH' : 'UNPUBLISH', id, await withTags(manager, before));
  });
}

/** Deletes an item and its tag rows. */
export function deleteContent(db: DataSource, actor: Viewer, id: string, expectedVersion: number): Promise<string> {
  return db.transaction(async (manager) => {
    const before = await lockCurrent(manager, id, expectedVersion);
    const globalId = before.nodeId;
    await recordAudit(manager, actor, {
      action: 'DELETE',
      subjectType: CONTENT_TYPE_NAMES[before.type],
      subjectId: globalId,
      before: await withTags(manager, before),
      after: null,
    });
    await manager.delete(Content, { id });
    return globalId;
  });
}

/**
 * Reads the item to change and checks the editor's version. A missing item is
 * NOT_FOUND; a newer version is CONFLICT, naming the current one.
 */
async function lockCurrent(manager: EntityManager, id: string, expectedVersion: number, type?: ContentType): Promise<Content> {
  const item = await manager.getRepository(Content).findOneBy({ id });
  if (!item || (type && item.type !== type)) throw new NotFoundError('No such item', { id });
  if (item.version !== expectedVersion) {
    throw new ConflictError(`The item has changed since version ${expectedVersion}: it is at version ${item.version}. Reload it and apply your change again.`, {
      expectedVersion,
      currentVersion: item.version,
    });
  }
  return item;
}

/** Writes the change only if the version is still the one checked: two editors racing cannot both win. */
async function bumpVersion(manager: EntityManager, id: string, expectedVersion: number, values: Record<string, unknown>): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(Content)
    .set(values)
    .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
    .execute();
  if (result.affected === 0) {
    throw new ConflictError('The item changed while this edit was being saved; reload it and try again', { expectedVersion });
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
async function audited(manager: EntityManager, actor: Viewer, action: AuditAction, id: string, before: Record<string, unknown> | null): Promise<Content> {
  const after = await manager.getRepository(Content).findOneByOrFail({ id });
  await recordAudit(manager, actor, {
    action,
    subjectType: CONTENT_TYPE_NAMES[after.type],
    subjectId: after.nodeId,
    before,
    after: await withTags(manager, after),
  });
  return after;
}
