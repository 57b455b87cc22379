import type { DataSource } from 'typeorm';
import type { StatementScope } from '../db/statement-scope';
import { batchLoader } from '../shared/loader';
import { groupByKey } from '../shared/batch';
import type { ContentNation } from './content-nation.entity';
import type { MemberNation } from './member-nation.entity';
import { nationCatalogue } from './nation-catalogue';

/** Members by code (uppercase), from the process's catalogue; `null` for a code that is not a member. */
export async function getMemberNationsByCodes(db: DataSource, codes: readonly string[]): Promise<(MemberNation | null)[]> {
  const { byCode: nations } = await nationCatalogue(db).get();
  return codes.map((code) => nations.get(code) ?? null);
}

/**
 * The members each content item is tagged with, by name. One statement reads
 * the tags (an index-only scan of the tag table's primary key); the nations
 * themselves come from the catalogue.
 */
export async function getNationsByContentIds(db: DataSource, ids: readonly string[]): Promise<MemberNation[][]> {
  const [sql, parameters] = db.driver.escapeQueryWithParameters(
    'SELECT content_id AS "contentId", nation_code AS "nationCode" FROM content_nation WHERE content_id IN (:...ids)',
    { ids },
  );
  const [rows, { byCode: nations }] = await Promise.all([
    db.query(sql, parameters) as Promise<Pick<ContentNation, 'contentId' | 'nationCode'>[]>,
    nationCatalogue(db).get(),
  ]);
  const lists = groupByKey(ids, rows, (row) => row.contentId, (row) => nations.get(row.nationCode)!);
  return lists.map((list) => list.filter(Boolean).sort(byName));
}

/**
 * Members by code, by name; codes of former members are skipped. Synchronous
 * when the catalogue is at hand, as it nearly always is. The list is kept for
 * the catalogue's index and the codes' array (the reader shares one frozen
 * array per combination of codes: see `nationCodesOf`), so that a page's
 * items with the same tags share one list, made once; it is frozen, and
 * dropped with either.
 */
export function getNationsFromCodes(db: DataSource, codes: readonly string[]): MemberNation[] | Promise<MemberNation[]> {
  const catalogue = nationCatalogue(db);
  const index = catalogue.current();
  return index ? nationsOf(index, codes) : catalogue.get().then((loaded) => nationsOf(loaded, codes));
}

type NationIndex = { readonly byCode: ReadonlyMap<string, MemberNation> };

const NATIONS_OF_CODES = new WeakMap<NationIndex, WeakMap<readonly string[], MemberNation[]>>();

function nationsOf(index: NationIndex, codes: readonly string[]): MemberNation[] {
  let byCodes = NATIONS_OF_CODES.get(index);
  if (!byCodes) NATIONS_OF_CODES.set(index, (byCodes = new WeakMap()));
  let nations = byCodes.get(codes);
  if (!nations) {
    nations = [];
    for (const code of codes) {
      const nation = index.byCode.get(code);
      if (nation) nations.push(nation);
    }
    if (nations.length > 1) nations.sort(byName);
    byCodes.set(codes, Object.freeze(nations) as MemberNation[]);
  }
  return nations;
}

function byName(a: MemberNation, b: MemberNation): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A member by code: synchronous from the catalogue when it is at hand, else through the request's loader. */
export function nationByCode(db: DataSource, loaders: MemberNationLoaders, code: string): MemberNation | null | Promise<MemberNation | null> {
  const index = nationCatalogue(db).current();
  return index ? (index.byCode.get(code) ?? null) : loaders.memberNationByCode.load(code);
}

/** Loaders of the member-nations domain, made per request. */
export function createMemberNationLoaders(db: DataSource, scope?: StatementScope) {
  return {
    memberNationByCode: batchLoader<string, MemberNation | null>(scope, 'memberNationByCode', (codes) => getMemberNationsByCodes(db, codes)),
    nationsByContentId: batchLoader<string, MemberNation[]>(scope, 'nationsByContentId', (ids) => getNationsByContentIds(db, ids)),
  };
}

export type MemberNationLoaders = ReturnType<typeof createMemberNationLoaders>;
