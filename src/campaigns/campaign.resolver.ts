import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { BY_CAMPAIGN, contentPageRequest, visibilityOf } from '../shared/content/content.query';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { prefetchNestedLists } from '../shared/content/nested-lists';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { pageOf, pageRequest, type Keyset } from '../shared/pagination/keyset';
import { CampaignStoryConnection } from './campaign-story.resolver';
import type { CampaignStory } from './campaign-story.entity';
import { campaignStories, type CampaignLoaders } from './campaign.loaders';
import { Campaign } from './campaign.entity';
import { inLocale, requestedLocaleOf } from '../shared/content/localise';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { listOptions } from '../shared/pagination/page.loader';

@ObjectType({ description: 'A page of campaigns, by title.' })
export class CampaignConnection extends ConnectionType<Campaign>(Campaign, 'Campaign') {}

const CAMPAIGN_KEYSET: Keyset<Campaign> = {
  columns: ['k.title', 'k.id'],
  kinds: ['string', 'string'],
  order: 'ASC',
  key: (campaign) => [campaign.title, campaign.id],
};

@Resolver(() => Campaign)
export class CampaignResolver {
  @Query(() => CampaignConnection, { description: 'Communications campaigns, by title.' })
  async campaigns(@Args() args: ConnectionArgs, @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null, @Ctx() ctx: Context): Promise<Connection<Campaign>> {
    const page = pageRequest(args, CAMPAIGN_KEYSET.kinds);
    const qb = ctx.db.getRepository(Campaign).createQueryBuilder('k');
    return pageOf(qb, CAMPAIGN_KEYSET, page, locale ? (campaign) => inLocale(campaign, locale) : undefined);
  }

  @Query(() => Campaign, { nullable: true, description: 'A campaign by slug, e.g. `this-generation-learns`; null if none has it.' })
  async campaign(
    @Arg('slug', { description: 'The campaign’s slug.' }) slug: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<CampaignLoaders>,
  ): Promise<Campaign | null> {
    const campaign = await ctx.loaders.campaignBySlug.load(slug);
    return campaign && locale ? inLocale(campaign, locale) : campaign;
  }

  @FieldResolver(() => CampaignStoryConnection, { description: 'The campaign’s published stories, newest first.' })
  stories(
    @Root() campaign: Campaign,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context<CampaignLoaders & ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CampaignStory>> {
    const page = contentPageRequest(args, info);
    const locale = requestedLocaleOf(campaign);
    // One campaign's stories (`campaign(slug:)` or `node(id:)`, Q4): the lists under them (each nation's projects) come in the same
    // statement. Its query is the loader's for one campaign (findContentPagesByParent: `ofParent`); a campaign asked in a locale keys its lists by it.
    const single = locale === undefined && info.path.prev?.prev === undefined;
    const query = () => campaignStories(ctx.loaders.contentReads, visibilityOf(ctx.viewer)).ofParent(BY_CAMPAIGN, campaign.id);
    const key = { parent: campaign.id, page, options: listOptions(requestedProperties(info), locale) };
    return prefetchNestedLists(ctx, info, single ? query : null, ctx.loaders.storiesByCampaignId, key);
  }
}
