import type { EntityManager } from 'typeorm';
import { ContentChangeKind, type ChangeInput, type FilterAttributes } from '../changes/change-log';
import { ContentStatus, type ContentType } from '../shared/content/content-status';

/** What readers can filter an item by, and whether they can see it: as stored, or as a write leaves it. */
export interface ItemState {
  readonly id: string;
  readonly type: ContentType;
  readonly status: ContentStatus;
  readonly publishedAt: Date;
  readonly nations: readonly string[];
  readonly countries: readonly string[];
  readonly tags: readonly string[];
  /** The campaign's slug, or null. */
  readonly campaign: string | null;
}

/**
 * The state of the items matching `where` (SQL on `content c`, `:named`
 * parameters), with their tag lists, in one statement: what a change-log entry
 * needs of an item before a write, and what a cascade (a campaign deleted, a
 * member renamed) needs of every item it touches.
 */
export async function readItemStates(manager: EntityManager, where: string, parameters: Record<string, unknown>): Promise<ItemState[]> {
  const postgres = manager.connection.options.type === 'postgres';
  // As JSON arrays: a tag may hold a comma (a feed's category `Iraq, Syria` is one tag).
  const agg = (column: string, table: string) =>
    postgres
      ? `(SELECT json_agg(t.${column}) FROM ${table} t WHERE t.content_id = c.id)`
      : `(SELECT json_group_array(t.${column}) FROM ${table} t WHERE t.content_id = c.id)`;
  const sql =
    `SELECT c.id AS "id", c.type AS "type", c.status AS "status", c.published_at AS "publishedAt", k.slug AS "campaign", ` +
    `${agg('nation_code', 'content_nation')} AS "nations", ${agg('country_code', 'content_country')} AS "countries", ${agg('tag', 'content_tag')} AS "tags" ` +
    `FROM content c LEFT JOIN campaign k ON k.id = c.campaign_id WHERE ${where}`;
  const [statement, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
  const rows = (await manager.query(statement, values)) as Record<string, unknown>[];
  // node-postgres parses json; SQLite gives its text (`[]` for none).
  const split = (value: unknown) => (value == null ? [] : ((typeof value === 'string' ? JSON.parse(value) : value) as string[]).sort());
  return rows.map((row) => ({
    id: String(row.id),
    type: row.type as ContentType,
    status: row.status as ContentStatus,
    publishedAt: manager.connection.driver.prepareHydratedValue(row.publishedAt, { type: Date } as never) as Date,
    campaign: (row.campaign as string | null) ?? null,
    nations: split(row.nations),
    countries: split(row.countries),
    tags: split(row.tags),
  }));
}

/** One item's state, or null when it does not exist. */
export async function readItemState(manager: EntityManager, id: string): Promise<ItemState | null> {
  const [state] = await readItemStates(manager, 'c.id = :id', { id });
  return state ?? null;
}

/**
 * The change-log entry readers see for a write that took an item from
 * `before` to `after` (null: it did not exist, or no longer does), or null
 * when readers see no change: a draft edited, created or deleted; a
 * withdrawn item edited. Published content changed is UPDATED only when
 * `changed` says its content did.
 */
export function contentChange(before: ItemState | null, after: ItemState | null, changed = true): ChangeInput | null {
  const wasVisible = before?.status === ContentStatus.PUBLISHED;
  const isVisible = after?.status === ContentStatus.PUBLISHED;
  let kind: ContentChangeKind;
  if (!wasVisible && isVisible) kind = ContentChangeKind.PUBLISHED;
  else if (wasVisible && isVisible) {
    if (!changed) return null;
    kind = ContentChangeKind.UPDATED;
  } else if (wasVisible && !after) kind = ContentChangeKind.DELETED;
  else if (wasVisible) kind = ContentChangeKind.UNPUBLISHED;
  else return null;
  const item = (after ?? before)!;
  return { subject: 'CONTENT', kind, subjectId: item.id, contentType: item.type, attributes: unionOf(wasVisible ? before : null, isVisible ? after : null) };
}

/** The attributes of the visible states, joined: a filter that matched either sees the change. */
function unionOf(before: ItemState | null, after: ItemState | null): FilterAttributes {
  const states = [before, after].filter((state): state is ItemState => state !== null);
  const join = (pick: (state: ItemState) => readonly (string | null)[]) => [...new Set(states.flatMap(pick).filter((v): v is string => !!v))].sort();
  const times = states.map((state) => state.publishedAt.getTime());
  return {
    nations: join((s) => s.nations),
    countries: join((s) => s.countries),
    campaigns: join((s) => [s.campaign]),
    tags: join((s) => s.tags),
    publishedFrom: new Date(Math.min(...times)),
    publishedUntil: new Date(Math.max(...times)),
  };
}
