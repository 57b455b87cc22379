import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { nationByCode, type MemberNationLoaders } from '../member-nations/member-nation.loaders';
import { localisedNation } from '../member-nations/localised-nation';
import { MemberNation, NationKind } from '../member-nations/member-nation.entity';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { BY_COUNTRY, contentPageRequest, listContent } from '../shared/content/content.query';
import { registerNestedList } from '../shared/content/nested-lists';
import { listOptions } from '../shared/pagination/page.loader';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { requestedLocaleOf, serveIn } from '../shared/content/localise';
import { requestedProperties } from '../shared/content/content.selection';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { emptyConnection } from '../shared/pagination/keyset';
import { visibleProjects, type StabilisationProjectLoaders } from './stabilisation-project.loaders';
import { StabilisationProject } from './stabilisation-project.entity';

@ObjectType({ description: 'A page of stabilisation projects, newest first.' })
export class StabilisationProjectConnection extends ConnectionType<StabilisationProject>(StabilisationProject, 'StabilisationProject') {}

@Resolver(() => StabilisationProject)
export class StabilisationProjectResolver {
  @Query(() => StabilisationProjectConnection, { description: 'Published stabilisation projects, newest first.' })
  stabilisationProjects(
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<StabilisationProject>> {
    return listContent(ctx, ContentType.STABILISATION_PROJECT, args, info, locale);
  }

  @Query(() => StabilisationProject, { nullable: true, description: 'A published stabilisation project by slug; null if none has it.' })
  async stabilisationProject(
    @Arg('slug', { description: 'The project’s slug.' }) slug: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<StabilisationProject | null> {
    const item = (await ctx.loaders.contentBySlug.load({ type: ContentType.STABILISATION_PROJECT, slug })) as StabilisationProject | null;
    return serveIn(item, locale, ctx.db, (sql, parameters) => ctx.loaders.contentReads.query(sql, parameters));
  }

  @FieldResolver(() => MemberNation, { nullable: true, description: 'The member the project is in; null when its country was not a member (Syria in 2019).' })
  nation(@Root() project: StabilisationProject, @Ctx() ctx: Context<MemberNationLoaders>): MemberNation | Promise<MemberNation | null> | null {
    const nation = nationByCode(ctx.db, ctx.loaders, project.countryCode);
    // Named in the project's locale, which it carries on to the member's own lists, as `Content.nations` does.
    const locale = requestedLocaleOf(project) ?? ctx.locale;
    if (!locale || (locale === Locale.EN && (ctx.locale ?? Locale.EN) === Locale.EN)) return nation;
    return nation instanceof Promise ? nation.then((found) => found && localisedNation(found, locale)) : nation && localisedNation(nation, locale);
  }
}

/** `MemberNation.stabilisationProjects`, declared here so that member-nations need not know about projects. */
@Resolver(() => MemberNation)
export class NationProjectsResolver {
  @FieldResolver(() => StabilisationProjectConnection, { description: 'Published projects located in this country, newest first; empty for organisations.' })
  stabilisationProjects(
    @Root() nation: MemberNation,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context<StabilisationProjectLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<StabilisationProject>> | Connection<StabilisationProject> {
    const page = contentPageRequest(args, info);
    if (nation.kind === NationKind.ORGANISATION) return emptyConnection();
    // A page read with the stories above (nested-lists.ts) is served at once, not through a promise.
    return ctx.loaders.projectsByCountryCode.loadNow({ parent: nation.code, page, options: listOptions(requestedProperties(info), requestedLocaleOf(nation)) });
  }
}

// A story's (any item's) nations' projects, read with the items when a single campaign's stories ask for them (Q4): see nested-lists.ts.
registerNestedList({
  path: ['nations', 'stabilisationProjects'],
  parentType: 'MemberNation',
  parentsOf: (ids) => `SELECT DISTINCT t.nation_code AS parent FROM content_nation t WHERE t.content_id IN (${ids})`,
  parentsOfItem: (item) => item.nationCodes,
  partition: BY_COUNTRY,
  property: 'countryCode',
  query: visibleProjects,
  loader: (ctx: Context<StabilisationProjectLoaders>) => ctx.loaders.projectsByCountryCode,
});
