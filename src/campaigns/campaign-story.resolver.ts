import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { listContent } from '../shared/content/content.query';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { inLocale, requestedLocaleOf, serveIn } from '../shared/content/localise';
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
  campaignStories(
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CampaignStory>> {
    return listContent(ctx, ContentType.CAMPAIGN_STORY, args, info, locale);
  }

  @Query(() => CampaignStory, { nullable: true, description: 'A published campaign story by slug, for its page; null if none has it.' })
  async campaignStory(
    @Arg('slug', { description: 'The story’s slug.' }) slug: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<CampaignStory | null> {
    const item = (await ctx.loaders.contentBySlug.load({ type: ContentType.CAMPAIGN_STORY, slug })) as CampaignStory | null;
    return serveIn(item, locale, ctx.db, (sql, parameters) => ctx.loaders.contentReads.query(sql, parameters));
  }

  @FieldResolver(() => Campaign, { nullable: true, description: 'The campaign the story belongs to; null for a news story outside any campaign.' })
  campaign(@Root() story: CampaignStory, @Ctx() ctx: Context<CampaignLoaders>): Campaign | Promise<Campaign | null> | null {
    if (!story.campaignId) return null;
    const campaign = campaignById(ctx.db, ctx.loaders, story.campaignId);
    // A campaign reached from an item carries the item's locale to its stories and posts.
    const locale = requestedLocaleOf(story);
    if (!locale || locale === ctx.locale) return campaign;
    return campaign instanceof Promise ? campaign.then((found) => found && inLocale(found, locale)) : campaign && inLocale(campaign, locale);
  }
}
