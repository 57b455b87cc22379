import { normaliseNationCode } from '../member-nations/member-nation.entity';
import type { FeedFilter } from '../feed/feed.inputs';
import { feedQuery } from '../feed/feed.service';
import { ContentStatus } from '../shared/content/content-status';
import type { Locale } from '../shared/content/locale';
import { CONTENT_TYPE_NAMES, type Content } from '../shared/content/content.entity';
import { sqlEnumList } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import { BadUserInputError } from '../shared/errors';
import { encodeGlobalId } from '../shared/node/global-id';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page } from '../shared/pagination/keyset';
import { ContentChangeKind, LOG_HEAD_SQL } from './change-log';
import { CHANGE_COLUMNS, listValue, readTimestamp, toChangeRow, type ChangeRow } from './change-row';
import type { ContentChange, ContentChangeConnection } from './change-feed.types';
import { PRUNED_THROUGH } from './retention';

const CURSOR_PREFIX = 'ch1:';
/** The largest position the log's 32-bit `seq` holds. */
const MAX_POSITION = 2_147_483_647;

/** The cursor of a change-log position. */
export function encodeChangeCursor(position: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`, 'utf8').toString('base64url');
}

/** The position a change cursor names; anything else is BAD_USER_INPUT naming the argument. */
export function decodeChangeCursor(cursor: string, argument = 'after'): number {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const position = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  // Positions are 32-bit (change.entity.ts): a larger one would reach PostgreSQL as an out-of-range error, not this one.
  if (!Number.isSafeInteger(position) || position < 0 || position > MAX_POSITION) {
    throw new BadUserInputError(`"${argument}" is not a cursor of the change feed (take one from feedChangesHead or a page's endCursor)`, { argument });
  }
  return position;
}

/**
 * One page of the change feed after `after` (from the oldest entry kept when
 * null), matching `filter`, in one statement; with the items as they are now
 * (published and matching, else null) in a second, only when `itemProperties`
 * says `item` is selected. A cursor below what retention has pruned is
 * `BAD_USER_INPUT` with `reason: CURSOR_EXPIRED`: the changes it would have
 * led to are gone, and the reader must read the feed again.
 */
export async function readChangePage(
  reads: ContentReads,
  filter: FeedFilter | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
  itemProperties: readonly string[] | null,
  locale?: Locale | null,
): Promise<ContentChangeConnection> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 0 || size > MAX_PAGE_SIZE) throw new BadUserInputError(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, { argument: 'first', max: MAX_PAGE_SIZE });
  const from = after != null ? decodeChangeCursor(after) : 0;
  const { conditions, parameters } = filterConditions(filter);
  const where = ["subject = 'CONTENT'", 'seq > :from', ...conditions].join(' AND ');
  const pruned = reads.db.options.type === 'postgres' ? 'CAST(value AS integer)' : 'CAST(value AS INTEGER)';
  const sql =
    `SELECT p.pruned AS "pruned", p.head AS "head", e.* FROM (SELECT COALESCE((SELECT ${pruned} FROM gateway_state WHERE name = :prunedName), 0) AS pruned, ${LOG_HEAD_SQL} AS head) p ` +
    `LEFT JOIN (SELECT ${CHANGE_COLUMNS} FROM change_log WHERE ${where} ORDER BY seq LIMIT ${size + 1}) e ON 1 = 1 ` +
    'ORDER BY e."seq"';
  const raw = await reads.query(sql, { ...parameters, from, prunedName: PRUNED_THROUGH });
  const prunedThrough = Number(raw[0]?.pruned ?? 0);
  if (after != null && from < prunedThrough) {
    throw new BadUserInputError(
      `This cursor is older than the change log keeps (changes up to position ${prunedThrough} have been pruned): read the feed again, then follow the changes from feedChangesHead`,
      { argument: 'after', reason: 'CURSOR_EXPIRED' },
    );
  }
  const rows = raw.filter((row) => row.seq != null).map((row) => toChangeRow(row, readTimestamp));
  const page = rows.slice(0, size);
  const items = itemProperties && page.some(isVisibleKind) ? await currentItems(reads, filter, page, itemProperties, locale) : new Map<string, Content>();
  const edges = page.map((row) => {
    const node = toChange(row, items.get(row.subjectId) ?? null);
    return { cursor: node.cursor, node };
  });
  // Nothing matched up to the head this statement saw (and nothing is left for a next page): continue from
  // there. Entries commit in seq order, so none can appear below it later; and a filtered reader that polls
  // through changes it does not match keeps a cursor that moves on, instead of one that retention expires
  // and that rescans the same entries at each poll.
  const readThrough = rows.length > size ? 0 : Number(raw[0]?.head ?? 0);
  const endCursor = edges.length ? edges[edges.length - 1].cursor : encodeChangeCursor(Math.max(from, prunedThrough, readThrough));
  // A class's getter, not a literal's (see `Page`).
  return new Page(edges, { hasNextPage: rows.length > size, hasPreviousPage: from > prunedThrough, startCursor: edges[0]?.cursor ?? null, endCursor }, () =>
    reads.query(`SELECT count(*) AS "n" FROM change_log WHERE ${where}`, { ...parameters, from }).then((found) => Number(found[0]?.n ?? 0)),
  );
}

/** The cursor of "now": the newest change committed (see {@link LOG_HEAD_SQL}). A mirror reads the feed after taking it, then follows the changes from it. */
export async function changeFeedHead(reads: ContentReads): Promise<string> {
  const [row] = await reads.query(`SELECT ${LOG_HEAD_SQL} AS "head"`, {});
  return encodeChangeCursor(Number(row?.head ?? 0));
}

function isVisibleKind(row: ChangeRow): boolean {
  return row.kind === ContentChangeKind.PUBLISHED || row.kind === ContentChangeKind.UPDATED;
}

/** A change as readers get it, from the feed or a subscription: the item only for PUBLISHED and UPDATED, a tombstone otherwise. */
export function toChange(row: ChangeRow, item: Content | null): ContentChange {
  const type = row.contentType as keyof typeof CONTENT_TYPE_NAMES;
  return {
    cursor: encodeChangeCursor(row.seq),
    kind: row.kind as ContentChangeKind,
    id: encodeGlobalId(CONTENT_TYPE_NAMES[type], row.subjectId),
    type,
    at: row.at,
    item: isVisibleKind(row) ? item : null,
  };
}

/** The items of a page as they are now: published, and matching the filter; one statement. */
async function currentItems(
  reads: ContentReads,
  filter: FeedFilter | null | undefined,
  page: readonly ChangeRow[],
  properties: readonly string[],
  locale: Locale | null | undefined,
): Promise<Map<string, Content>> {
  const ids = [...new Set(page.filter(isVisibleKind).map((row) => row.subjectId))];
  const items = await feedQuery(reads, [ContentStatus.PUBLISHED], filter, properties).where('c.id IN (:...changedIds)', { changedIds: ids }).inLocale(locale).fetch();
  return new Map(items.map((item) => [item.id, item]));
}

/**
 * The filter as conditions on the entries' recorded attributes (the union of
 * before and after): values within a field OR-ed, fields AND-ed, as the feed.
 */
function filterConditions(filter: FeedFilter | null | undefined): { conditions: string[]; parameters: Record<string, unknown> } {
  const conditions: string[] = [];
  const parameters: Record<string, unknown> = {};
  if (!filter) return { conditions, parameters };
  const anyOf = (column: string, name: string, values: readonly string[]) => {
    if (!values.length) return;
    conditions.push(`(${values.map((_, i) => `${column} LIKE :${name}${i} ESCAPE '\\'`).join(' OR ')})`);
    values.forEach((value, i) => (parameters[`${name}${i}`] = `%,${listValue(value).replace(/[\\%_]/g, (c) => `\\${c}`)},%`));
  };
  if (filter.types?.length) conditions.push(`content_type IN (${sqlEnumList(filter.types)})`);
  anyOf('nations', 'nation', (filter.nations ?? []).map(normaliseNationCode));
  anyOf('countries', 'country', (filter.countries ?? []).map((code) => code.toUpperCase()));
  anyOf('campaigns', 'campaign', filter.campaigns ?? []);
  anyOf('tags', 'tag', (filter.tags ?? []).map((tag) => tag.toLowerCase()));
  if (filter.publishedAfter) {
    conditions.push('published_until >= :publishedAfter');
    parameters.publishedAfter = filter.publishedAfter;
  }
  if (filter.publishedBefore) {
    conditions.push('published_from < :publishedBefore');
    parameters.publishedBefore = filter.publishedBefore;
  }
  return { conditions, parameters };
}
