import { Content } from '../shared/content/content.entity';
import { ContentTranslation } from '../shared/content/content-translation.entity';
import { localeOfLanguage, type Locale } from '../shared/content/locale';
import { BadUserInputError, ConflictError, NotFoundError, StaleVersionError } from '../shared/errors';
import { recordAudit, snapshot } from './audit';
import { itemLock, recordChange } from './content';
import { readItemState } from './item-state';
import { indexContent } from './search-index';
import type { WriteSession } from './session';

/** An item's text in another locale, as an editor writes it. */
export interface TranslationFields {
  readonly title: string;
  readonly summary: string;
  /** Sanitised HTML (checked by the caller); null to show the original's. */
  readonly body?: string | null;
  /** A project's place; null to show the original's. */
  readonly place?: string | null;
}

/**
 * Writes an item's translation into `locale`: new when `expectedVersion` is
 * null, else only if nobody changed it since that version (CONFLICT
 * otherwise). With its own audit entry; the item is indexed again (it can be
 * found by the new text) and, when published, readers get an UPDATED entry.
 */
export async function setTranslation(session: WriteSession, contentId: string, locale: Locale, expectedVersion: number | null, fields: TranslationFields): Promise<ContentTranslation> {
  const { manager } = session;
  // The item's row first, as every write of an item locks it (see itemLock).
  const item = await manager.getRepository(Content).findOne({ where: { id: contentId }, ...itemLock(manager) });
  if (!item) throw new NotFoundError('No such item', { id: contentId });
  if (localeOfLanguage(item.language) === locale) {
    throw new BadUserInputError(`The item is written in ${locale} already: edit the item itself`, { argument: 'locale' });
  }
  const repo = manager.getRepository(ContentTranslation);
  const before = await repo.findOneBy({ contentId, locale });
  const values = { title: fields.title, summary: fields.summary, body: fields.body ?? null, place: fields.place ?? null };
  if (!before) {
    if (expectedVersion !== null && expectedVersion !== 0) throw new ConflictError(`There is no ${locale} translation yet: leave out expectedVersion to make one`, { expectedVersion });
    await repo.insert(repo.create({ contentId, locale, ...values }));
  } else {
    if (expectedVersion === null || before.version !== expectedVersion) {
      throw new ConflictError(`The ${locale} translation is at version ${before.version}; reload it and apply your change again`, { expectedVersion, currentVersion: before.version });
    }
    const result = await manager
      .createQueryBuilder()
      .update(ContentTranslation)
      .set(values)
      .where('content_id = :contentId AND locale = :locale AND version = :expectedVersion', { contentId, locale, expectedVersion })
      .execute();
    if (result.affected === 0) throw new ConflictError('The translation changed while this edit was being saved; reload it and try again', { expectedVersion });
  }
  const after = await repo.findOneByOrFail({ contentId, locale });
  await noteTranslatedInto(session, contentId);
  await recordAudit(manager, session.actor, { action: before ? 'UPDATE' : 'CREATE', subjectType: `Translation:${locale}`, subjectId: item.nodeId, before: before ? snapshot(before) : null, after: snapshot(after) });
  await indexContent(manager, [contentId]);
  const state = await readItemState(manager, contentId);
  recordChange(session, state, state);
  return after;
}

/**
 * Removes an item's translation into `locale`, if still at `expectedVersion`.
 *
 * On PostgreSQL the item's row stays locked from its read until the write
 * commits (see `itemLock` in `content.ts`), as every translation write locks it: a delete
 * racing an edit of the translation waits for it, then finds the version
 * moved and is refused, rather than deleting the newer text with an audit
 * entry showing the older. On SQLite writes take turns (`db/in-turn.ts`).
 */
export async function deleteTranslation(session: WriteSession, contentId: string, locale: Locale, expectedVersion: number): Promise<boolean> {
  const { manager } = session;
  // The item's row, which every write of the item or its translations locks first (see itemLock): the translation's own needs no lock of its own.
  const item = await manager.getRepository(Content).findOne({ where: { id: contentId }, ...itemLock(manager) });
  const before = item ? await manager.getRepository(ContentTranslation).findOneBy({ contentId, locale }) : null;
  if (!item || !before) throw new NotFoundError(`The item has no ${locale} translation`, { id: contentId, locale });
  if (before.version !== expectedVersion) {
    throw new ConflictError(`The ${locale} translation is at version ${before.version}; reload it and try again`, { expectedVersion, currentVersion: before.version });
  }
  // Only at the version checked, as `bumpVersion` updates: should the row ever be read without its lock, a stale delete is refused, not done.
  const deleted = await manager
    .createQueryBuilder()
    .delete()
    .from(ContentTranslation)
    .where('content_id = :contentId AND locale = :locale AND version = :expectedVersion', { contentId, locale, expectedVersion })
    .execute();
  if (deleted.affected === 0) throw new StaleVersionError('The translation changed while it was being deleted; reload it and try again', { expectedVersion });
  await noteTranslatedInto(session, contentId);
  await recordAudit(manager, session.actor, { action: 'DELETE', subjectType: `Translation:${locale}`, subjectId: item.nodeId, before: snapshot(before), after: null });
  await indexContent(manager, [contentId]);
  const state = await readItemState(manager, contentId);
  recordChange(session, state, state);
  return true;
}

/**
 * Keeps `content.translated_into` (the locales an item is translated into,
 * which reads use to know whether a translation is there to serve) in step
 * with its translations. Not an edit of the item: its version stays.
 */
async function noteTranslatedInto(session: WriteSession, contentId: string): Promise<void> {
  const { manager } = session;
  const locales = (await manager.getRepository(ContentTranslation).find({ select: { locale: true }, where: { contentId } })).map((t) => t.locale).sort();
  const [statement, values] = manager.connection.driver.escapeQueryWithParameters(`UPDATE content SET translated_into = :locales WHERE id = :contentId`, { locales: locales.join(','), contentId });
  await manager.query(statement, values);
}
