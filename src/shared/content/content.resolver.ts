import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import type { ContentLoaders } from './content.loaders';
import { Content } from './content.entity';

/** Fields every content type shares that come from the tag tables, batched per request. */
@Resolver(() => Content)
export class ContentResolver {
  @FieldResolver(() => [String], {
    description: 'ISO 3166-1 alpha-3 codes of every country the item concerns, members or not (Syria, for example), alphabetical.',
  })
  countries(@Root() item: Content, @Ctx() ctx: Context<ContentLoaders>): Promise<string[]> {
    return ctx.loaders.countriesByContentId.load(item.id);
  }

  @FieldResolver(() => [String], { description: 'Free topic tags, lowercase, alphabetical, e.g. `education`.' })
  tags(@Root() item: Content, @Ctx() ctx: Context<ContentLoaders>): Promise<string[]> {
    return ctx.loaders.tagsByContentId.load(item.id);
  }
}
