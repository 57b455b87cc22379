import { MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { decodeContentId } from '../shared/content/content-id';
import { Content } from '../shared/content/content.entity';
import type { ContentTranslation } from '../shared/content/content-translation.entity';
import type { ContentLoaders, WrittenTranslation } from '../shared/content/content.loaders';
import { Locale } from '../shared/content/locale';
import type { Context } from '../shared/context';
import { Role } from '../shared/viewer';
import { write } from '../store/session';
import { deleteTranslation, setTranslation } from '../store/translations';
import { checkedBody } from './content.mutations';

@ObjectType({ description: 'An item’s text in another locale, as editors wrote it.', simpleResolvers: true })
export class Translation {
  @Field(() => Locale, { description: 'The locale.' })
  locale!: Locale;

  @Field({ description: 'The title in this locale.' })
  title!: string;

  @Field({ description: 'The summary in this locale.' })
  summary!: string;

  @Field(() => String, { nullable: true, description: 'The body in this locale (sanitised HTML); null shows the original’s.' })
  body!: string | null;

  @Field(() => String, { nullable: true, description: 'A project’s place in this locale; null shows the original’s.' })
  place!: string | null;

  @Field(() => Int, { description: 'Increases with every change of the translation: pass it as `expectedVersion` to change or delete it.' })
  version!: number;
}

@InputType({ description: 'An item’s text in another locale.' })
export class TranslationInput {
  @Field({ description: 'The title, 1 to 300 characters.' })
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @Field({ description: 'The summary, 1 to 2,000 characters.' })
  @MinLength(1)
  @MaxLength(2000)
  summary!: string;

  @Field(() => String, { nullable: true, description: 'The body as HTML (the same rules as the item’s body); the original’s is shown when omitted.' })
  @MaxLength(1_000_000)
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'A project’s place; the original’s is shown when omitted.' })
  @MaxLength(300)
  place?: string | null;
}

/** Translations: read by anyone who can see the item, written by editors. */
@Resolver(() => Content)
export class TranslationResolver {
  @FieldResolver(() => Translation, { nullable: true, description: 'The item’s translation into a locale as written (with its version, for editors), or null when there is none.' })
  translation(
    @Root() item: Content,
    @Arg('locale', () => Locale, { description: 'The locale.' }) locale: Locale,
    @Ctx() ctx: Context<ContentLoaders>,
  ): Promise<WrittenTranslation | null> {
    return ctx.loaders.translationByKey.load({ contentId: item.id, locale });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Translation, {
    description: 'Writes an item’s translation into a locale (not its own). Pass the translation’s `version` as `expectedVersion` to change one; leave it out to make a new one. Audited; the item can then be found and served in that locale. Needs the EDITOR role.',
  })
  async setTranslation(
    @Arg('id', () => ID, { description: 'The item’s id.' }) id: string,
    @Arg('locale', () => Locale, { description: 'The locale of the translation.' }) locale: Locale,
    @Arg('input', () => TranslationInput, { description: 'The translated text.' }) input: TranslationInput,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'The translation’s `version` the editor read; omit for a new translation.' }) expectedVersion: number | null,
    @Ctx() ctx: Context,
  ): Promise<ContentTranslation> {
    const body = checkedBody(input.body);
    return write(ctx.db, ctx.viewer, (session) => setTranslation(session, decodeContentId(id), locale, expectedVersion ?? null, { ...input, body }), ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Boolean, { description: 'Deletes an item’s translation into a locale, if it is still at `expectedVersion`. Needs the EDITOR role.' })
  deleteTranslation(
    @Arg('id', () => ID, { description: 'The item’s id.' }) id: string,
    @Arg('locale', () => Locale, { description: 'The locale of the translation.' }) locale: Locale,
    @Arg('expectedVersion', () => Int, { description: 'The translation’s `version` the editor read.' }) expectedVersion: number,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return write(ctx.db, ctx.viewer, (session) => deleteTranslation(session, decodeContentId(id), locale, expectedVersion), ctx.scope);
  }
}
