import type { DataSource } from 'typeorm';
import type { StatementScope } from '../db/statement-scope';
import type { ContentType } from '../shared/content/content-status';
import type { Content } from '../shared/content/content.entity';
import * as store from '../store/content';
import { write, type Actor } from '../store/session';

export type { ContentDraft } from '../store/content';

/**
 * Editors' writes of content, each one transaction through the one writer
 * (`store/`): audit entry and change-log entry included. With a `scope` (the
 * request's), the write's statements count towards it and are cancelled with it.
 */
export function createContent(db: DataSource, actor: Actor, type: ContentType, draft: store.ContentDraft, scope?: StatementScope): Promise<Content> {
  return write(db, actor, (session) => store.createContent(session, type, draft), scope);
}

/** Replaces an item's editable fields, if nobody changed it since the editor read `expectedVersion`. */
export function updateContent(
  db: DataSource,
  actor: Actor,
  type: ContentType,
  id: string,
  expectedVersion: number,
  draft: store.ContentDraft,
  scope?: StatementScope,
): Promise<Content> {
  return write(db, actor, (session) => store.updateContent(session, type, id, expectedVersion, draft), scope);
}

/** Publishes (at `publishedAt`, now by default) or withdraws an item, checking the version as updates do. */
export function setPublished(
  db: DataSource,
  actor: Actor,
  id: string,
  expectedVersion: number,
  published: boolean,
  publishedAt?: Date | null,
  scope?: StatementScope,
): Promise<Content> {
  return write(db, actor, (session) => store.setPublished(session, id, expectedVersion, published, publishedAt), scope);
}

/** Deletes an item and its tag rows. */
export function deleteContent(db: DataSource, actor: Actor, id: string, expectedVersion: number, scope?: StatementScope): Promise<string> {
  return write(db, actor, (session) => store.deleteContent(session, id, expectedVersion), scope);
}
