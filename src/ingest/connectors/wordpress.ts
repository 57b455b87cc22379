import { ContentType } from '../../shared/content/content-status';
import { SourceKind } from '../../shared/content/source-kind';
import { DocumentError, MAX_DOCUMENTS, type Connector, type EntryError, type FetchedDocument, type ItemDraft, type ParseResult, type RunContext } from '../connector';
import { plainText, sanitiseHtml } from '../../text/text';
import { reportable } from '../storable-text';
import { isoDateTime } from '../../shared/date-time';
import { bodyText, cutAtWord, escapeHtml, isWebUrl, stringOption } from './support';

/** Posts per page: the most the REST API gives, so a listing takes the fewest requests. */
const PER_PAGE = 100;
const SUMMARY_LENGTH = 300;

/** The parts of a WordPress REST API v2 post this connector reads. */
interface WpPost {
  id?: unknown;
  status?: unknown;
  date?: unknown;
  date_gmt?: unknown;
  link?: unknown;
  lang?: unknown;
  wpml_current_locale?: unknown;
  title?: { rendered?: unknown };
  excerpt?: { rendered?: unknown };
  content?: { rendered?: unknown; protected?: unknown };
  _embedded?: {
    'wp:featuredmedia'?: { source_url?: unknown; alt_text?: unknown }[];
    'wp:term'?: { name?: unknown; slug?: unknown; taxonomy?: unknown }[][];
  };
}

interface Term {
  readonly name: string;
  readonly slug: string;
  readonly taxonomy: string;
}

/**
 * Reads a WordPress site (the coalition's website) through its REST API v2:
 * 100 posts a page with their terms and featured image embedded, newest
 * change first, only what changed since the last successful run unless the
 * run is a full listing. Posts become campaign stories or digest articles
 * according to the source's target type.
 */
export const wordpressConnector: Connector = {
  kind: SourceKind.WORDPRESS,
  firstUrls: (context) => [firstPageUrl(context)],
  parse: parseWordpressPage,
  // A page past the end is a 400 (see `PAST_THE_END`); `parse` tells it from the other 400s by its body.
  acceptsStatus: (status) => status === 400,
};

/**
 * WordPress's answer (HTTP 400) to a page past the last. Without
 * `X-WP-TotalPages` (a proxy dropped it) a full page asks for the next one,
 * so a site with a multiple of 100 posts always ends with this answer: it is
 * an empty last page, not a failure. For a page the first one's total
 * promised, it means the listing shrank while the run read it: posts moved
 * to pages read already (a full listing is ordered by id, and a deleted post
 * moves every later one a place down), and were never read.
 */
const PAST_THE_END = 'rest_post_invalid_page_number';

/** How a run's report ends the reason a full listing was not whole: a complete listing withdraws what it lacks, this one does not. */
const NOTHING_WITHDRAWN = '; nothing it lacks was withdrawn';

/**
 * The first page of the run's listing. `location` is the site root or the
 * posts endpoint itself (pretty permalinks or `?rest_route=`). A full listing
 * is ordered by id, oldest first, instead of by modification: a post edited
 * while the run pages through a listing ordered by modification jumps to
 * page 1, which was already read, so it would be missed and then withdrawn.
 */
export function firstPageUrl(context: RunContext): string {
  const url = postsEndpoint(context.source.location);
  const params = url.searchParams;
  params.set('per_page', String(PER_PAGE));
  params.set('page', '1');
  params.set('_embed', '1');
  params.delete('modified_after');
  if (context.fullListing) {
    params.set('orderby', 'id');
    params.set('order', 'asc');
  } else {
    params.set('orderby', 'modified');
    params.set('order', 'desc');
    // An hour before the last success: the site's clock and ours may disagree, and what comes again unchanged is not written.
    if (context.lastSuccessAt) params.set('modified_after', new Date(context.lastSuccessAt.getTime() - MODIFIED_MARGIN_MS).toISOString());
  }
  return url.toString();
}

/** How far before the last successful run an incremental run asks for changes (`modified_after`). */
const MODIFIED_MARGIN_MS = 3_600_000;

function postsEndpoint(location: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new DocumentError(`WordPress source location is not a URL: ${location}`);
  }
  if (url.searchParams.has('rest_route') || /\/wp-json\/wp\/v2\/posts\/?$/.test(url.pathname)) return url;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/wp-json/wp/v2/posts`;
  return url;
}

function parseWordpressPage(document: FetchedDocument, context: RunContext): ParseResult {
  const page = pageNumber(document.url, context.documentNumber);
  if (document.status === 400 && page > 1 && errorCodeOf(document) === PAST_THE_END) {
    if (!context.fullListing) return { items: [], errors: [] };
    if (context.listing !== undefined && page <= context.listing.pages) {
      return { items: [], errors: [], incomplete: `the listing shrank during the run (page ${page} of ${context.listing.pages} was past the end)${NOTHING_WITHDRAWN}` };
    }
    return { items: [], errors: [], complete: true };
  }
  const posts = readPosts(document);
  const items: ItemDraft[] = [];
  const errors: EntryError[] = [];
  const withdrawn: string[] = [];
  for (const post of posts) {
    const outcome = readPost(post, context);
    if ('item' in outcome) items.push(outcome.item);
    if ('error' in outcome) errors.push(outcome.error);
    if ('withdraw' in outcome && outcome.withdraw) withdrawn.push(outcome.withdraw);
  }

  const totalPages = headerCount(document, 'x-wp-totalpages');
  const result: { -readonly [K in keyof ParseResult]: ParseResult[K] } = { items, errors };
  if (withdrawn.length) result.withdrawn = withdrawn;
  // A full listing is ordered by id, and every page repeats the listing's total. A post deleted while it is read moves every
  // later one a place towards page 1: the first of each later page lands on the page before, read already, and is never
  // read (though the page count may stay the same), so a total that fell means the run cannot tell what the site lacks.
  // A post added (a scheduled one going live, with its older id) moves later ones the other way: some are read twice, and
  // the last may be pushed past the pages page 1 promised, which are read too (below).
  const totalItems = headerCount(document, 'x-wp-total');
  const before = context.listing?.items;
  if (context.fullListing && context.documentNumber > 1 && before != null && totalItems !== null && totalItems < before) {
    result.incomplete = `the listing shrank during the run (page ${page} counts ${totalItems} posts, page 1 counted ${before})${NOTHING_WITHDRAWN}`;
  }
  if (totalPages !== null) {
    // Every page repeats the total; only the first lists the others, so each is fetched once. No further than one page past
    // what a run reads, however many the header claims: the run then stops with its reason (see MAX_DOCUMENTS) after
    // listing as many addresses as it can read, not 60,000. The total goes with them: those pages were promised.
    if (context.documentNumber === 1 && totalPages > page) {
      result.next = pagesAfter(document.url, page, Math.min(totalPages, page + MAX_DOCUMENTS));
      result.listing = { pages: totalPages, items: totalItems };
    } else if (context.listing && totalPages > context.listing.pages) {
      // The listing grew past what page 1 promised: its new last pages too (the runner fetches each address once).
      result.next = pagesAfter(document.url, context.listing.pages, Math.min(totalPages, context.listing.pages + MAX_DOCUMENTS));
    }
    if (context.fullListing && page >= totalPages) result.complete = true;
  } else {
    // Without the header (a proxy dropped it), a full page may have a next one; each page then asks for the one after it.
    const full = posts.length >= PER_PAGE;
    if (full) result.next = pagesAfter(document.url, page, page + 1);
    if (context.fullListing && !full) result.complete = true;
  }
  return result;
}

function readPosts(document: FetchedDocument): WpPost[] {
  const data = readJson(document);
  // The REST API answers errors (a page past the end, a disabled API) with {code, message}.
  const body = data as { code?: unknown; message?: unknown } | null;
  const status = document.status >= 200 && document.status <= 299 ? '' : `HTTP ${document.status}: `;
  if (Array.isArray(data) && !status) return data as WpPost[];
  if (body && typeof body.code === 'string') {
    // Both are the site's text, quoted in the run's record: made storable there whatever they hold.
    throw new DocumentError(reportable(`WordPress answered ${status}${body.code}: ${typeof body.message === 'string' ? body.message : ''}`));
  }
  throw new DocumentError(`${document.url} is not a WordPress posts listing (${status}expected a JSON array)`);
}

function readJson(document: FetchedDocument): unknown {
  try {
    return JSON.parse(bodyText(document));
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    throw new DocumentError(`${document.url} is not JSON: ${(error as Error).message}`);
  }
}

/** The `code` of a WordPress error answer, or null when the body is no such answer. */
function errorCodeOf(document: FetchedDocument): string | null {
  try {
    const body = JSON.parse(document.body.toString('utf8')) as { code?: unknown } | null;
    return body && typeof body.code === 'string' ? body.code : null;
  } catch {
    return null;
  }
}

type PostOutcome = { item: ItemDraft } | { error: EntryError; withdraw?: string } | { withdraw: string };

function readPost(post: WpPost, context: RunContext): PostOutcome {
  if (!post || typeof post !== 'object' || (typeof post.id !== 'number' && typeof post.id !== 'string')) {
    return { error: { position: 'post ?', message: 'a post without an id' } };
  }
  const externalId = String(post.id);
  const position = `post ${externalId}`;
  // Posts that were published and then unpublished (draft, private, trash) only show in an authenticated listing: withdraw them.
  if (post.status !== undefined && post.status !== 'publish') return { withdraw: externalId };
  if (post.content?.protected === true) {
    return { error: { position, externalId, message: 'password-protected: skipped (and withdrawn if it was imported)' }, withdraw: externalId };
  }

  const publishedAt = publicationDate(post);
  if (!publishedAt) return { error: { position, externalId, message: `no usable date (date_gmt ${JSON.stringify(post.date_gmt)}, date ${JSON.stringify(post.date)})` } };

  const content = typeof post.content?.rendered === 'string' ? post.content.rendered : '';
  const contentText = content ? plainText(content) : '';
  const excerpt = typeof post.excerpt?.rendered === 'string' ? trimReadMore(plainText(post.excerpt.rendered)) : '';
  const summary = excerpt || cutAtWord(contentText, SUMMARY_LENGTH);
  const title = (typeof post.title?.rendered === 'string' ? plainText(post.title.rendered) : '') || cutAtWord(summary, 100);
  if (!title) return { error: { position, externalId, message: 'neither a title nor any text' } };

  const url = typeof post.link === 'string' && isWebUrl(post.link) ? post.link : null;
  const terms = termsOf(post);
  const body = featuredImage(post) + content;
  const type = context.source.targetType;
  const item: ItemDraft = {
    externalId,
    type,
    title,
    summary,
    body: body ? sanitiseHtml(body) : null,
    url,
    publishedAt,
    language: languageOf(post) ?? stringOption(context.source.options, 'language'),
    tags: uniqueNames(terms.filter((term) => (term.taxonomy === 'category' || term.taxonomy === 'post_tag') && term.slug !== 'uncategorized')),
    ...typeSpecific(type, terms, url, context),
  };
  return { item };
}

function typeSpecific(type: ContentType, terms: readonly Term[], url: string | null, context: RunContext): Pick<ItemDraft, 'campaign' | 'fields'> {
  const options = context.source.options;
  switch (type) {
    case ContentType.CAMPAIGN_STORY: {
      const placeTaxonomy = stringOption(options, 'placeTaxonomy');
      return {
        campaign: campaignOf(terms, options.campaignMap),
        fields: { places: placeTaxonomy ? uniqueNames(terms.filter((term) => term.taxonomy === placeTaxonomy)) : [] },
      };
    }
    case ContentType.DIGEST_ARTICLE:
      return { fields: { outlet: stringOption(options, 'outlet') ?? context.source.name, originalUrl: url } };
    default:
      return { fields: {} };
  }
}

/** `date_gmt` is UTC written without a zone; `date` (site time, zone unknown) is read as UTC only when it is missing. A day the calendar lacks is no date. */
function publicationDate(post: WpPost): Date | null {
  for (const value of [post.date_gmt, post.date]) {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?/.test(value)) continue;
    const date = isoDateTime(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`);
    if (date) return date;
  }
  return null;
}

/** Excerpts WordPress makes itself end with "[…]" or a "Continue reading" link. */
function trimReadMore(text: string): string {
  return text.replace(/\s*(\[(…|&hellip;|\.\.\.)\]|Continue reading.*|Read more.*)$/i, '').trim();
}

/** The featured image as a figure, so that it (and its alt text) stays with the body. */
function featuredImage(post: WpPost): string {
  const media = post._embedded?.['wp:featuredmedia']?.[0];
  if (!media || typeof media.source_url !== 'string' || !isWebUrl(media.source_url)) return '';
  const alt = typeof media.alt_text === 'string' ? media.alt_text : '';
  return `<figure><img src="${escapeHtml(media.source_url)}" alt="${escapeHtml(alt)}"></figure>`;
}

function termsOf(post: WpPost): Term[] {
  const groups = post._embedded?.['wp:term'];
  if (!Array.isArray(groups)) return [];
  const terms: Term[] = [];
  for (const group of groups) {
    if (!Array.isArray(group)) continue;
    for (const term of group) {
      if (!term || typeof term.name !== 'string') continue;
      terms.push({ name: plainText(term.name), slug: typeof term.slug === 'string' ? term.slug : '', taxonomy: typeof term.taxonomy === 'string' ? term.taxonomy : '' });
    }
  }
  return terms;
}

function uniqueNames(terms: readonly Term[]): string[] {
  return [...new Set(terms.map((term) => term.name).filter((name) => name !== ''))];
}

/** The first term (categories before tags, as WordPress embeds them) that `campaignMap` names, by slug or by name in any case. */
function campaignOf(terms: readonly Term[], campaignMap: unknown): string | null {
  if (!campaignMap || typeof campaignMap !== 'object') return null;
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(campaignMap as Record<string, unknown>)) {
    if (typeof value === 'string') map.set(key.toLowerCase(), value);
  }
  for (const term of terms) {
    const campaign = map.get(term.slug.toLowerCase()) ?? map.get(term.name.toLowerCase());
    if (campaign) return campaign;
  }
  return null;
}

/** Polylang adds `lang` (`fr`); WPML adds `wpml_current_locale` (`fr_FR`). */
function languageOf(post: WpPost): string | null {
  if (typeof post.lang === 'string' && post.lang) return post.lang;
  if (typeof post.wpml_current_locale === 'string' && post.wpml_current_locale) return post.wpml_current_locale.replace('_', '-');
  return null;
}

function pageNumber(url: string, documentNumber: number): number {
  const page = Number(safeUrl(url)?.searchParams.get('page'));
  return Number.isInteger(page) && page > 0 ? page : documentNumber;
}

/** A count WordPress sends as a header (`X-WP-TotalPages`, `X-WP-Total`), or null when the response lacks it. */
function headerCount(document: FetchedDocument, name: 'x-wp-totalpages' | 'x-wp-total'): number | null {
  const header = document.headers[name];
  const total = header === undefined ? NaN : Number(header.trim());
  return Number.isInteger(total) && total >= 0 ? total : null;
}

function pagesAfter(url: string, page: number, lastPage: number): string[] {
  const base = safeUrl(url);
  if (!base) return [];
  const pages: string[] = [];
  for (let next = page + 1; next <= lastPage; next++) {
    base.searchParams.set('page', String(next));
    pages.push(base.toString());
  }
  return pages;
}

function safeUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
