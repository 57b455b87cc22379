import type { DataSource } from 'typeorm';
import { campaignCatalogue } from '../../campaigns/campaign-catalogue';
import { ContentChangeKind } from '../../changes/change-log';
import type { ChangeRow } from '../../changes/change-row';
import type { ChangeTailer } from '../../changes/tailer';
import { ContentStatus } from '../../shared/content/content-status';
import { Content } from '../../shared/content/content.entity';
import { visibleContent } from '../../shared/content/content.query';
import { getCountriesByContentIds, getTagsByContentIds } from '../../shared/content/content.loaders';
import { ContentReads } from '../../shared/content/content.reads';
import { Locale } from '../../shared/content/locale';
import { changeSubject, type FilterSubject } from '../filter-match';
import { MAX_QUEUED } from './live-queue';
import { byKey } from '../../shared/batch';
import { SerialBatcher } from './serial-batcher';

/** Items read per statement for live events. */
const READ_CHUNK = 200;

/**
 * The reads of live events (a process's, or a round of webhook fan-out's):
 * the items by id in each locale, and their countries and tags, a chunk of
 * ids per statement and one statement at a time (see {@link SerialBatcher}).
 * A burst of a thousand changes is then a few statements rather than three
 * per change started at once, which would take every connection of the pool
 * from the requests of the moment. Nothing is cached here (each event keeps
 * what it read).
 */
export class LiveReads {
  private readonly items = new Map<Locale, SerialBatcher<string, Content | null>>();
  private readonly extras: SerialBatcher<string, { countries: string[]; tags: string[] }>;

  /**
   * @param onFailure told of each read that fails, once however many
   * subscribers or webhooks were waiting for it (they see only that the
   * database did not answer).
   */
  constructor(
    readonly reads: ContentReads,
    private readonly onFailure: (error: unknown, what: string) => void = () => {},
  ) {
    this.extras = new SerialBatcher((ids) => this.told(extrasOf(reads, ids)), READ_CHUNK);
  }

  private told<T>(read: Promise<T>): Promise<T> {
    return read.catch((error: unknown) => {
      this.onFailure(error, 'reading live events’ items');
      throw error;
    });
  }

  /** The item now if it is published, in `locale` (with the usual fallback); null when it is not visible. */
  item(id: string, locale: Locale): Promise<Content | null> {
    let batcher = this.items.get(locale);
    if (!batcher) {
      batcher = new SerialBatcher(
        (ids) =>
          this.told(
            visibleContent(this.reads, [ContentStatus.PUBLISHED], undefined, ITEM_PROPERTIES(this.reads.db))
              // One statement text for any number of ids on PostgreSQL, whose prepared statements each connection keeps a hundred of.
              .where(this.reads.db.options.type === 'postgres' ? 'c.id = ANY(CAST(:changedIds AS uuid[]))' : 'c.id IN (:...changedIds)', { changedIds: ids })
              .inLocale(locale)
              .fetch()
              .then((items) => byKey(ids, items, (item) => item.id)),
          ),
        READ_CHUNK,
      );
      this.items.set(locale, batcher);
    }
    return batcher.get(id);
  }

  /** An item's countries and tags, sorted. */
  countriesAndTags(id: string): Promise<{ countries: string[]; tags: string[] }> {
    return this.extras.get(id);
  }
}

/**
 * One content change as live readers receive it, with what every reader of it
 * shares: the item as it is now (published only), read once however many
 * subscribers or webhooks want it, and the reads of the selection (the
 * `context`'s loaders), made for this event alone.
 */
export class LiveEvent {
  private readonly itemReads = new Map<Locale, Promise<Content | null>>();
  private subjectRead: Promise<FilterSubject | null> | null = null;

  constructor(
    readonly row: ChangeRow,
    readonly reads: LiveReads,
  ) {}

  /** The change's attributes before and after, to match filters against (made once for every listener). */
  get subject(): FilterSubject {
    return (this.changeSubjectMemo ??= changeSubject(this.row));
  }

  private changeSubjectMemo: FilterSubject | undefined;

  /** Whether the change made the item visible (a first publication, or one after a withdrawal). */
  get published(): boolean {
    return this.row.kind === ContentChangeKind.PUBLISHED;
  }

  /**
   * The item now, served in `locale` (with the usual fallback), if it is published; null for withdrawals,
   * deletions and items withdrawn since. One read per locale for all readers.
   */
  item(locale: Locale = Locale.EN): Promise<Content | null> {
    if (this.row.kind !== ContentChangeKind.PUBLISHED && this.row.kind !== ContentChangeKind.UPDATED) return Promise.resolve(null);
    let read = this.itemReads.get(locale);
    if (!read) this.itemReads.set(locale, (read = this.reads.item(this.row.subjectId, locale)));
    return read;
  }

  /** The item's attributes now, to tell whether it still matches a reader's filter; null when it is not visible. */
  currentSubject(): Promise<FilterSubject | null> {
    this.subjectRead ??= this.item().then(async (item) => {
      if (!item) return null;
      const { countries, tags } = await this.reads.countriesAndTags(item.id);
      const campaign = item.campaignId ? (await campaignCatalogue(this.reads.reads.db).get()).byId.get(item.campaignId)?.slug : undefined;
      return {
        type: item.type,
        nations: item.nationCodes ?? [],
        countries,
        campaigns: campaign ? [campaign] : [],
        tags,
        publishedFrom: item.publishedAt,
        publishedUntil: item.publishedAt,
      };
    });
    return this.subjectRead;
  }
}

/** Every property of every content type, and the nation codes: an event's item serves any selection. */
const ITEM_PROPERTIES = (() => {
  let properties: string[] | null = null;
  return (db: DataSource) => (properties ??= [...new Set([...db.getMetadata(Content).childEntityMetadatas.flatMap((m) => m.columns.map((c) => c.propertyName)), 'nations'])].sort());
})();

/** The countries and tags of items, two statements for all of them (the loaders' own), in the order of `ids`. */
async function extrasOf(reads: ContentReads, ids: string[]): Promise<{ countries: string[]; tags: string[] }[]> {
  const countries = await getCountriesByContentIds(reads, ids);
  const tags = await getTagsByContentIds(reads, ids);
  return ids.map((_, n) => ({ countries: countries[n], tags: tags[n] }));
}

export type LiveListener = (event: LiveEvent) => void;

/** How long the hand-over of a page of changes to the listeners keeps the event loop before it lets others in. */
const HAND_OVER_MS = 5;

/**
 * Turns the change log, as this process's tailer reads it, into live events
 * for every subscriber and webhook in the process. Every process does the
 * same from the same log, so a change made through any process reaches the
 * readers connected to every other.
 */
export class LiveEvents {
  private readonly listeners = new Map<LiveListener, () => boolean>();
  private unsubscribe: (() => void) | null = null;

  /**
   * The reads of every live event of the process, one statement at a time per
   * locale (and one for countries and tags): however many pages of the change
   * log arrive at once, live events hold a connection or two of the pool.
   */
  private readonly reads: LiveReads;

  /**
   * @param maxQueued events a subscription may have waiting before it is ended (LIVE_MAX_BEHIND)
   * @param onFailure told of a read of events' items that failed (its subscriptions end with SERVICE_UNAVAILABLE)
   */
  constructor(
    db: DataSource,
    readonly maxQueued = MAX_QUEUED,
    onFailure?: (error: unknown, what: string) => void,
  ) {
    this.reads = new LiveReads(new ContentReads(db), onFailure);
  }

  start(tailer: ChangeTailer): void {
    // The tailer waits for this before it reads on. A page of a burst is handed on a slice at a time, each at most
    // HAND_OVER_MS, with a turn of the event loop between: requests, and the subscriptions' own deliveries (which take
    // theirs through turns.ts), run between slices. (Waiting through turns.ts here would let this loop, first in line
    // for every turn, take them all until the page was handed on.)
    this.unsubscribe = tailer.subscribe(async (rows) => {
      let sliceStarted = performance.now();
      for (const row of rows) {
        if (row.subject !== 'CONTENT') continue;
        if (performance.now() - sliceStarted > HAND_OVER_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStarted = performance.now();
        }
        const event = new LiveEvent(row, this.reads);
        for (const listener of this.listeners.keys()) listener(event);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Adds a listener of every content change from now on, with how to tell that it has handed on every event it got; returns how to remove it. */
  listen(listener: LiveListener, idle: () => boolean = () => true): () => void {
    this.listeners.set(listener, idle);
    return () => this.listeners.delete(listener);
  }

  /** Whether every listener has handed on the events it got (shutdown waits for it before closing sockets). */
  get idle(): boolean {
    for (const idle of this.listeners.values()) if (!idle()) return false;
    return true;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
