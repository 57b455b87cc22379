import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Int, Query, Resolver } from 'type-graphql';
import { FeedFilter } from '../feed/feed.inputs';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { eachField } from '../shared/selection';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { changeFeedHead, readChangePage } from './change-feed';
import { ContentChangeConnection } from './change-feed.types';

/** The change feed: partners mirror the shared feed from it instead of re-reading it. */
@Resolver()
export class ChangeFeedResolver {
  @Query(() => ContentChangeConnection, {
    description:
      'Every change to published content (publications, updates, withdrawals, deletions), oldest first, in the order they were committed: no change that commits late is ever skipped. Anonymous callers and keys alike see published content only. Mirror the feed by reading it after taking `feedChangesHead`, then applying these changes from that cursor on. With a filter, a change is included when the item matched the filter before or after it, so a reader also gets the change that takes an item out of its filter (its `item` is then null). Changes are kept for CHANGE_LOG_RETENTION_DAYS (30 by default); an older cursor is BAD_USER_INPUT with `extensions.reason` CURSOR_EXPIRED.',
  })
  feedChanges(
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Which changes to include, as in `Query.feed`; all when omitted.' }) filter: FeedFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'At most this many changes (default 20, at most 100).' }) first: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Read the changes after this cursor (`feedChangesHead`, or a page’s `endCursor`); from the oldest change kept when omitted.',
    })
    after: string | null,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ContentChangeConnection> {
    return readChangePage(ctx.loaders.contentReads, filter, first, after, selectsItem(info) ? requestedProperties(info, ['edges', 'node', 'item']) : null, locale);
  }

  @Query(() => String, { description: 'The cursor of the newest committed change: "now". Take it before reading the feed, then follow `feedChanges(after:)` from it.' })
  feedChangesHead(@Ctx() ctx: Context<ContentLoaders>): Promise<string> {
    return changeFeedHead(ctx.loaders.contentReads);
  }
}

/** Whether `edges { node { item } }` is selected: only then are the items read. */
function selectsItem(info: GraphQLResolveInfo): boolean {
  let found = false;
  for (const root of info.fieldNodes) {
    if (!root.selectionSet) continue;
    eachField(root.selectionSet, info.fragments, new Set(), (edges) => {
      if (edges.name.value !== 'edges' || !edges.selectionSet) return;
      eachField(edges.selectionSet, info.fragments, new Set(), (node) => {
        if (node.name.value !== 'node' || !node.selectionSet) return;
        eachField(node.selectionSet, info.fragments, new Set(), (field) => field.name.value === 'item' && (found = true));
      });
    });
  }
  return found;
}
