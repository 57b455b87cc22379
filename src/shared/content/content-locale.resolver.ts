import { Arg, Ctx, FieldResolver, registerEnumType, Resolver, Root } from 'type-graphql';
import { renderBody } from '../../text/rich-text';
import type { Context } from '../context';
import type { ContentLoaders } from './content.loaders';
import { Content } from './content.entity';
import { directionOfLanguage, Locale, localeOfLanguage, TextDirection } from './locale';
import { originalLocaleOf, translatedLocalesOf, type LocalisedItem } from './localise';

/** The formats an item's body is served in. */
export enum BodyFormat {
  HTML = 'HTML',
  TEXT = 'TEXT',
  MARKDOWN = 'MARKDOWN',
}

registerEnumType(BodyFormat, {
  name: 'BodyFormat',
  description: 'How `Content.body` is served.',
  valuesConfig: {
    HTML: { description: 'Sanitised HTML, as stored: safe to insert as it is.' },
    TEXT: { description: 'Plain text: paragraphs separated by blank lines, links followed by their target, images by their alt text.' },
    MARKDOWN: { description: 'CommonMark: headings, emphasis, lists, links and images (with their alt text).' },
  },
});

/** What an item says of its languages: the one served, its original's, its direction and its translations. */
@Resolver(() => Content)
export class ContentLocaleResolver {
  @FieldResolver(() => Locale, {
    description:
      'The locale the item’s text is served in: the one asked for (the root field’s `locale`, else `Accept-Language`, else EN) when the item was written in it or translated into it; otherwise its original’s (or EN for an original in another language, with its English translation if it has one).',
  })
  locale(@Root() item: Content & LocalisedItem): Locale {
    return item.servedLocale ?? originalLocaleOf(item);
  }

  @FieldResolver(() => String, { description: 'BCP 47 tag of the language the item was written in, e.g. `en`, `ar`, `fr-BE`.' })
  language(@Root() item: Content): string {
    return item.language ?? 'en';
  }

  @FieldResolver(() => TextDirection, {
    description:
      'Which way the served text runs, for the `dir` attribute: a translation’s by its locale (RTL for Arabic), an original’s by its language’s script (RTL for Arabic, Persian, Kurdish Sorani, Urdu, Hebrew…), LTR otherwise.',
  })
  direction(@Root() item: Content & LocalisedItem): TextDirection {
    // A translation replaced the text: it runs as its locale does. Otherwise the original's own text is served, in its own language (`locale` says EN for one we do not serve, but its text is still, say, Persian).
    if (item.originalText) return item.servedLocale === Locale.AR ? TextDirection.RTL : TextDirection.LTR;
    return directionOfLanguage(item.language);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The full text in the format asked: HTML (sanitised, as stored), TEXT (plain, paragraphs kept, links followed by their target, images by their alt text) or MARKDOWN. Null when the item has none.',
  })
  body(
    @Root() item: Content,
    @Arg('format', () => BodyFormat, { defaultValue: BodyFormat.HTML, description: 'HTML (default), TEXT or MARKDOWN.' }) format: BodyFormat,
  ): string | null {
    return item.body ? renderBody(item.body, format) : null;
  }

  @FieldResolver(() => [Locale], { description: 'Every locale the item can be served in: its original’s and those it is translated into.' })
  async translations(@Root() item: Content, @Ctx() ctx: Context<ContentLoaders>): Promise<Locale[]> {
    const translated = translatedLocalesOf(item) ?? ((await ctx.loaders.translationLocalesByContentId.load(item.id)) as Locale[]);
    const own = localeOfLanguage(item.language);
    return [...new Set([...(own ? [own] : []), ...translated])].sort();
  }
}
