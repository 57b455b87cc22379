import { Locale } from '../../shared/content/locale';
import { originalLocaleOf, type LocalisedItem } from '../../shared/content/localise';
import countryNames from 'i18n-iso-countries';
import type { Campaign } from '../../campaigns/campaign.entity';
import type { DigestArticle } from '../../digest-articles/digest-article.entity';
import type { MemberNation } from '../../member-nations/member-nation.entity';
import type { SocialPost } from '../../social-posts/social-post.entity';
import { ContentType } from '../../shared/content/content-status';
import type { Content } from '../../shared/content/content.entity';
import { isFiltered, type FeedParameters } from './parameters';
import type { FeedRows, FeedScope } from './read';

/** Who publishes the feeds, and the author of every item that names none of its own. */
export const PUBLISHER = 'Global Coalition against Daesh';

/** The coalition's web site: each feed's home page (`link rel="alternate"`, `channel/link`, `home_page_url`). */
export const HOME_PAGE = 'https://theglobalcoalition.org/en/';

/** Every id the feeds mint starts with this: entries are `urn:coalition-graph:<global id>`. */
export const URN_PREFIX = 'urn:coalition-graph:';

/** `scheme` (Atom) and `domain` (RSS) of the two kinds of category. */
export const NATION_SCHEME = `${URN_PREFIX}nations`;
export const TAG_SCHEME = `${URN_PREFIX}tags`;

/** The catalogues a feed's names come from (held per process: reading them costs no statement). */
export interface Names {
  readonly nations: ReadonlyMap<string, MemberNation>;
  readonly campaignsById: ReadonlyMap<string, Campaign>;
  readonly campaignsBySlug: ReadonlyMap<string, Campaign>;
}

/** One entry, in the terms all three formats share; every string is safe to put in XML. */
export interface SyndicatedItem {
  /** `urn:coalition-graph:<global id>`: the entry's id in every format. */
  readonly id: string;
  /** The GraphQL global id, for `node(id:)`. */
  readonly globalId: string;
  readonly type: ContentType;
  readonly title: string;
  readonly summary: string;
  /** The item's text in plain text: a post's text, otherwise its summary. */
  readonly text: string;
  /** The item's full text as sanitised HTML, when it has one. */
  readonly html: string | null;
  /** The web page the entry links to: the item's `url`, else a digest article's original report; null when there is none. */
  readonly link: string | null;
  readonly url: string | null;
  /** A digest article's original report at its outlet. */
  readonly externalUrl: string | null;
  readonly published: Date;
  /** The later of its last change and its publication. */
  readonly updated: Date;
  readonly version: number;
  /** The outlet (digest articles), the author handle (posts), else the publisher. */
  readonly author: string;
  /** The members it concerns, by name. */
  readonly nations: readonly { readonly code: string; readonly name: string }[];
  readonly countries: readonly string[];
  readonly tags: readonly string[];
  /** The slug of its campaign. */
  readonly campaign: string | null;
  /** The language its text is served in (`en`, `ar`, `fr`): the one asked for when it has a translation into it, else its own. */
  readonly language: string;
}

/** A whole feed, before it is written in one format. */
export interface SyndicatedFeed {
  /** Stable, whatever host or parameter order the request used: `urn:coalition-graph:feed[:nation:IRQ|:campaign:<slug>][:<filter>]`. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly homePage: string;
  /** The canonical URL of this very document (its `rel="self"` link, `feed_url`). */
  readonly selfUrl: string;
  /** The next page's URL (`rel="next"`, `next_url`: RFC 5005 paging) when more items follow, else null. */
  readonly nextUrl: string | null;
  /** The newest item's update time that has passed; null for an empty feed (or one of items scheduled for later only). */
  readonly updated: Date | null;
  /** The language asked for (`en`, `ar`, `fr`). */
  readonly language: string;
  readonly items: readonly SyndicatedItem[];
}

/** Makes the feed a request asked for out of the rows read for it. */
export function buildFeed(
  rows: FeedRows,
  scope: FeedScope,
  parameters: FeedParameters,
  names: Names,
  links: { readonly self: string; readonly next: string | null },
  now: Date,
  locale: Locale = Locale.EN,
): SyndicatedFeed {
  const items = rows.items.map((item, i) => buildItem(item, rows.countries[i] ?? [], rows.tags[i] ?? [], names));
  // A date ahead of the clock (an item scheduled for later) is not a modification time yet: the newest that has passed is.
  // (The clock itself in its place changed the feed's time, and with it the ETag, on every request: no 304, ever.)
  let newest: number | null = null;
  for (const item of items) {
    const time = item.updated.getTime();
    if (time <= now.getTime() && (newest === null || time > newest)) newest = time;
  }
  const updated = newest === null ? null : new Date(newest);
  return {
    // Another language is another document: its own id (the English one keeps the id it always had).
    id: locale === Locale.EN ? feedIdOf(scope, parameters) : `${feedIdOf(scope, parameters)}:locale=${locale.toLowerCase()}`,
    title: titleOf(scope, parameters, names),
    description: descriptionOf(scope, parameters, names),
    homePage: HOME_PAGE,
    selfUrl: links.self,
    nextUrl: links.next,
    updated,
    language: locale.toLowerCase(),
    items,
  };
}

function buildItem(item: Content, countries: readonly string[], tags: readonly string[], names: Names): SyndicatedItem {
  const digest = item.type === ContentType.DIGEST_ARTICLE ? (item as DigestArticle) : null;
  const post = item.type === ContentType.SOCIAL_POST ? (item as SocialPost) : null;
  const externalUrl = webAddress(digest?.originalUrl);
  const url = webAddress(item.url);
  const nations = (item.nationCodes ?? [])
    .map((code) => ({ code, name: xmlSafe(names.nations.get(code)?.name ?? code) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en') || a.code.localeCompare(b.code));
  const summary = xmlSafe(item.summary ?? '');
  const updatedAt = item.updatedAt instanceof Date ? item.updatedAt.getTime() : 0;
  return {
    id: `${URN_PREFIX}${item.nodeId}`,
    globalId: item.nodeId,
    type: item.type,
    title: xmlSafe(item.title),
    summary,
    text: post?.text ? xmlSafe(post.text) : summary,
    html: item.body ? xmlSafe(item.body) : null,
    link: url ?? externalUrl,
    url,
    externalUrl,
    published: item.publishedAt,
    updated: new Date(Math.max(updatedAt, item.publishedAt.getTime())),
    version: item.version,
    author: xmlSafe((digest?.outlet || post?.authorHandle || PUBLISHER).trim() || PUBLISHER),
    nations,
    countries: [...countries],
    tags: tags.map(xmlSafe),
    campaign: item.campaignId ? (names.campaignsById.get(item.campaignId)?.slug ?? null) : null,
    // The locale of the translation that replaced its text, else its own language (German stays `de`, not the `en` it is served as).
    language: (item as Content & LocalisedItem).originalText
      ? ((item as Content & LocalisedItem).servedLocale ?? originalLocaleOf(item)).toLowerCase()
      : (item.language ?? originalLocaleOf(item)).toLowerCase(),
  };
}

/** An http(s) address, in its normalised form (spaces and quotes percent-encoded); null for anything else. */
function webAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Drops the characters XML 1.0 cannot carry (C0 controls other than tab and
 * line breaks, lone surrogates, U+FFFE and U+FFFF): one in a title would make
 * the whole document unreadable to every reader.
 */
export function xmlSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
}

/** A stable id for the feed: the same feed has the same id from any host and with its parameters in any order; `limit` is no part of it. */
function feedIdOf(scope: FeedScope, parameters: FeedParameters): string {
  let id = `${URN_PREFIX}feed`;
  if (scope.kind === 'nation') id += `:nation:${scope.nation.code}`;
  if (scope.kind === 'campaign') id += `:campaign:${encodeURIComponent(scope.campaign.slug)}`;
  const parts: string[] = [];
  for (const name of ['types', 'nations', 'countries', 'campaigns', 'tags'] as const) {
    if (parameters[name].length) parts.push(`${name}=${parameters[name].map(encodeURIComponent).join(',')}`);
  }
  if (parameters.publishedAfter) parts.push(`publishedAfter=${parameters.publishedAfter.toISOString()}`);
  if (parameters.publishedBefore) parts.push(`publishedBefore=${parameters.publishedBefore.toISOString()}`);
  return parts.length ? `${id}:${parts.join(';')}` : id;
}

const TYPE_NAMES: Readonly<Record<ContentType, string>> = {
  [ContentType.DIGEST_ARTICLE]: 'digest articles',
  [ContentType.CAMPAIGN_STORY]: 'campaign stories',
  [ContentType.SOCIAL_POST]: 'social posts',
  [ContentType.STABILISATION_PROJECT]: 'stabilisation projects',
};

/** "Global Coalition against Daesh — shared feed", "… — Iraq", "… — This Generation Learns", with what the parameters narrow it to in brackets. */
function titleOf(scope: FeedScope, parameters: FeedParameters, names: Names): string {
  const base = `${PUBLISHER} — ${scope.kind === 'nation' ? scope.nation.name : scope.kind === 'campaign' ? scope.campaign.title : 'shared feed'}`;
  const narrowed = narrowing(parameters, names);
  return xmlSafe(narrowed.length ? `${base} (${narrowed.join('; ')})` : base);
}

function descriptionOf(scope: FeedScope, parameters: FeedParameters, names: Names): string {
  const what =
    scope.kind === 'nation'
      ? `Published items concerning ${scope.nation.name}`
      : scope.kind === 'campaign'
        ? `Published stories and posts of the campaign ${scope.campaign.title}${scope.campaign.hashtag ? ` (#${scope.campaign.hashtag})` : ''}`
        : 'Published items of every type: digest articles, campaign stories, social posts and stabilisation projects';
  const narrowed = isFiltered(parameters) ? ` (${narrowing(parameters, names).join('; ')})` : '';
  return xmlSafe(`${what} from the ${PUBLISHER}${narrowed}; newest first, at most ${parameters.limit}.`);
}

/** What the parameters narrow a feed to, in words: "social posts", "concerning Iraq or NATO", "tagged education", "published from 2019-10-01T00:00:00.000Z". */
function narrowing(parameters: FeedParameters, names: Names): string[] {
  const parts: string[] = [];
  const or = (values: readonly string[]) => values.join(' or ');
  if (parameters.types.length) parts.push(or(parameters.types.map((type) => TYPE_NAMES[type])));
  if (parameters.nations.length) parts.push(`concerning ${or(parameters.nations.map((code) => names.nations.get(code)?.name ?? code))}`);
  if (parameters.countries.length) parts.push(`in ${or(parameters.countries.map((code) => names.nations.get(code)?.name ?? countryNames.getName(code, 'en') ?? code))}`);
  if (parameters.campaigns.length) parts.push(`of the campaign ${or(parameters.campaigns.map((slug) => names.campaignsBySlug.get(slug)?.title ?? slug))}`);
  if (parameters.tags.length) parts.push(`tagged ${or(parameters.tags)}`);
  if (parameters.publishedAfter) parts.push(`published from ${parameters.publishedAfter.toISOString()}`);
  if (parameters.publishedBefore) parts.push(`published before ${parameters.publishedBefore.toISOString()}`);
  return parts;
}
