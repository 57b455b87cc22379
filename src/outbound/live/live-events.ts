import type { DataSource } from 'typeorm';
import { campaignCatalogue } from '../../campaigns/campaign-catalogue';
import { ContentChangeKind } from '../../changes/change-log';
import type { ChangeRow } from '../../changes/change-row';
import type { ChangeTailer } from '../../changes/tailer';
import { ContentStatus } from '../../shared/content/content-status';
import { Content } from '../../shared/content/content.entity';
import { visibleContent } from '../../shared/content/content.query';
import { ContentReads } from '../../shared/content/content.reads';
import { Locale } from '../../shared/content/locale';
import type { FilterSubject } from '../filter-match';

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
    readonly reads: ContentReads,
  ) {}

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
    if (!read) {
      read = visibleContent(this.reads, [ContentStatus.PUBLISHED], undefined, ITEM_PROPERTIES(this.reads.db))
        .where('c.id = :changedId', { changedId: this.row.subjectId })
        .inLocale(locale)
        .fetch()
        .then(([item]) => item ?? null);
      this.itemReads.set(locale, read);
    }
    return read;
  }

  /** The item's attributes now, to tell whether it still matches a reader's filter; null when it is not visible. */
  currentSubject(): Promise<FilterSubject | null> {
    this.subjectRead ??= this.item().then(async (item) => {
      if (!item) return null;
      const [countries, tags] = await Promise.all([countriesOf(this.reads, item.id), tagsOf(this.reads, item.id)]);
      const campaign = item.campaignId ? (await campaignCatalogue(this.reads.db).get()).byId.get(item.campaignId)?.slug : undefined;
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

async function countriesOf(reads: ContentReads, id: string): Promise<string[]> {
  const rows = await reads.query('SELECT country_code FROM content_country WHERE content_id = :id ORDER BY country_code', { id });
  return rows.map((row) => String(row.country_code));
}

async function tagsOf(reads: ContentReads, id: string): Promise<string[]> {
  const rows = await reads.query('SELECT tag FROM content_tag WHERE content_id = :id ORDER BY tag', { id });
  return rows.map((row) => String(row.tag));
}

export type LiveListener = (event: LiveEvent) => void;

/**
 * Turns the change log, as this process's tailer reads it, into live events
 * for every subscriber and webhook in the process. Every process does the
 * same from the same log, so a change made through any process reaches the
 * readers connected to every other.
 */
export class LiveEvents {
  private readonly listeners = new Map<LiveListener, () => boolean>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly db: DataSource) {}

  start(tailer: ChangeTailer): void {
    this.unsubscribe = tailer.subscribe((rows) => {
      for (const row of rows) {
        if (row.subject !== 'CONTENT') continue;
        const event = new LiveEvent(row, new ContentReads(this.db));
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
