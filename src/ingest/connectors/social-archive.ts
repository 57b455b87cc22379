import { decodeXML } from 'entities';
import { ContentType } from '../../shared/content/content-status';
import { SourceKind } from '../../shared/content/source-kind';
import type { Connector, EntryError, FetchedDocument, ItemDraft, ParseResult, RunContext } from '../connector';
import { storableText } from '../storable-text';
import { isObject, readArchive, type ArchiveRecord } from './social-archive-records';
import { isoDateTime } from '../../shared/date-time';
import { bodyText, collapse, cutAtWord, flagOption, isWebUrl, stringOption } from './support';

const TITLE_LENGTH = 100;
const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };
/** X's `lang` values that name no language: undetermined, no linguistic content, and its private `q..` codes (media, hashtags or mentions only). */
const NO_LANGUAGE = /^(und|zxx|q[a-t][a-z])$/;
/** Old codes X still writes. */
const LANGUAGE_ALIASES: Record<string, string> = { in: 'id', iw: 'he', ji: 'yi' };

/**
 * Reads the coalition's X (Twitter) archive, as X exports it (`tweets.js`) or
 * as JSON Lines of the same records (see {@link readArchive}), into social
 * posts. Every t.co link becomes the address it stands for, so that what is
 * stored never depends on X's shortener.
 *
 * What is kept: the account's own tweets and its threads (replies to itself,
 * recognised by the parent being in the same archive, by the parent's author
 * being `options.authorHandle`, or by the parent's author id being the
 * tweet's own author's). Retweets and replies to others are left out, without
 * an error since nothing is wrong with them, unless `options.includeRetweets`
 * or `options.includeReplies` is true. Deletions go to `withdrawn`.
 */
export const socialArchiveConnector: Connector = {
  kind: SourceKind.SOCIAL_ARCHIVE,
  parse: parseSocialArchive,
};

function parseSocialArchive(document: FetchedDocument, context: RunContext): ParseResult {
  const { records, errors: recordErrors } = readArchive(bodyText(document));
  const options = context.source.options;
  const settings: Settings = {
    handle: stringOption(options, 'authorHandle')?.replace(/^@/, '') ?? null,
    includeRetweets: flagOption(options, 'includeRetweets'),
    includeReplies: flagOption(options, 'includeReplies'),
    ids: new Set(records.map((record) => idOf(record.tweet)).filter((id): id is string => id !== null)),
  };

  const items: ItemDraft[] = [];
  const errors: EntryError[] = [...recordErrors];
  const deleted = new Set<string>();
  const seen = new Set<string>();
  for (const record of records) {
    const id = idOf(record.tweet);
    if (id === null) {
      errors.push({ position: record.position, message: 'a tweet without `id_str` (a numeric `id` is not exact past 2^53, so it is not used)' });
      continue;
    }
    if (record.deleted) {
      deleted.add(id);
      continue;
    }
    if (seen.has(id)) {
      errors.push({ position: positionOf(record, id), externalId: id, message: 'the same tweet again: the first one is kept' });
      continue;
    }
    seen.add(id);
    if (!kept(record.tweet, settings)) continue;
    const outcome = draftOf(record, id, settings);
    if ('error' in outcome) errors.push(outcome.error);
    else items.push(outcome);
  }
  // A deletion wins over the tweet, wherever it stands in the archive.
  const result: { -readonly [K in keyof ParseResult]: ParseResult[K] } = { items: items.filter((item) => !deleted.has(item.externalId)), errors };
  if (deleted.size) result.withdrawn = [...deleted];
  return result;
}

interface Settings {
  readonly handle: string | null;
  readonly includeRetweets: boolean;
  readonly includeReplies: boolean;
  /** Every id in the document: a reply to one of them is a thread of the account's own. */
  readonly ids: ReadonlySet<string>;
}

function kept(tweet: Record<string, unknown>, settings: Settings): boolean {
  const text = typeof tweet.full_text === 'string' ? tweet.full_text : typeof tweet.text === 'string' ? tweet.text : '';
  // `retweeted` says whether the account retweeted it, which is not reliable in exports; the "RT @" prefix is.
  const retweet = tweet.retweeted === true || text.startsWith('RT @') || isObject(tweet.retweeted_status);
  if (retweet) return settings.includeRetweets;
  const parent = str(tweet.in_reply_to_status_id_str);
  const parentAuthor = str(tweet.in_reply_to_screen_name);
  if (!parent && !parentAuthor) return true;
  if (settings.includeReplies) return true;
  const author = isObject(tweet.user) ? tweet.user : null;
  const ownHandle = (author && str(author.screen_name)) ?? settings.handle;
  return (
    (parent !== null && settings.ids.has(parent)) ||
    (parentAuthor !== null && ownHandle !== null && parentAuthor.toLowerCase() === ownHandle.toLowerCase()) ||
    (author !== null && str(tweet.in_reply_to_user_id_str) !== null && str(tweet.in_reply_to_user_id_str) === str(author.id_str))
  );
}

function draftOf(record: ArchiveRecord, id: string, settings: Settings): ItemDraft | { error: EntryError } {
  const tweet = record.tweet;
  const position = positionOf(record, id);
  const publishedAt = dateOf(tweet.created_at);
  if (!publishedAt) return { error: { position, externalId: id, message: `created_at ${JSON.stringify(tweet.created_at ?? null)} is not a date` } };

  const entities = isObject(tweet.entities) ? tweet.entities : null;
  const extended = isObject(tweet.extended_entities) ? tweet.extended_entities : null;
  const urls = objects(entities?.urls);
  const media = [...objects(entities?.media), ...objects(extended?.media)];
  const raw = typeof tweet.full_text === 'string' ? tweet.full_text : typeof tweet.text === 'string' ? tweet.text : '';
  // The post's own text is kept with its line breaks, so it is not collapsed: what no column may hold is dropped here.
  const text = expand(storableText(decodeXML(raw)), urls, media);

  const author = isObject(tweet.user) ? str(tweet.user.screen_name) : null;
  const handle = author ?? settings.handle;
  const summary = collapse(text);
  return {
    externalId: id,
    type: ContentType.SOCIAL_POST,
    // Addresses make poor titles: the title is the words around them.
    title: cutAtWord(collapse(summary.replace(/https?:\/\/\S+/g, '')), TITLE_LENGTH) || `Post ${id}`,
    summary,
    url: handle ? `https://x.com/${handle}/status/${id}` : `https://x.com/i/web/status/${id}`,
    publishedAt,
    language: languageOf(tweet.lang),
    fields: {
      platform: 'TWITTER',
      authorHandle: handle,
      text,
      hashtags: entities ? unique(objects(entities.hashtags).map((tag) => str(tag.text))) : unique([...summary.matchAll(/(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu)].map((m) => m[1])),
      mentions: entities ? unique(objects(entities.user_mentions).map((user) => str(user.screen_name))) : unique([...summary.matchAll(/(?:^|[^\p{L}\p{N}_])@(\w{1,15})/gu)].map((m) => m[1])),
      links: entities ? unique(urls.map((url) => str(url.expanded_url)).filter((url) => url !== null && isWebUrl(url) && !isShortLink(url))) : unique(summary.match(/https?:\/\/\S+/g) ?? []),
    },
  };
}

/**
 * The text with each t.co link replaced by the address it stands for, media
 * links (the photo's t.co) removed, and any t.co link left without an
 * expansion removed too: a t.co link says nothing once X is gone.
 */
function expand(text: string, urls: Record<string, unknown>[], media: Record<string, unknown>[]): string {
  let out = text;
  for (const url of urls) {
    const short = str(url.url);
    const long = str(url.expanded_url);
    if (short) out = out.split(short).join(long && isWebUrl(long) && !isShortLink(long) ? long : '');
  }
  for (const item of media) {
    const short = str(item.url);
    if (short) out = out.split(short).join('');
  }
  return out
    .replace(/https?:\/\/t\.co\/[A-Za-z0-9]+/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}

function isShortLink(url: string): boolean {
  return /^https?:\/\/t\.co\//i.test(url);
}

/** X's `Wed Oct 09 14:03:12 +0000 2019`; ISO 8601 too, for hand-made JSON Lines. */
function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const x = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2}) (\d{4})$/.exec(value.trim());
  // An ISO time without a zone is UTC, as elsewhere in ingestion: `new Date` would read it in the process's zone.
  const plain = value.trim();
  const iso =
    x && MONTHS[x[1]]
      ? `${x[6]}-${MONTHS[x[1]]}-${x[2].padStart(2, '0')}T${x[3]}${x[4]}:${x[5]}`
      : /^\d{4}-\d{2}-\d{2}T/.test(plain)
        ? /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(plain)
          ? plain
          : `${plain}Z`
        : null;
  // A day the calendar lacks (`Feb 31`) is no date, rather than 2 or 3 March.
  return iso ? isoDateTime(iso) : null;
}

function languageOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || NO_LANGUAGE.test(value)) return null;
  return LANGUAGE_ALIASES[value] ?? value;
}

function idOf(tweet: Record<string, unknown>): string | null {
  const id = str(tweet.id_str) ?? (typeof tweet.id === 'string' ? tweet.id : null);
  return id !== null && /^\d+$/.test(id) ? id : null;
}

function positionOf(record: ArchiveRecord, id: string): string {
  return record.position.startsWith('entry ') ? `tweet ${id}` : record.position;
}

function objects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null && value !== ''))];
}
