import type { DataSource } from 'typeorm';

/** How long a process trusts its copy of a catalogue before reading it again. */
export const CATALOGUE_TTL_MS = 60_000;

/** A catalogue's rows, indexed by each of its keys. */
export type CatalogueIndex<T, K extends string> = Readonly<Record<K, ReadonlyMap<string, T>>>;

/**
 * A small table held per process: the 81 members, the campaigns. They change a
 * few times a year and nearly every request resolves some of them, so keeping
 * them costs a few kilobytes and saves a statement per request. Writes through
 * this process clear the copy at once; writes through another process show
 * within {@link CATALOGUE_TTL_MS}.
 */
export class Catalogue<T, K extends string> {
  private index: Promise<CatalogueIndex<T, K>> | null = null;
  private loaded: CatalogueIndex<T, K> | null = null;
  private loadedAt = 0;

  constructor(
    private readonly load: () => Promise<T[]>,
    private readonly keys: Readonly<Record<K, (row: T) => string>>,
  ) {}

  /** The rows by each key, read again when older than the TTL. */
  get(): Promise<CatalogueIndex<T, K>> {
    if (!this.index || Date.now() - this.loadedAt > CATALOGUE_TTL_MS) {
      this.loadedAt = Date.now();
      this.loaded = null;
      const loading = this.load().then((rows) => {
        const entries = Object.entries(this.keys) as [K, (row: T) => string][];
        const index = Object.fromEntries(entries.map(([name, key]) => [name, new Map(rows.map((row) => [key(row), row]))])) as unknown as CatalogueIndex<T, K>;
        if (this.index === loading) this.loaded = index;
        return index;
      });
      // A failed read is not kept: the next request tries again.
      loading.catch(() => this.index === loading && this.clear());
      this.index = loading;
    }
    return this.index;
  }

  /**
   * The rows, without waiting, when a fresh copy is at hand; otherwise undefined
   * (and a read is started). Field resolvers use it to answer synchronously:
   * a page of 50 items then resolves its nations without 50 promises.
   */
  current(): CatalogueIndex<T, K> | undefined {
    const index = this.get();
    return this.loaded && this.index === index ? this.loaded : undefined;
  }

  /** Forgets the copy; the next lookup reads the table again. */
  clear(): void {
    this.index = null;
    this.loaded = null;
  }
}

const catalogues = new WeakMap<DataSource, Map<string, Catalogue<unknown, string>>>();

/** The catalogue `name` of a database, made once per process by `create`. */
export function catalogueOf<T, K extends string>(db: DataSource, name: string, create: () => Catalogue<T, K>): Catalogue<T, K> {
  let byName = catalogues.get(db);
  if (!byName) catalogues.set(db, (byName = new Map()));
  let catalogue = byName.get(name) as Catalogue<T, K> | undefined;
  if (!catalogue) byName.set(name, (catalogue = create()) as unknown as Catalogue<unknown, string>);
  return catalogue;
}
