import type { DataSource } from 'typeorm';
import { Catalogue, catalogueOf } from '../shared/catalogue';
import { MemberNation } from './member-nation.entity';

/** Every member, by code, held per process (see {@link Catalogue}). */
export function nationCatalogue(db: DataSource): Catalogue<MemberNation, 'byCode'> {
  return catalogueOf(db, 'member-nations', () => new Catalogue(() => db.getRepository(MemberNation).find(), { byCode: (nation) => nation.code }));
}
