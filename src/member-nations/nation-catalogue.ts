import type { DataSource } from 'typeorm';
import { MemberNation } from './member-nation.entity';

/** How long a process trusts its copy of the members before reading them again. */
export const NATION_CATALOGUE_TTL_MS = 60_000;

/**
 * Every member, held per process. There are 81 of them and they change a few
 * times a year, so resolving `nation`, `nations` or `memberNation(code:)` needs
 * no statement of its own. Writes through this process clear the copy at once;
 * writes through another process show within {@link NATION_CATALOGUE_TTL_MS}.
 */
export class NationCatalogue {
  private nations: Promise<ReadonlyMap<string, MemberNation>> | null = null;
  private loadedAt = 0;

  constructor(private readonly db: DataSource) {}

  /** Members by code. */
  byCode(): Promise<ReadonlyMap<string, MemberNation>> {
    if (!this.nations || Date.now() - this.loadedAt > NATION_CATALOGUE_TTL_MS) {
      this.loadedAt = Date.now();
      const loading = this.load();
      // A failed read is not kept: the next request tries again.
      loading.catch(() => this.nations === loading && this.clear());
      this.nations = loading;
    }
    return this.nations;
  }

  /** Forgets the copy; the next lookup reads the members again. */
  clear(): void {
    this.nations = null;
  }

  private async load(): Promise<ReadonlyMap<string, MemberNation>> {
    const rows = await this.db.getRepository(MemberNation).find({ order: { name: 'ASC', code: 'ASC' } });
    return new Map(rows.map((nation) => [nation.code, nation]));
  }
}

const catalogues = new WeakMap<DataSource, NationCatalogue>();

/** The catalogue of a database, one per process. */
export function nationCatalogue(db: DataSource): NationCatalogue {
  let catalogue = catalogues.get(db);
  if (!catalogue) catalogues.set(db, (catalogue = new NationCatalogue(db)));
  return catalogue;
}
