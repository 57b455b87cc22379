import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { requestedLocaleOf } from '../shared/content/localise';
import { localisedNation } from './localised-nation';
import { Arg, Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Content } from '../shared/content/content.entity';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { pageOf, pageRequest, type Keyset } from '../shared/pagination/keyset';
import { getNationsFromCodes, nationByCode, type MemberNationLoaders } from './member-nation.loaders';
import { MemberNation, normaliseNationCode } from './member-nation.entity';

@ObjectType({ description: 'A page of coalition members, by name.' })
export class MemberNationConnection extends ConnectionType<MemberNation>(MemberNation, 'MemberNation') {}

/** Members are listed by name; the code breaks ties and makes the order total. */
const NATION_KEYSET: Keyset<MemberNation> = {
  columns: ['n.name', 'n.code'],
  kinds: ['string', 'string'],
  order: 'ASC',
  key: (nation) => [nation.name, nation.code],
};

@Resolver(() => MemberNation)
export class MemberNationResolver {
  @Query(() => MemberNationConnection, { description: 'The 81 members of the coalition (October 2019), by name.' })
  async memberNations(
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context,
  ): Promise<Connection<MemberNation>> {
    const page = pageRequest(args, NATION_KEYSET.kinds);
    const qb = ctx.db.getRepository(MemberNation).createQueryBuilder('n');
    const served = locale ?? ctx.locale;
    // An English page needs no views, unless English overrides the request's locale: its members then carry English to their feeds.
    const views = served && (served !== Locale.EN || (ctx.locale ?? Locale.EN) !== Locale.EN);
    return pageOf(qb, NATION_KEYSET, page, views ? (nation) => localisedNation(nation, served) : undefined);
  }

  @Query(() => MemberNation, { nullable: true, description: 'A member by code (any letter case): `IRQ`, `gbr`, `EU`, `NATO`. Null if no member has it.' })
  memberNation(
    @Arg('code', { description: 'ISO alpha-3 for a country; EU, NATO, INTERPOL, LAS or CENSAD for an organisation.' }) code: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<MemberNationLoaders>,
  ): MemberNation | null | Promise<MemberNation | null> {
    const found = nationByCode(ctx.db, ctx.loaders, normaliseNationCode(code));
    const served = locale ?? (ctx.locale !== Locale.EN ? ctx.locale : null);
    if (!served) return found;
    return found instanceof Promise ? found.then((nation) => nation && localisedNation(nation, served)) : found && localisedNation(found, served);
  }
}

/** `Content.nations`: declared here, where MemberNation lives, so that shared/ needs no domain. */
@Resolver(() => Content)
export class ContentNationsResolver {
  @FieldResolver(() => [MemberNation], {
    description: 'The coalition members the item concerns, by name. Countries that were not members (Syria, Israel) appear only in `countries`.',
  })
  nations(@Root() item: Content, @Ctx() ctx: Context<MemberNationLoaders>): MemberNation[] | Promise<MemberNation[]> {
    // Lists read the tags with the items; a single item (node, by slug) loads them in a batch.
    const nations = item.nationCodes ? getNationsFromCodes(ctx.db, item.nationCodes) : ctx.loaders.nationsByContentId.load(item.id);
    const locale = requestedLocaleOf(item) ?? ctx.locale;
    if (!locale || (locale === Locale.EN && (ctx.locale ?? Locale.EN) === Locale.EN)) return nations;
    const localise = (list: MemberNation[]) => list.map((nation) => localisedNation(nation, locale));
    return nations instanceof Promise ? nations.then(localise) : localise(nations);
  }
}
