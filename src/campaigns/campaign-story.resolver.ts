import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { listContent } from '../shared/content/content.query';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { CampaignStory } from './campaign-story.entity';
import { campaignById, type CampaignLoaders } from './campaign.loaders';
import { Campaign } from './campaign.entity';

@ObjectType({ description: 'A page of campaign stories, newest first.' })
export class CampaignStoryConnection extends ConnectionType<CampaignStory>(CampaignStory, 'CampaignStory') {}

@Resolver(() => CampaignStory)
export class CampaignStoryResolver {
  @Query(() => CampaignStoryConnection, { description: 'Published campaign stories, newest first.' })
  campaignStories(@Args() args: ConnectionArgs, @Ctx() ctx: Context<ContentLoaders>, @Info() info: GraphQLResolveInfo): Promise<Connection<CampaignStory>> {
    return listContent(ctx, ContentType.CAMPAIGN_STORY, args, info);
  }

  @Query(() => CampaignStory, { nullable: true, description: 'A published campaign story by slug, for its page; null if none has it.' })
  campaignStory(
    @Arg('slug', { description: 'The story’s slug.' }) slug: string,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<CampaignStory | null> {
    return ctx.loaders.contentBySlug.load({ type: ContentType.CAMPAIGN_STORY, slug }) as Promise<CampaignStory | null>;
  }

  @FieldResolver(() => Campaign, { nullable: true, description: 'The campaign the story belongs to; null for a news story outside any campaign.' })
  campaign(@Root() story: CampaignStory, @Ctx() ctx: Context<CampaignLoaders>): Campaign | Promise<Campaign | null> | null {
    return story.campaignId ? campaignById(ctx.db, ctx.loaders, story.campaignId) : null;
  }
}
