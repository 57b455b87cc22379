import { DocumentError, type EntryError } from '../connector';

/** One record of an archive, with where it was found. */
export interface ArchiveRecord {
  /** `line 12` (JSON Lines) or `entry 3` (tweets.js, until the id is known). */
  readonly position: string;
  /** The tweet object itself, unwrapped from X's `{ "tweet": … }`. */
  readonly tweet: Record<string, unknown>;
  /** The record says the tweet is gone (see {@link readArchive}). */
  readonly deleted: boolean;
}

/**
 * The records of a social archive, whichever of its two forms the body is:
 *
 * - X's export, `window.YTD.tweets.part0 = [ { "tweet": { … } }, … ]` (any
 *   `partN`, optional trailing semicolon). The export's `deleted_tweets.js`
 *   (`window.YTD.deleted_tweets.part0 = …`) has the same shape: every record
 *   in it is a deletion. A bare JSON array of the same records is read too.
 * - JSON Lines: one record per line, `{ "tweet": { … } }` or the bare tweet;
 *   blank lines are ignored and a line that is not a JSON object is an entry
 *   error, not a document failure (an archive appended to for years has the
 *   odd broken line).
 *
 * A deletion is `{ "deleted": true, "id_str": "…" }` (either at the top level
 * or inside `tweet`), or a tweet with X's `deleted_at`.
 *
 * The byte-order mark is already gone (see `bodyText`).
 */
export function readArchive(text: string): { records: ArchiveRecord[]; errors: EntryError[] } {
  const start = text.search(/\S/);
  if (start === -1) return { records: [], errors: [] };
  if (text.startsWith('window.YTD.', start)) return readExport(text, start);
  if (text[start] === '[') return readArray(text, false);
  if (text[start] === '{') return readLines(text);
  throw new DocumentError('not a social archive: expected X’s tweets.js export or JSON Lines of tweets');
}

function readExport(text: string, start: number): { records: ArchiveRecord[]; errors: EntryError[] } {
  const header = /^window\.YTD\.([A-Za-z0-9_]+)\.part\d+\s*=\s*/.exec(text.slice(start, start + 200));
  if (!header) throw new DocumentError('tweets.js does not start with `window.YTD.<name>.partN =`');
  return readArray(text.slice(start + header[0].length).replace(/;\s*$/, ''), header[1] === 'deleted_tweets');
}

function readArray(json: string, allDeleted: boolean): { records: ArchiveRecord[]; errors: EntryError[] } {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch (error) {
    throw new DocumentError(`the archive’s array is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new DocumentError('the archive does not hold an array of tweets');
  const records: ArchiveRecord[] = [];
  const errors: EntryError[] = [];
  entries.forEach((entry, index) => {
    const record = recordOf(entry, `entry ${index + 1}`, allDeleted);
    if ('error' in record) errors.push(record.error);
    else records.push(record);
  });
  return { records, errors };
}

function readLines(text: string): { records: ArchiveRecord[]; errors: EntryError[] } {
  const records: ArchiveRecord[] = [];
  const errors: EntryError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const position = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ position, message: `not a JSON record: ${(error as Error).message}` });
      continue;
    }
    const record = recordOf(value, position, false);
    if ('error' in record) errors.push(record.error);
    else records.push(record);
  }
  // A file where no line at all is a record is not an archive with bad lines, but something else.
  if (records.length === 0 && errors.length > 0) throw new DocumentError(`no line is a JSON record (${errors[0].position}: ${errors[0].message})`);
  return { records, errors };
}

function recordOf(value: unknown, position: string, allDeleted: boolean): ArchiveRecord | { error: EntryError } {
  if (!isObject(value)) return { error: { position, message: 'not a JSON object' } };
  const tweet = isObject(value.tweet) ? value.tweet : value;
  const deleted = allDeleted || value.deleted === true || tweet.deleted === true || (typeof tweet.deleted_at === 'string' && tweet.deleted_at !== '');
  return { position, tweet, deleted };
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
