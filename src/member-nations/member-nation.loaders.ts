import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { byKey, groupByKey } from '../shared/batch';
import { ContentNation } from './content-nation.entity';
import { MemberNation } from './member-nation.entity';

/** Members by code (uppercase); `null` for a code that is not a member. */
export async function getMemberNationsByCodes(db: DataSource, codes: readonly string[]): Promise<(MemberNation | null)[]> {
  const rows = await db.getRepository(MemberNation).findBy({ code: In(codes) });
  return byKey(codes, rows, (row) => row.code);
}

/** The members each content item is tagged with, by name: one statement joining the tag table to the nations. */
export async function getNationsByContentIds(db: DataSource, ids: readonly string[]): Promise<MemberNation[][]> {
  const rows = await db.getRepository(ContentNation).find({
    select: { contentId: true, nationCode: true, nation: { code: true, name: true, kind: true, region: true, joinedYear: true } },
    where: { contentId: In(ids) },
    relations: { nation: true },
    order: { nation: { name: 'ASC' } },
  });
  return groupByKey(ids, rows, (row) => row.contentId, (row) => row.nation!);
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
