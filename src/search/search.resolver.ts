import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Int, Query, Resolver } from 'type-graphql';
import { FeedFilter } from '../feed/feed.inputs';
import { visibilityOf } from '../shared/content/content.query';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { searchPage } from './search.service';
import { SearchResultConnection } from './search.types';

@Resolver()
export class SearchResolver {
  @Query(() => SearchResultConnection, {
    description:
      'Finds items of every type and member nations by their text, most relevant first (a match in the title counts more than one in the summary, which counts more than one in the body; ties: newest first). Syntax as people type it: words (all must match), "quoted phrases", OR between words or phrases, -excluded words, and the last word matches as a prefix while it is being typed. Case, accents and Arabic letter forms do not matter; English plurals find singulars. Member nations are found only when no filter is given.',
  })
  search(
    @Arg('query', { description: 'What to look for, e.g. `Mosul schools`, `"west Mosul" -Raqqa`, `demining OR mines`. Only an empty query is an error.' }) query: string,
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Narrows the items found, as in `Query.feed`.' }) filter: FeedFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'At most this many results (default 20, at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Results after this cursor (a previous page’s `endCursor`).' }) after: string | null,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SearchResultConnection> {
    return searchPage(ctx.loaders.contentReads, visibilityOf(ctx.viewer), query, filter, { first, after }, requestedProperties(info, ['edges', 'node']), locale ?? ctx.locale ?? Locale.EN);
  }
}
