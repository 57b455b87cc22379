import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { campaignById, type CampaignLoaders } from '../campaigns/campaign.loaders';
import { Campaign } from '../campaigns/campaign.entity';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { CONTENT_KEYSET, listContent } from '../shared/content/content.query';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { pageRequest } from '../shared/pagination/keyset';
import type { SocialPostLoaders } from './social-post.loaders';
import { SocialPost } from './social-post.entity';

@ObjectType({ description: 'A page of social posts, newest first.' })
export class SocialPostConnection extends ConnectionType<SocialPost>(SocialPost, 'SocialPost') {}

@Resolver(() => SocialPost)
export class SocialPostResolver {
  @Query(() => SocialPostConnection, { description: 'Published social posts, newest first.' })
  socialPosts(@Args() args: ConnectionArgs, @Ctx() ctx: Context<ContentLoaders>, @Info() info: GraphQLResolveInfo): Promise<Connection<SocialPost>> {
    return listContent(ctx, ContentType.SOCIAL_POST, args, info);
  }

  @Query(() => SocialPost, { nullable: true, description: 'A published social post by slug; null if none has it.' })
  socialPost(
    @Arg('slug', { description: 'The post’s slug.' }) slug: string,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<SocialPost | null> {
    return ctx.loaders.contentBySlug.load({ type: ContentType.SOCIAL_POST, slug }) as Promise<SocialPost | null>;
  }

  @FieldResolver(() => Campaign, { nullable: true, description: 'The campaign whose hashtag the post uses; null when it uses none.' })
  campaign(@Root() post: SocialPost, @Ctx() ctx: Context<CampaignLoaders>): Campaign | Promise<Campaign | null> | null {
    return post.campaignId ? campaignById(ctx.db, ctx.loaders, post.campaignId) : null;
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
    const page = pageRequest(args, CONTENT_KEYSET.kinds);
    return ctx.loaders.postsByCampaignId.load({ parent: campaign.id, page, options: requestedProperties(info) });
  }
}
