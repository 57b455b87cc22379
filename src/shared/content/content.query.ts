import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { RawSqlResultsToEntityTransformer } from 'typeorm/query-builder/transformer/RawSqlResultsToEntityTransformer';
import type { Connection } from '../pagination/connection.type';
import type { ConnectionArgs } from '../pagination/connection.args';
import { applyKeyset, pageRequest, toConnection, type Keyset, type PageRequest } from '../pagination/keyset';
import type { Context } from '../context';
import { hasRole, Role, type Viewer } from '../viewer';
import { ContentStatus, type ContentType } from './content-status';
import { Content } from './content.entity';

/** Newest first, ties broken by id: the order of the feed and of every content list. */
export const CONTENT_KEYSET: Keyset<Content> = {
  columns: ['c.publishedAt', 'c.id'],
  kinds: ['date', 'string'],
  order: 'DESC',
  key: (item) => [item.publishedAt, item.id],
};

/** The statuses a viewer may see: drafts only for editors and admins. */
export type Visibility = readonly ContentStatus[];

const PUBLIC: Visibility = Object.freeze([ContentStatus.PUBLISHED]);
const EDITORIAL: Visibility = Object.freeze([ContentStatus.DRAFT, ContentStatus.PUBLISHED]);

/** What `viewer` may see. Every content query takes this, so no path can forget it. */
export function visibilityOf(viewer: Viewer): Visibility {
  return hasRole(viewer, Role.EDITOR) ? EDITORIAL : PUBLIC;
}

/**
 * Content the viewer may see, as a query on alias `c`, optionally of some types only.
 * Rows come back as instances of their own class (`DigestArticle`, …), which is
 * what the `Content` and `Node` interfaces resolve their types by.
 */
export function visibleContent(db: DataSource, visible: Visibility, types?: readonly ContentType[]): SelectQueryBuilder<Content> {
  const qb = db.getRepository(Content).createQueryBuilder('c').where('c.status IN (:...visible)', { visible });
  if (types?.length) qb.andWhere('c.type IN (:...types)', { types });
  return qb;
}

/** Runs one page of a content query in one statement. */
export async function findContentPage<T extends Content>(
  qb: SelectQueryBuilder<Content>,
  page: PageRequest,
  keyset: Keyset<Content> = CONTENT_KEYSET,
): Promise<Connection<T>> {
  const rows = await applyKeyset(qb, keyset, page).getMany();
  return toConnection(rows as T[], keyset as Keyset<T>, page);
}

/**
 * Loads one page of content for each parent (a campaign's stories, a nation's
 * projects) in a single statement: `ROW_NUMBER() OVER (PARTITION BY parent …)`
 * ranks each parent's rows in keyset order and keeps the first `size + 1` of
 * each. A single parent takes the plain `LIMIT` path, which walks the index.
 *
 * @param qb published content (alias `c`), joined to whatever `partition` names.
 * @param partition the expression naming each row's parent, e.g. `c.campaignId`.
 */
export async function findContentPagesByParent<T extends Content>(
  qb: SelectQueryBuilder<Content>,
  partition: string,
  parents: readonly string[],
  page: PageRequest,
  keyset: Keyset<Content> = CONTENT_KEYSET,
): Promise<Connection<T>[]> {
  if (parents.length === 1) {
    return [await findContentPage<T>(qb.andWhere(`${partition} = :parent`, { parent: parents[0] }), page, keyset)];
  }
  qb.andWhere(`${partition} IN (:...parents)`, { parents });
  applyKeyset(qb, keyset, page);
  const order = qb.expressionMap.orderBys;
  const over = Object.entries(order).map(([column, direction]) => `${column} ${direction}`).join(', ');
  qb.orderBy().limit(undefined);
  // Parenthesised: a bare `c.countryCode` would count as selecting that entity column under another alias.
  qb.addSelect(`(${partition})`, 'page_parent').addSelect(`ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${over})`, 'page_rank');
  const [sql, parameters] = qb.getQueryAndParameters();
  const raw: Record<string, unknown>[] = await qb.connection.query(
    `SELECT * FROM (${sql}) ranked WHERE ranked.page_rank <= ${page.size + 1} ORDER BY ranked.page_rank`,
    parameters,
  );
  // The transformer is what getMany() uses: it picks each row's class by the discriminator.
  const transformer = new RawSqlResultsToEntityTransformer(qb.expressionMap, qb.connection.driver, []);
  const byParent = new Map<string, T[]>(parents.map((parent) => [parent, []]));
  for (const row of raw) {
    const [entity] = transformer.transform([row], qb.expressionMap.mainAlias!) as T[];
    byParent.get(String(row.page_parent))?.push(entity);
  }
  return parents.map((parent) => toConnection(byParent.get(parent)!, keyset as Keyset<T>, page));
}

/**
 * One page of published items of one type, for the `digestArticles`-style root
 * lists: validates the paging arguments, then runs one statement.
 */
export function listContent<T extends Content>(ctx: Context, type: ContentType, args: ConnectionArgs): Promise<Connection<T>> {
  return findContentPage<T>(visibleContent(ctx.db, visibilityOf(ctx.viewer), [type]), pageRequest(args, CONTENT_KEYSET.kinds));
}
