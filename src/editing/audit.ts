import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Viewer } from '../shared/viewer';
import { AuditEntry } from './audit-entry.entity';

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
export async function recordAudit(manager: EntityManager, actor: Viewer, record: AuditRecord): Promise<void> {
  const entry = manager.getRepository(AuditEntry).create({
    id: randomUUID(),
    at: new Date(),
    actorKeyId: actor.keyId,
    actorName: actor.keyId ? actor.name : 'cli',
    ...record,
  });
  // simple-json columns take any object; TypeORM's deep-partial type cannot express that.
  await manager.getRepository(AuditEntry).insert(entry as QueryDeepPartialEntity<AuditEntry>);
}

/** A JSON-safe copy of an entity's fields, for `before`/`after`. */
export function snapshot(entity: object, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...entity, ...extra })) as Record<string, unknown>;
}
