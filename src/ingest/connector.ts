import type { ContentType } from '../shared/content/content-status';
import type { SourceKind } from '../shared/content/source-kind';

/**
 * The one interface every connector implements. A connector is pure: it turns
 * a document the runner fetched into item drafts (and errors with their
 * positions), and may ask for more documents of the same run (the next pages
 * of a listing). It does no I/O and knows no database, so each format is
 * tested with fixture strings alone; fetching, scheduling, upserting, nation
 * detection and reporting are shared (see `runner.ts`).
 */
export interface Connector {
  readonly kind: SourceKind;
  /**
   * The documents a run starts with; `[source.location]` when absent. A
   * connector that filters listings (WordPress's `modified_after`) builds its
   * first address here from the run context.
   */
  firstUrls?(context: RunContext): string[];
  /**
   * Turns one fetched document into items. Throws {@link DocumentError} when the
   * document as a whole cannot be read (not the format, truncated, hostile):
   * the run then fails, writing nothing of that document and nothing after it
   * (the items of the documents before it, earlier pages of a listing, stay
   * written, as they do when any later step fails). A bad entry is not a bad
   * document: it becomes an {@link EntryError} and the other entries go on.
   */
  parse(document: FetchedDocument, context: RunContext): ParseResult;
  /**
   * Whether an answer with this HTTP status (not 2xx) is a document for
   * `parse` rather than a failed fetch, which fails the run. WordPress answers
   * a page past the end of a listing with a 400 that says so in its body.
   * Only documents after the first are asked about; without this, none is.
   */
  acceptsStatus?(status: number, context: RunContext): boolean;
}

/** A run stops reading after this many documents (pages of a listing): a source that pages forever is a broken source. */
export const MAX_DOCUMENTS = 1_000;

/** A document as the runner fetched it (or read it from a local file). */
export interface FetchedDocument {
  /** Where it came from after any redirects: an http(s) URL, or `file:` for a local file. */
  readonly url: string;
  /** HTTP status (200 for a file); not 2xx only when the connector accepts it (see `Connector.acceptsStatus`). */
  readonly status: number;
  /** The media type without parameters, lower case (`application/rss+xml`), or null when not given. */
  readonly contentType: string | null;
  /** Response headers, names in lower case (e.g. `x-wp-totalpages`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, decompressed. */
  readonly body: Buffer;
}

/** What a connector may read of its source's settings. */
export interface SourceSettings {
  readonly name: string;
  readonly kind: SourceKind;
  /** The URL (or, for a local file, the path) the source reads. */
  readonly location: string;
  /** The content type items become unless the connector decides per item. */
  readonly targetType: ContentType;
  /**
   * Per-kind options, as an admin set them: `outlet` (FEED), `campaignMap`,
   * `completeListings`, `fullListingEvery` (WORDPRESS), `includeRetweets`,
   * `includeReplies` (SOCIAL_ARCHIVE), `fieldMap`, `fullSnapshot` (CSV).
   */
  readonly options: Readonly<Record<string, unknown>>;
}

/** What a connector knows of the run it is part of. */
export interface RunContext {
  readonly source: SourceSettings;
  /** 1 for the first document of the run, 2 for the next, … */
  readonly documentNumber: number;
  /** When the last successful run of this source started; null on the first run. Connectors that can ask for changes only (WordPress) use it. */
  readonly lastSuccessAt: Date | null;
  /** True when this run must list everything (a full listing, which may withdraw what is missing), not only what changed. */
  readonly fullListing: boolean;
  /**
   * The listing's size as the run's first document gave it (its `listing`),
   * for the documents after it; absent when it said nothing. A later page
   * that tells another number of items, or a page within it that turns out
   * not to exist, means the listing changed while the run read it.
   */
  readonly listing?: ListingSize;
}

/** How big a paged listing says it is (WordPress's `X-WP-TotalPages` and `X-WP-Total`). */
export interface ListingSize {
  readonly pages: number;
  /** Items in the whole listing; null when the page did not say. */
  readonly items: number | null;
}

/** What a connector made of one document. */
export interface ParseResult {
  readonly items: readonly ItemDraft[];
  readonly errors: readonly EntryError[];
  /** More documents this run must fetch (absolute URLs), e.g. the next pages of a listing. */
  readonly next?: readonly string[];
  /**
   * True when the run's items (over all its documents) are the source's whole
   * listing, so that items it no longer lists may be withdrawn (when the
   * source's options say its listings are complete or it is a full snapshot).
   */
  readonly complete?: boolean;
  /**
   * Why the run's listing is not whole, whatever its other documents say (it
   * changed while the run read it, and items moved to pages read already): the
   * run withdraws none of the items it lacks, and reports this as its reason.
   */
  readonly incomplete?: string;
  /** The listing's size, as the first document says it (WordPress's headers); see `RunContext.listing`. */
  readonly listing?: ListingSize;
  /** External ids the document says are gone (a deleted post): the runner withdraws them. */
  readonly withdrawn?: readonly string[];
  /** What the document says of itself: its title (a feed's name) and language. */
  readonly meta?: { readonly title?: string | null; readonly language?: string | null };
}

/**
 * One item as a connector hands it over, before the runner adds what is
 * shared: the slug, nations and countries found in its text, provenance and
 * the publication status.
 */
export interface ItemDraft {
  /** The item's identifier at the source, any length; unique within the source. */
  readonly externalId: string;
  readonly type: ContentType;
  /** Plain text (see `text.ts`): no tags, entities decoded, whitespace collapsed. */
  readonly title: string;
  /** Plain text, a sentence or a paragraph; may be empty. */
  readonly summary: string;
  /** The full text as sanitised HTML (see `text.ts`), when the source has one. */
  readonly body?: string | null;
  /** The item's canonical web address (http or https), when it has one. */
  readonly url?: string | null;
  /**
   * When the item was published. Null only where the format may have no date
   * and the source says so (a CSV without a date column): the item then keeps
   * the time it was first imported.
   */
  readonly publishedAt: Date | null;
  /**
   * `publishedAt` is when the source last changed the item (IATI's
   * `last-updated-datetime`), not when it published it: it dates a new item,
   * and an item imported before keeps its publication time, so that every
   * revision at the source does not move it to the top of the feeds.
   */
  readonly publishedAtIsLastChange?: boolean;
  /** BCP 47 language the source declares for the item or the document (`xml:lang`, `language`). */
  readonly language?: string | null;
  /** ISO 3166-1 alpha-3 codes the source itself gives; the runner adds those found in the text. */
  readonly countries?: readonly string[];
  /** Member codes the source itself gives (`NATO`, `IRQ`); the runner adds those found in the text. */
  readonly nations?: readonly string[];
  /** Free tags, any case (stored lowercase). */
  readonly tags?: readonly string[];
  /** A campaign story's campaign, by slug; posts find theirs from their hashtags. */
  readonly campaign?: string | null;
  /**
   * The type's own fields, by the entities' property names: `outlet`,
   * `originalUrl` (DIGEST_ARTICLE); `places` (CAMPAIGN_STORY); `platform`,
   * `authorHandle`, `text`, `hashtags`, `mentions`, `links` (SOCIAL_POST);
   * `sector`, `phase`, `implementingPartner`, `place`, `countryCode`,
   * `budgetUsd`, `startedOn`, `completedOn` (STABILISATION_PROJECT).
   */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A problem with one entry: it is skipped (or, for a warning, only part of it) and reported; the others go in. */
export interface EntryError {
  /** Where in the document: `entry 3`, `item 12 (guid …)`, `line 41`, `activity XM-DAC-41114-…`. */
  readonly position: string;
  readonly message: string;
  readonly externalId?: string;
  /** The entry still went in; only what the message names was left out (it is reported, not counted as skipped). */
  readonly warning?: true;
}

/** The whole document cannot be read; the run fails, writing nothing more (what earlier documents of the run gave stays written). */
export class DocumentError extends Error {
  override name = 'DocumentError';
}
