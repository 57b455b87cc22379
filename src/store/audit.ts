import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditEntry } from './audit-entry.entity';
import { insertRows } from './bulk-insert';
import type { Actor } from './session';

export type AuditAction = 'CREATE' | 'UPDATE' | 'PUBLISH' | 'UNPUBLISH' | 'DELETE';

/** One audit record, written in the same transaction as the change it records. */
export interface AuditRecord {
  readonly action: AuditAction;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

/** Appends to the audit log inside the caller's transaction: no change without its record, and no record without its change. */
export async function recordAudit(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
  await recordAudits(manager, actor, [record]);
}

/**
 * Appends several audit records in one statement, as a batch of ingested items
 * needs. Ids are UUIDv7 (time-ordered): the primary key grows at its end, where
 * random ids dirtied one more index page per entry, written at every commit.
 */
export async function recordAudits(manager: EntityManager, actor: Actor, records: readonly AuditRecord[]): Promise<void> {
  const at = new Date();
  await insertRows(
    manager,
    AuditEntry,
    records.map((record) => ({ id: uuidv7(), at, actorKeyId: actor.keyId, actorName: actor.name, ...record })),
  );
}

/** A JSON-safe copy of an entity's fields, for `before`/`after`. */
export function snapshot(entity: object, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...entity, ...extra })) as Record<string, unknown>;
}
