import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { MemberNation } from '../member-nations/member-nation.entity';
import { requestedLocaleOf } from '../shared/content/localise';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { ContentConnection } from '../shared/content/content.connection';
import type { Content } from '../shared/content/content.entity';
import { contentPageRequest, visibilityOf } from '../shared/content/content.query';
import { requestedProperties } from '../shared/content/content.selection';
import type { ContentLoaders } from '../shared/content/content.loaders';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import type { Connection } from '../shared/pagination/connection.type';
import type { FeedLoaders } from './feed.loaders';
import { FeedFilter } from './feed.inputs';
import { findFeedPage } from './feed.service';

@Resolver()
export class FeedResolver {
  @Query(() => ContentConnection, {
    description: 'Every published item of every type in one stream, newest first (ties by a stable key). Cursors stay valid as new items arrive.',
  })
  feed(
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Which items to include; all published items when omitted.' })
    filter: FeedFilter | null,
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Content>> {
    return findFeedPage(ctx.loaders.contentReads, visibilityOf(ctx.viewer), filter, contentPageRequest(args, info), requestedProperties(info), locale);
  }
}

/** `MemberNation.feed`: the feed narrowed to one member. */
@Resolver(() => MemberNation)
export class NationFeedResolver {
  @FieldResolver(() => ContentConnection, { description: 'Published items concerning this member, newest first; filter as in `Query.feed`.' })
  feed(
    @Root() nation: MemberNation,
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Further narrows the member’s items.' }) filter: FeedFilter | null,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context<FeedLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Content>> {
    const page = contentPageRequest(args, info);
    return ctx.loaders.feedByNationCode.load({ parent: nation.code, page, options: { filter, properties: requestedProperties(info), locale: requestedLocaleOf(nation) } });
  }
}
