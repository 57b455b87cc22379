import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { campaignById, type CampaignLoaders } from '../campaigns/campaign.loaders';
import { Campaign } from '../campaigns/campaign.entity';
import { listOptions } from '../shared/pagination/page.loader';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { contentPageRequest, listContent } from '../shared/content/content.query';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { inLocale, requestedLocaleOf, serveIn } from '../shared/content/localise';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import type { SocialPostLoaders } from './social-post.loaders';
import { SocialPost } from './social-post.entity';

@ObjectType({ description: 'A page of social posts, newest first.' })
export class SocialPostConnection extends ConnectionType<SocialPost>(SocialPost, 'SocialPost') {}

@Resolver(() => SocialPost)
export class SocialPostResolver {
  @Query(() => SocialPostConnection, { description: 'Published social posts, newest first.' })
  socialPosts(
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<SocialPost>> {
    return listContent(ctx, ContentType.SOCIAL_POST, args, info, locale);
  }

  @Query(() => SocialPost, { nullable: true, description: 'A published social post by slug; null if none has it.' })
  async socialPost(
    @Arg('slug', { description: 'The post’s slug.' }) slug: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<SocialPost | null> {
    const item = (await ctx.loaders.contentBySlug.load({ type: ContentType.SOCIAL_POST, slug })) as SocialPost | null;
    return serveIn(item, locale, ctx.db, (sql, parameters) => ctx.loaders.contentReads.query(sql, parameters));
  }

  @FieldResolver(() => Campaign, { nullable: true, description: 'The campaign whose hashtag the post uses; null when it uses none.' })
  campaign(@Root() post: SocialPost, @Ctx() ctx: Context<CampaignLoaders>): Campaign | Promise<Campaign | null> | null {
    if (!post.campaignId) return null;
    const campaign = campaignById(ctx.db, ctx.loaders, post.campaignId);
    // A campaign reached from an item carries the item's locale to its stories and posts.
    const locale = requestedLocaleOf(post);
    if (!locale || locale === ctx.locale) return campaign;
    return campaign instanceof Promise ? campaign.then((found) => found && inLocale(found, locale)) : campaign && inLocale(campaign, locale);
  }
}

/** `Campaign.posts`, declared here so that campaigns need not know about posts. */
@Resolver(() => Campaign)
export class CampaignPostsResolver {
  @FieldResolver(() => SocialPostConnection, { description: 'Published social posts that use the campaign’s hashtag, newest first.' })
  posts(
    @Root() campaign: Campaign,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context<SocialPostLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<SocialPost>> {
    const page = contentPageRequest(args, info);
    return ctx.loaders.postsByCampaignId.load({ parent: campaign.id, page, options: listOptions(requestedProperties(info), requestedLocaleOf(campaign)) });
  }
}
