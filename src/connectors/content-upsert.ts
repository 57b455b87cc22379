import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { v5 as uuidv5 } from 'uuid';
import { CONTENT_CLASSES, prepareWrite, readTagRows, writeTagRows, type ContentItemInput, type PreparedWrite } from '../editing/content-rows';
import { Content } from '../shared/content/content.entity';
import { BadUserInputError } from '../shared/errors';

export type { ContentItemInput, SourceInput } from '../editing/content-rows';

/** Fixed namespace for ids derived from provenance, so an item keeps its id on every install. */
const PROVENANCE_NAMESPACE = '6f1c2d9e-3b57-5a0e-9c41-2f7d8e0b4a63';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Inserts an item, or updates the one with the same provenance (or, without
 * provenance, the same type and slug), together with its nation, country and
 * tag rows. Idempotent: the same input twice writes nothing the second time.
 * Run it inside a transaction (`db.transaction(manager => …)`).
 */
export async function upsertContent(manager: EntityManager, input: ContentItemInput): Promise<{ id: string; outcome: UpsertOutcome }> {
  const target = CONTENT_CLASSES[input.type];
  const write = await prepareWrite(manager, input);
  const existing = await manager.getRepository(Content).findOne({
    where: input.source
      ? { sourceName: input.source.name, sourceExternalId: input.source.externalId }
      : { type: input.type, slug: input.slug },
  });
  if (existing) {
    if (existing.type !== input.type) {
      throw new BadUserInputError(`${input.source?.externalId ?? input.slug} is already stored as a ${existing.type}`);
    }
    if (columnsEqual(existing, write.values) && tagRowsEqual(await readTagRows(manager, existing.id), write)) {
      return { id: existing.id, outcome: 'unchanged' };
    }
    await manager.getRepository(target).save(Object.assign(existing, write.values));
    await writeTagRows(manager, existing, write);
    return { id: existing.id, outcome: 'updated' };
  }

  const id = input.source ? uuidv5(`${input.source.name}\u0000${input.source.externalId}`, PROVENANCE_NAMESPACE) : randomUUID();
  const item = manager.getRepository(target).create({ ...write.values, id } as Partial<Content>);
  await manager.getRepository(target).insert(item);
  await writeTagRows(manager, item, write);
  return { id, outcome: 'created' };
}

function tagRowsEqual(stored: Pick<PreparedWrite, 'nations' | 'countries' | 'tags'>, wanted: PreparedWrite): boolean {
  return sameList(stored.nations, wanted.nations) && sameList(stored.countries, wanted.countries) && sameList(stored.tags, wanted.tags);
}

function columnsEqual(existing: Content, values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([key, value]) => sameValue((existing as unknown as Record<string, unknown>)[key], value));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return (a ?? null) === (b ?? null);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
