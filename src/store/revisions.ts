import { Content } from '../shared/content/content.entity';
import { NotFoundError } from '../shared/errors';
import { recordAudit } from './audit';
import type { WriteSession } from './session';
import { SourceRevision } from './source-revision.entity';
import { upsertContent, type UpsertInput } from './upsert';

/**
 * Accepts the version its source gave of an item an editor had changed: the
 * item becomes that version (a new version number, an audit entry, and an
 * UPDATED entry if it is published), and later runs of the source update it
 * again as they do any item.
 */
export async function acceptSourceRevision(session: WriteSession, contentId: string): Promise<Content> {
  const revision = await heldRevision(session, contentId);
  const input = revivedInput(revision.payload);
  await upsertContent(session, [input], { overwriteEdited: true, adjustSlugs: true });
  await session.manager.delete(SourceRevision, { contentId });
  return session.manager.getRepository(Content).findOneByOrFail({ id: contentId });
}

/**
 * Rejects a held version: the editor's version stays, and the source's
 * version is remembered as seen, so the next run does not hold it again (a
 * newer version from the source will be).
 */
export async function rejectSourceRevision(session: WriteSession, contentId: string): Promise<Content> {
  const revision = await heldRevision(session, contentId);
  const item = await session.manager.getRepository(Content).findOneByOrFail({ id: contentId });
  await session.manager.createQueryBuilder().update(Content).set({ contentHash: revision.contentHash }).where('id = :id', { id: contentId }).execute();
  await session.manager.delete(SourceRevision, { contentId });
  await recordAudit(session.manager, session.actor, {
    action: 'UPDATE',
    subjectType: 'Content',
    subjectId: item.nodeId,
    before: { heldRevision: revision.contentHash },
    after: { heldRevision: null, rejected: revision.contentHash },
  });
  return session.manager.getRepository(Content).findOneByOrFail({ id: contentId });
}

async function heldRevision(session: WriteSession, contentId: string): Promise<SourceRevision> {
  const revision = await session.manager.getRepository(SourceRevision).findOneBy({ contentId });
  if (!revision) throw new NotFoundError('This item has no version held from its source', { id: contentId });
  return revision;
}

/** A held input back from JSON: its dates become dates again. */
function revivedInput(payload: Record<string, unknown>): UpsertInput {
  const input = payload as unknown as UpsertInput & { publishedAt: string | null; source: { fetchedAt: string | null } };
  return {
    ...input,
    publishedAt: input.publishedAt ? new Date(input.publishedAt) : null,
    source: input.source ? { ...input.source, fetchedAt: input.source.fetchedAt ? new Date(input.source.fetchedAt) : null } : null,
  };
}
