import { createHash, randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { stringify as uuidText, v5 as uuidv5 } from 'uuid';
import { ContentNation } from '../member-nations/content-nation.entity';
import { ContentCountry } from '../shared/content/content-country.entity';
import { ContentStatus, type ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';
import { ContentTag } from '../shared/content/content-tag.entity';
import { CONTENT_TYPE_NAMES, Content } from '../shared/content/content.entity';
import { BadUserInputError, StaleVersionError } from '../shared/errors';
import { encodeGlobalId } from '../shared/node/global-id';
import { recordAudits, snapshot, type AuditRecord } from './audit';
import { insertRows } from './bulk-insert';
import { SourceRevision } from './source-revision.entity';
import { CONTENT_CLASSES, prepareWrite, type ContentItemInput, type PreparedWrite, kindOf, type SourceInput } from './content-rows';
import { changeStatus, recordChange, stateAfter } from './content';
import { indexContent, searchableTextOf } from './search-index';
import { readItemStates, type ItemState } from './item-state';
import type { WriteSession } from './session';

/** The namespace of the demo content's ids (UUIDv5), which the examples quote. */
const DEMO_NAMESPACE = '6f1c2d9e-3b57-5a0e-9c41-2f7d8e0b4a63';

/**
 * The id of an item a source gives, derived from its provenance so that it is
 * the same on every install. A UUID in RFC 9562's own-layout version 8: the
 * first four bytes hash the source's name, the rest the source and the
 * external id. One source's items therefore sit together in every index
 * ordered by id (the item's key, its nation, country and tag rows, its search
 * entry, its audit entries), and a batch, which holds one source's items,
 * writes a few neighbouring pages of each index instead of one page per item
 * as a whole-hash id does: SQLite's first ingest of 100,000 feed entries took
 * 80.7 s with UUIDv5 ids and 61.1 s with these (bench/README).
 *
 * The demo content keeps the UUIDv5 ids it always had (the examples quote
 * them). An item stored before keeps its id whatever its kind: an existing
 * item is found by its provenance, never by recomputing its id. So an item
 * stored before this scheme has its UUIDv5 id on that install and this one on
 * a fresh install (or once deleted and ingested again).
 */
export function provenanceId(source: SourceInput): string {
  if (kindOf(source) === SourceKind.DEMO) return uuidv5(`${source.name}\u0000${source.externalId}`, DEMO_NAMESPACE);
  const sourcePart = createHash('sha256').update('coalition-graph source\u0000').update(source.name).digest();
  const itemPart = createHash('sha256').update('coalition-graph item\u0000').update(source.name).update('\u0000').update(source.externalId).digest();
  const bytes = Buffer.concat([sourcePart.subarray(0, 4), itemPart.subarray(0, 12)]);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // the RFC 9562 variant
  return uuidText(bytes);
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'held';

/**
 * An item as a source gives it. Its publication time may be null where the
 * format has none (a CSV without a date column): the item then keeps the time
 * it was first imported.
 */
export type UpsertInput = Omit<ContentItemInput, 'publishedAt'> & {
  readonly publishedAt: Date | null;
  /** `publishedAt` dates the item only when it is new: an existing item keeps its publication time (see `ItemDraft.publishedAtIsLastChange` in `ingest/connector.ts`). */
  readonly publishedAtIsLastChange?: boolean;
};

/** What an upsert did to one item, with its state before and after (null: it did not exist). */
export interface UpsertResult {
  readonly id: string;
  readonly outcome: UpsertOutcome;
  readonly before: ItemState | null;
  readonly after: ItemState | null;
  /** Published again: its source had stopped listing it (see `UpsertOptions.republishWithdrawn`). */
  readonly republished?: true;
}

export interface UpsertOptions {
  /** The status items get when they are created (PUBLISHED unless an input says otherwise). Existing items keep theirs. */
  readonly statusForNew?: ContentStatus;
  /** The publication time of new items whose input has none; now by default. */
  readonly firstSeen?: Date;
  /**
   * Write over items an editor has changed (accepting a held version). Without
   * it, a new version of such an item is held for review instead (`held`).
   */
  readonly overwriteEdited?: boolean;
  /**
   * Keep an existing item's slug when its source renames it, and make a new
   * item's slug unique (suffixing it) instead of refusing a taken one: what
   * ingestion wants, since slugs come from titles and pages link to them.
   */
  readonly adjustSlugs?: boolean;
  /**
   * Publish again the items that ingestion withdrew because their source
   * stopped listing them (`Content.sourceWithdrawnAt`): these inputs are the
   * source listing them again. Whatever the outcome for their content
   * (unchanged, updated, held for review), they keep their publication time.
   */
  readonly republishWithdrawn?: boolean;
}

/**
 * Inserts items, or updates those with the same provenance (or, without
 * provenance, the same type and slug), with their nation, country and tag
 * rows, audit entries and change-log entries, in a few statements for the
 * whole batch. Idempotent: an item whose content hash is unchanged is not
 * written at all (no version, no audit entry, no change-log entry), so a
 * second run of the same inputs writes nothing. An existing item's status is
 * left alone (a re-run never republishes what an editor withdrew), except
 * that ingestion publishes again what it withdrew itself
 * (`republishWithdrawn`).
 */
export async function upsertContent(session: WriteSession, inputs: readonly UpsertInput[], options: UpsertOptions = {}): Promise<UpsertResult[]> {
  return (await upsertInputs(session, inputs, options, null)) as UpsertResult[];
}

/** An input {@link upsertEach} left out, by its position among the inputs, and why. */
export interface RejectedInput {
  readonly index: number;
  readonly reason: BadUserInputError;
}

/**
 * {@link upsertContent} for a source's items, where one item must not cost
 * the others: an input that cannot be stored as given (it names a campaign
 * that does not exist, or one that is no member; its item is stored already
 * as another type, because an admin changed the source's target type) is left
 * out and returned with the reason, and the others are written. `results`
 * holds the others' results, in input order.
 */
export async function upsertEach(session: WriteSession, inputs: readonly UpsertInput[], options: UpsertOptions = {}): Promise<{ results: UpsertResult[]; rejected: RejectedInput[] }> {
  const rejected: RejectedInput[] = [];
  const results = await upsertInputs(session, inputs, options, (index, reason) => rejected.push({ index, reason }));
  return { results: results.filter((result): result is UpsertResult => result !== undefined), rejected };
}

/** The upsert of {@link upsertContent}; with `reject`, an input refused as bad input is handed to it and left out (its result stays undefined) rather than failing the write. */
async function upsertInputs(
  session: WriteSession,
  inputs: readonly UpsertInput[],
  options: UpsertOptions,
  reject: ((index: number, reason: BadUserInputError) => void) | null,
): Promise<(UpsertResult | undefined)[]> {
  const { manager } = session;
  const lookups = await session.lookups();
  const existing = await findExisting(manager, inputs);
  // An item that keeps its publication time is hashed with it: a source's new last-change date alone is no change.
  const hashes = inputs.map((input) => {
    const row = input.publishedAtIsLastChange ? existing.get(identityOf(input)) : undefined;
    return contentHashOf(row ? { ...input, publishedAt: row.publishedAt } : input);
  });
  const states = new Map((await readStatesOf(manager, [...existing.values()].map((row) => row.id))).map((state) => [state.id, state]));
  const results: (UpsertResult | undefined)[] = new Array(inputs.length);
  const creates: { index: number; write: PreparedWrite; item: Content }[] = [];
  const updates: { index: number; write: PreparedWrite; row: ExistingRow }[] = [];
  const holds: { index: number; row: ExistingRow }[] = [];
  const seen = new Set<string>();
  const firstSeen = options.firstSeen ?? new Date();

  const plan = (input: UpsertInput, index: number) => {
    const key = identityOf(input);
    if (seen.has(key)) throw new BadUserInputError(`${input.source?.externalId ?? input.slug} appears twice in one batch`);
    seen.add(key);
    const row = existing.get(key);
    if (row && row.type !== input.type) throw new BadUserInputError(`${input.source?.externalId ?? input.slug} is already stored as a ${row.type}`);
    if (row && row.contentHash === hashes[index]) {
      const state = states.get(row.id) ?? null;
      results[index] = { id: row.id, outcome: 'unchanged', before: state, after: state };
      return;
    }
    if (row && row.editedAt && !options.overwriteEdited) {
      holds.push({ index, row });
      return;
    }
    const slug = row && options.adjustSlugs ? row.slug : input.slug;
    const status = row ? row.status : (input.status ?? options.statusForNew ?? ContentStatus.PUBLISHED);
    const publishedAt = (row && input.publishedAtIsLastChange ? row.publishedAt : input.publishedAt) ?? row?.publishedAt ?? firstSeen;
    const write = prepareWrite(lookups, { ...input, slug, status, publishedAt });
    if (options.overwriteEdited) write.values.editedAt = null;
    write.values.contentHash = hashes[index];
    if (row) updates.push({ index, write, row });
    else {
      const id = input.source ? provenanceId(input.source) : randomUUID();
      creates.push({ index, write, item: manager.getRepository(CONTENT_CLASSES[input.type]).create({ ...write.values, id } as Partial<Content>) });
    }
  };
  inputs.forEach((input, index) => {
    // Every check that may refuse an input comes before it joins creates, updates or holds: a refused one leaves nothing behind.
    try {
      plan(input, index);
    } catch (error) {
      if (!reject || !(error instanceof BadUserInputError)) throw error;
      reject(index, error);
    }
  });

  if (options.adjustSlugs) await makeSlugsUnique(manager, creates.map(({ item }) => item));
  await insertItems(manager, creates.map(({ item }) => item));
  for (const { row, write } of updates) {
    // As of the version read above: an editor who changed the item since (on PostgreSQL, a transaction that committed in between) is not overwritten; the batch goes again and holds the source's version instead.
    const { affected } = await manager.createQueryBuilder().update(Content).set(write.values).where('id = :id AND version = :version', { id: row.id, version: row.version }).execute();
    if (affected === 0) throw new StaleVersionError('The item changed while this change was being saved; reload it and try again');
  }
  const written = [...creates.map(({ item, write }) => ({ item, write })), ...updates.map(({ row, write }) => ({ item: { ...write.values, id: row.id } as Content, write }))];
  await replaceTagRows(manager, written, updates.length > 0);
  // New items have no translations yet: their text is what was just inserted, so it is not read back.
  await indexContent(
    manager,
    updates.map(({ row }) => row.id),
    new Map(creates.map(({ item }) => [item.id, searchableTextOf(item as unknown as Record<string, unknown>)])),
  );

  const audits: AuditRecord[] = [];
  for (const { index, item, write } of creates) {
    const after = stateAfter(item, write);
    results[index] = { id: item.id, outcome: 'created', before: null, after };
    recordChange(session, null, after);
    audits.push({ action: 'CREATE', subjectType: CONTENT_TYPE_NAMES[item.type], subjectId: item.nodeId, before: null, after: snapshot(item, tagsOf(write)) });
  }
  for (const { index, row, write } of updates) {
    const item = { ...write.values, id: row.id, type: row.type, status: row.status } as Content;
    const before = states.get(row.id) ?? null;
    const after = stateAfter(item, write);
    results[index] = { id: row.id, outcome: 'updated', before, after };
    recordChange(session, before, after);
    audits.push({ action: 'UPDATE', subjectType: CONTENT_TYPE_NAMES[row.type], subjectId: encodeGlobalId(CONTENT_TYPE_NAMES[row.type], row.id), before: before ? { ...before } : null, after: snapshot(item, tagsOf(write)) });
  }
  if (audits.length) await recordAudits(manager, session.actor, audits);
  await holdRevisions(
    manager,
    holds.map(({ index, row }) => ({ contentId: row.id, contentHash: hashes[index], input: inputs[index], fetchedAt: inputs[index].source?.fetchedAt ?? firstSeen })),
  );
  for (const { index, row } of holds) {
    const state = states.get(row.id) ?? null;
    results[index] = { id: row.id, outcome: 'held', before: state, after: state };
  }
  if (options.republishWithdrawn) await republish(session, inputs, existing, results);
  return results;
}

/** Publishes again the items among `inputs` that their source had stopped listing (read after this batch's writes, so each keeps its version and publication time as they now are). */
async function republish(session: WriteSession, inputs: readonly UpsertInput[], existing: ReadonlyMap<string, ExistingRow>, results: (UpsertResult | undefined)[]): Promise<void> {
  const withdrawn = new Map<string, number>();
  inputs.forEach((input, index) => {
    // A refused input was not written: its source listing it again is no reason to publish what is stored.
    if (!results[index]) return;
    const row = existing.get(identityOf(input));
    if (row?.sourceWithdrawnAt && row.status !== ContentStatus.PUBLISHED) withdrawn.set(row.id, index);
  });
  if (withdrawn.size === 0) return;
  for (const item of await session.manager.getRepository(Content).findBy({ id: In([...withdrawn.keys()]) })) {
    // As it is now: an editor who published or withdrew it since the batch's first read (a commit in between, on PostgreSQL) decided.
    if (!item.sourceWithdrawnAt || item.status === ContentStatus.PUBLISHED) continue;
    await changeStatus(session, item, true, item.publishedAt);
    const index = withdrawn.get(item.id)!;
    const result = results[index]!;
    results[index] = { ...result, after: result.after && { ...result.after, status: ContentStatus.PUBLISHED }, republished: true };
  }
}

/** Keeps (or replaces) the version each item's source gave while an editor's version stands: one SELECT, then one DELETE and one INSERT for the versions not held already. */
async function holdRevisions(manager: EntityManager, held: readonly { contentId: string; contentHash: string; input: UpsertInput; fetchedAt: Date }[]): Promise<void> {
  if (held.length === 0) return;
  // A version held already (the source gave it again) stays as it was: a re-run of an unchanged source writes nothing.
  const kept = await manager.getRepository(SourceRevision).find({ select: { contentId: true, contentHash: true }, where: { contentId: In(held.map(({ contentId }) => contentId)) } });
  const same = new Set(kept.map((revision) => `${revision.contentId}\u0000${revision.contentHash}`));
  const fresh = held.filter(({ contentId, contentHash }) => !same.has(`${contentId}\u0000${contentHash}`));
  if (fresh.length === 0) return;
  const ids = fresh.map(({ contentId }) => contentId);
  await manager.createQueryBuilder().delete().from(SourceRevision).where('content_id IN (:...ids)', { ids }).execute();
  await manager.insert(
    SourceRevision,
    fresh.map(({ contentId, contentHash, input, fetchedAt }) => ({ contentId, contentHash, fetchedAt, payload: JSON.parse(JSON.stringify(input)) as Record<string, unknown> })) as never[],
  );
}

/**
 * SHA-256 of an item's content as its source gives it: every field readers
 * see, normalised (lists sorted, codes in one case), but not its slug, status
 * or fetch time. Equal hashes mean the source has nothing new.
 */
export function contentHashOf(input: UpsertInput): string {
  const upper = (values: readonly string[] | undefined) => [...new Set((values ?? []).map((v) => v.toUpperCase()))].sort();
  const canonical = {
    type: input.type,
    title: input.title,
    summary: input.summary,
    body: input.body ?? null,
    language: input.language ?? null,
    url: input.url ?? null,
    publishedAt: input.publishedAt?.toISOString() ?? null,
    countries: upper(input.countries),
    nations: upper(input.nations),
    tags: [...new Set((input.tags ?? []).map((tag) => tag.toLowerCase()))].sort(),
    campaign: input.campaign ?? null,
    fields: Object.fromEntries(Object.entries(input.fields).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** What an upsert needs of a stored item. */
interface ExistingRow {
  readonly id: string;
  readonly type: ContentType;
  readonly status: ContentStatus;
  readonly slug: string;
  readonly publishedAt: Date;
  readonly contentHash: string | null;
  /** Set when an editor changed the item's content: a source's new version is then held for review. */
  readonly editedAt: Date | null;
  readonly version: number;
  /** Set when ingestion withdrew the item because its source stopped listing it. */
  readonly sourceWithdrawnAt: Date | null;
}

function identityOf(input: UpsertInput): string {
  return input.source ? `s\u0000${input.source.name}\u0000${input.source.externalId}` : `t\u0000${input.type}\u0000${input.slug}`;
}

/** The stored items the inputs name, by identity: one statement per source (and one for inputs without provenance). */
async function findExisting(manager: EntityManager, inputs: readonly UpsertInput[]): Promise<Map<string, ExistingRow>> {
  const found = new Map<string, ExistingRow>();
  const bySource = new Map<string, string[]>();
  const bare: UpsertInput[] = [];
  for (const input of inputs) {
    if (!input.source) bare.push(input);
    else bySource.set(input.source.name, [...(bySource.get(input.source.name) ?? []), input.source.externalId]);
  }
  const select = { id: true, type: true, status: true, slug: true, publishedAt: true, contentHash: true, editedAt: true, version: true, sourceWithdrawnAt: true, sourceName: true, sourceExternalId: true } as const;
  for (const [name, externalIds] of bySource) {
    for (let start = 0; start < externalIds.length; start += 500) {
      const rows = await manager
        .getRepository(Content)
        .createQueryBuilder('c')
        .select(Object.keys(select).map((property) => `c.${property}`))
        .where('c.sourceName = :name AND c.sourceExternalId IN (:...ids)', { name, ids: externalIds.slice(start, start + 500) })
        .getMany();
      for (const row of rows) found.set(`s\u0000${name}\u0000${row.sourceExternalId}`, row);
    }
  }
  // In chunks: SQLite refuses an expression deeper than 1,000 (an OR of 2,500 pairs, say).
  for (let start = 0; start < bare.length; start += 200) {
    const chunk = bare.slice(start, start + 200);
    const clauses = chunk.map((_, i) => `(c.type = :type${i} AND c.slug = :slug${i})`).join(' OR ');
    const parameters = Object.fromEntries(chunk.flatMap((input, i) => [[`type${i}`, input.type], [`slug${i}`, input.slug]]));
    const rows = await manager.getRepository(Content).createQueryBuilder('c').where(`(${clauses})`, parameters).getMany();
    for (const row of rows) found.set(`t\u0000${row.type}\u0000${row.slug}`, row);
  }
  return found;
}

async function readStatesOf(manager: EntityManager, ids: readonly string[]): Promise<ItemState[]> {
  const states: ItemState[] = [];
  for (let start = 0; start < ids.length; start += 500) states.push(...(await readItemStates(manager, 'c.id IN (:...ids)', { ids: ids.slice(start, start + 500) })));
  return states;
}

/**
 * Suffixes the slugs of new items that are taken (by a stored item of the
 * same type, or another new one) with the last eight hex digits of their id:
 * the end, because the first digits of an ingested item's id are its
 * source's, the same for every item of a batch.
 */
async function makeSlugsUnique(manager: EntityManager, items: Content[]): Promise<void> {
  if (items.length === 0) return;
  const taken = new Set<string>();
  const byType = new Map<ContentType, string[]>();
  for (const item of items) {
    const slugs = byType.get(item.type) ?? [];
    if (slugs.length === 0) byType.set(item.type, slugs);
    slugs.push(item.slug);
  }
  // By type, so that the look-up uses the (type, slug) index: by slug alone it scanned the whole table for every batch.
  for (const [type, slugs] of byType) {
    for (let start = 0; start < slugs.length; start += 500) {
      const rows = await manager
        .getRepository(Content)
        .createQueryBuilder('c')
        .select(['c.type', 'c.slug'])
        .where('c.type = :type AND c.slug IN (:...slugs)', { type, slugs: slugs.slice(start, start + 500) })
        .getMany();
      for (const row of rows) taken.add(`${row.type}\u0000${row.slug}`);
    }
  }
  for (const item of items) {
    let slug = item.slug;
    if (taken.has(`${item.type}\u0000${slug}`)) slug = `${slug.slice(0, 150)}-${item.id.slice(-8)}`;
    taken.add(`${item.type}\u0000${slug}`);
    item.slug = slug;
  }
}

/**
 * Inserts new items, one statement per type and 200 items, without reading
 * anything back: TypeORM's insert read the rows back on SQLite (which has no
 * RETURNING for it) with an OR of 200 ids that the planner answered with a
 * scan of the whole table, and a 100,000-item ingest spent most of its time
 * there. The database fills in the creation and update times, as it does for
 * every other write (so they come from one clock); the items keep the version
 * and an estimate of those times for their audit entries.
 */
async function insertItems(manager: EntityManager, items: readonly Content[]): Promise<void> {
  const byType = new Map<ContentType, Content[]>();
  const now = new Date();
  for (const item of items) {
    item.version = 1;
    item.createdAt = now;
    item.updatedAt = now;
    const group = byType.get(item.type);
    if (group) group.push(item);
    else byType.set(item.type, [item]);
  }
  for (const [type, group] of byType) {
    for (let start = 0; start < group.length; start += 200) {
      const rows = group.slice(start, start + 200).map((item) => ({ ...item, createdAt: undefined, updatedAt: undefined }));
      await insertRows(manager, CONTENT_CLASSES[type], rows);
    }
  }
}

/** Replaces the tag rows of the items written: one DELETE per table for the updated ones, one INSERT per table for all. */
async function replaceTagRows(manager: EntityManager, written: readonly { item: Content; write: PreparedWrite }[], anyUpdated: boolean): Promise<void> {
  if (written.length === 0) return;
  if (anyUpdated) {
    const ids = written.map(({ item }) => item.id);
    for (let start = 0; start < ids.length; start += 500) {
      const batch = ids.slice(start, start + 500);
      for (const table of [ContentNation, ContentCountry, ContentTag]) {
        await manager.createQueryBuilder().delete().from(table).where('content_id IN (:...ids)', { ids: batch }).execute();
      }
    }
  }
  const nations = written.flatMap(({ item, write }) =>
    write.nations.map((nationCode) => ({ contentId: item.id, nationCode, contentType: item.type, status: item.status, publishedAt: item.publishedAt })),
  );
  const countries = written.flatMap(({ item, write }) => write.countries.map((countryCode) => ({ contentId: item.id, countryCode })));
  const tags = written.flatMap(({ item, write }) => write.tags.map((tag) => ({ contentId: item.id, tag })));
  for (const [table, rows] of [[ContentNation, nations], [ContentCountry, countries], [ContentTag, tags]] as const) {
    await insertRows(manager, table, rows);
  }
}

function tagsOf(write: PreparedWrite): Record<string, unknown> {
  return { nations: write.nations, countries: write.countries, tags: write.tags };
}
