import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, ObjectType, Query, Resolver } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import type { ContentLoaders } from '../shared/content/content.loaders';
import { listContent } from '../shared/content/content.query';
import { Locale, LOCALE_ARGUMENT } from '../shared/content/locale';
import { serveIn } from '../shared/content/localise';
import type { Context } from '../shared/context';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { DigestArticle } from './digest-article.entity';

@ObjectType({ description: 'A page of digest articles, newest first.' })
export class DigestArticleConnection extends ConnectionType<DigestArticle>(DigestArticle, 'DigestArticle') {}

@Resolver(() => DigestArticle)
export class DigestArticleResolver {
  @Query(() => DigestArticleConnection, { description: 'Published weekly-digest articles, newest first.' })
  digestArticles(
    @Args() args: ConnectionArgs,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<DigestArticle>> {
    return listContent(ctx, ContentType.DIGEST_ARTICLE, args, info, locale);
  }

  @Query(() => DigestArticle, { nullable: true, description: 'A published digest article by slug, for its page; null if none has it.' })
  async digestArticle(
    @Arg('slug', { description: 'The article’s slug.' }) slug: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<DigestArticle | null> {
    const item = (await ctx.loaders.contentBySlug.load({ type: ContentType.DIGEST_ARTICLE, slug })) as DigestArticle | null;
    return serveIn(item, locale, ctx.db, (sql, parameters) => ctx.loaders.contentReads.query(sql, parameters));
  }
}
