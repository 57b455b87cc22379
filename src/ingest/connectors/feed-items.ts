import { decodeHTML } from 'entities';
import { ContentType } from '../../shared/content/content-status';
import type { EntryError, FetchedDocument, ItemDraft, ParseResult, RunContext } from '../connector';
import { plainText, sanitiseHtml, textToHtml, truncateText } from '../../text/text';
import { parseFeedDate } from './feed-dates';
import type { FeedEntry, FeedSource, FeedText } from './feed-model';

/** Summaries are for cards and feed entries: a paragraph, cut at a word boundary. */
export const SUMMARY_LENGTH = 500;
/** The title column's size. */
const TITLE_LENGTH = 300;
/** The outlet column's size. */
const OUTLET_LENGTH = 200;
/** The tag column's size, and how many tags an item keeps (categories beyond that are feed noise). */
const TAG_LENGTH = 64;
const MAX_TAGS = 20;

/** What every entry of one document shares. */
interface FeedSettings {
  readonly type: ContentType;
  readonly base: string | null;
  readonly explicitBase: boolean;
  readonly language: string | null;
  readonly outlet: string;
}

/**
 * Turns a read feed into the connector's result: each entry becomes an item
 * draft or, when it lacks what an item needs (a title, a date, an http(s)
 * link if it has one, an id or a link), an entry error; one bad entry never
 * stops the others. Entries repeating an earlier entry's id are reported and
 * skipped.
 */
export function feedResult(source: FeedSource, document: FetchedDocument, context: RunContext): ParseResult {
  const title = textOf(source.title, TITLE_LENGTH) || null;
  const language = normaliseLanguage(source.language);
  const meta = { title, language };
  const type = context.source.targetType;
  if (!FEED_TYPES.has(type)) {
    const message = `A news feed cannot supply ${type === ContentType.STABILISATION_PROJECT ? 'stabilisation projects (it has no sector, phase, country or budget)' : `items of type ${String(type)}`}: set the source's target type to DIGEST_ARTICLE, CAMPAIGN_STORY or SOCIAL_POST`;
    return { items: [], errors: [{ position: 'document', message }], meta };
  }
  const base = feedBase(source, document.url);
  const settings: FeedSettings = {
    type,
    base,
    explicitBase: source.base !== null,
    language,
    outlet: outletFor(context.source.options.outlet, title, context.source.name),
  };
  const items: ItemDraft[] = [];
  const errors: EntryError[] = [];
  const seen = new Map<string, number>();
  source.entries.forEach((raw, index) => {
    const position = `entry ${index + 1}`;
    let item: ItemDraft | Problem;
    try {
      item = itemFrom(source.readEntry(raw), settings);
    } catch (error) {
      // A shape no reader foresaw must cost this entry only, never the document.
      errors.push({ position, message: `Unreadable entry: ${(error as Error).message}` });
      return;
    }
    if ('message' in item) {
      errors.push({ position, ...item });
    } else if (seen.has(item.externalId)) {
      errors.push({ position, message: `Same id as entry ${seen.get(item.externalId)}: skipped`, externalId: item.externalId });
    } else {
      seen.set(item.externalId, index + 1);
      items.push(item);
    }
  });
  return { items, errors, meta };
}

const FEED_TYPES = new Set<ContentType>([ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST]);

type Problem = { message: string; externalId?: string };

function itemFrom(entry: FeedEntry, settings: FeedSettings): ItemDraft | Problem {
  const entryBase = entry.base !== null ? resolve(entry.base, settings.base) ?? settings.base : settings.base;
  let url: string | null = null;
  if (entry.link !== null) {
    const resolved = resolve(entry.link, entryBase);
    if (resolved === null || !isHttp(resolved)) {
      const problem = resolved !== null ? 'is not an http(s) address' : entryBase === null && !/^[a-z][a-z0-9+.-]*:/i.test(entry.link) ? 'is relative and the feed gives no address to resolve it against' : 'is not a valid address';
      return withId({ message: `Link "${quote(entry.link)}" ${problem}` }, entry.id);
    }
    url = resolved;
  }
  const externalId = entry.id ?? url;
  if (externalId === null) return { message: 'No id and no link: the entry cannot be told apart from the others' };
  const title = textOf(entry.title, TITLE_LENGTH);
  if (title === '') return { message: 'No title', externalId };
  const dated = entryDate(entry);
  if (typeof dated === 'string') return { message: dated, externalId };

  const summary = textOf(entry.summary ?? entry.content, SUMMARY_LENGTH);
  const bodyBase = entry.base !== null || settings.explicitBase ? entryBase : url ?? entryBase;
  const original = entry.originalLink ? resolve(entry.originalLink, entryBase) : null;
  return {
    externalId,
    type: settings.type,
    title,
    summary,
    body: entry.content ? bodyHtml(entry.content, bodyBase) : null,
    url,
    publishedAt: dated.date,
    // Dated by its last change (an Atom entry without `published`): that dates it when new, and it keeps that time after.
    ...(LAST_CHANGE_DATES.has(dated.field) ? { publishedAtIsLastChange: true } : {}),
    language: normaliseLanguage(entry.language) ?? settings.language,
    tags: tagsFrom(entry.tags),
    fields: typeFields(settings, summary, original !== null && isHttp(original) ? original : url),
  };
}

/** Characters never wanted in a title, as `plainText` drops them: C0 and C1 controls but whitespace, the soft hyphen, the zero-width no-break space. */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\ufeff]/g;

/**
 * A title or summary as plain text, cut to `maxLength`. HTML is made plain
 * (see `plainText`); text that is plain by declaration (Atom `type="text"`,
 * JSON Feed's titles and summaries) keeps what looks like markup, and only
 * loses invisible characters and extra whitespace: through the HTML stripper,
 * "Why <iframe> embeds break on mobile" was "Why".
 */
function textOf(text: FeedText | null, maxLength: number): string {
  if (!text) return '';
  if (text.kind === 'html') return plainText(text.value, maxLength);
  return truncateText(text.value.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim(), maxLength);
}

function withId(problem: Problem, id: string | null): Problem {
  return id === null ? problem : { ...problem, externalId: id };
}

/** The date fields that say when an entry last changed, not when it was published (Atom's `updated`, JSON Feed's `date_modified`). */
const LAST_CHANGE_DATES: ReadonlySet<string> = new Set(['updated', 'date_modified']);

/** The first of the entry's dates that is one, with the field it came from; never "now": an entry without one is reported. */
function entryDate(entry: FeedEntry): { date: Date; field: string } | string {
  const unreadable: string[] = [];
  for (const [field, value] of entry.dates) {
    if (value === null) continue;
    const date = parseFeedDate(value);
    if (date) return { date, field };
    unreadable.push(`${field} "${quote(value)}"`);
  }
  const fields = entry.dates.map(([field]) => field).join(', ');
  return unreadable.length > 0 ? `No usable date: ${unreadable.join(', ')} is not a date` : `No date (${fields})`;
}

function typeFields(settings: FeedSettings, summary: string, originalUrl: string | null): Record<string, unknown> {
  switch (settings.type) {
    case ContentType.DIGEST_ARTICLE:
      return { outlet: settings.outlet, originalUrl };
    case ContentType.CAMPAIGN_STORY:
      return { places: [] };
    default:
      return { platform: 'OTHER', authorHandle: null, text: summary, hashtags: [], mentions: [], links: [] };
  }
}

/**
 * Sanitised HTML for a body; HTML that arrives escaped once more than it
 * should (no tag, but `&lt;p&gt;`) is unescaped first, then sanitised like
 * any other. Null when nothing visible is left.
 */
function bodyHtml(content: FeedText, baseUrl: string | null): string | null {
  if (content.kind === 'text') return textToHtml(content.value);
  const html = !/<[a-z!/]/i.test(content.value) && /&lt;\/?[a-z]/i.test(content.value) ? decodeHTML(content.value) : content.value;
  const body = sanitiseHtml(html, { baseUrl }).trim();
  // Sanitised HTML has no `>` inside attribute values, so dropping what is between `<` and `>` leaves its text.
  return body.replace(/<[^>]*>/g, '').trim() === '' && !body.includes('<img') ? null : body;
}

function tagsFrom(values: readonly string[]): string[] {
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    const tag = cutTag(plainText(value));
    const key = tag.toLowerCase();
    if (tag === '' || seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
    if (tags.length === MAX_TAGS) break;
  }
  return tags;
}

/** A tag cut to the column at a word boundary, without an ellipsis: it is a label, not a sentence. */
function cutTag(tag: string): string {
  if (tag.length <= TAG_LENGTH) return tag;
  const space = tag.lastIndexOf(' ', TAG_LENGTH);
  return (space > TAG_LENGTH / 2 ? tag.slice(0, space) : tag.slice(0, TAG_LENGTH)).trim();
}

/** The digest's outlet: the source's `outlet` option when set, else the feed's title, else the source's name. */
function outletFor(option: unknown, feedTitle: string | null, sourceName: string): string {
  const configured = typeof option === 'string' ? plainText(option, OUTLET_LENGTH) : '';
  return configured || (feedTitle ? truncateText(feedTitle, OUTLET_LENGTH) : '') || truncateText(sourceName, OUTLET_LENGTH);
}

/**
 * What relative entry links resolve against: the document's address (when it
 * is http or https), then the feed's own link (the site, and the only address
 * a feed read from a file has), then its `xml:base`, each resolved against the
 * one before.
 */
function feedBase(source: FeedSource, documentUrl: string): string | null {
  // A file's address is no base for links meant for the web.
  let base = isHttp(documentUrl) ? resolve(documentUrl, null) : null;
  if (source.link !== null) {
    const link = resolve(source.link, base);
    if (link !== null && isHttp(link)) base = link;
  }
  if (source.base !== null) base = resolve(source.base, base) ?? base;
  return base;
}

function resolve(reference: string, base: string | null): string | null {
  try {
    return (base === null ? new URL(reference) : new URL(reference, base)).href;
  } catch {
    return null;
  }
}

function isHttp(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://');
}

/** A value from the feed as a message shows it: on one line, not too long. */
function quote(value: string): string {
  const line = value.replace(/[\s\u0000-\u001f]+/g, ' ');
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

const languages = new Map<string, string | null>();

/**
 * A language tag in BCP 47's canonical form (`en-gb` → `en-GB`, `fr_FR` →
 * `fr-FR`, `AR` → `ar`); null for anything that is not one ("English").
 */
export function normaliseLanguage(value: string | null | undefined): string | null {
  if (!value) return null;
  let language = languages.get(value);
  if (language === undefined) {
    const tag = value.trim().replace(/_/g, '-');
    language = null;
    if (/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) {
      try {
        language = Intl.getCanonicalLocales(tag)[0] ?? null;
      } catch {
        language = null;
      }
    }
    if (languages.size < 1000) languages.set(value, language);
  }
  return language;
}
