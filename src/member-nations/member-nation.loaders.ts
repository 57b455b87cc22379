import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
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

/** Members by code, from the catalogue, by name; codes of former members are skipped. */
export async function getNationsFromCodes(db: DataSource, codes: readonly string[]): Promise<MemberNation[]> {
  const { byCode } = await nationCatalogue(db).get();
  return codes.flatMap((code) => byCode.get(code) ?? []).sort(byName);
}

function byName(a: MemberNation, b: MemberNation): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Loaders of the member-nations domain, made per request. */
export function createMemberNationLoaders(db: DataSource) {
  return {
    memberNationByCode: new DataLoader<string, MemberNation | null>((codes) => getMemberNationsByCodes(db, codes), {
      name: 'memberNationByCode',
    }),
    nationsByContentId: new DataLoader<string, MemberNation[]>((ids) => getNationsByContentIds(db, ids), {
      name: 'nationsByContentId',
    }),
  };
}

export type MemberNationLoaders = ReturnType<typeof createMemberNationLoaders>;
