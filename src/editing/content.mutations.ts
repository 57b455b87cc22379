import { Arg, Authorized, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { CampaignStory } from '../campaigns/campaign-story.entity';
import { DigestArticle } from '../digest-articles/digest-article.entity';
import { decodeContentId } from '../shared/content/content-id';
import { ContentType } from '../shared/content/content-status';
import { CONTENT_TYPE_NAMES, Content } from '../shared/content/content.entity';
import type { Context } from '../shared/context';
import { BadUserInputError } from '../shared/errors';
import { sanitiseReport } from '../text/text';
import { decodeGlobalIdOf } from '../shared/node/global-id';
import { Role } from '../shared/viewer';
import { SocialPost } from '../social-posts/social-post.entity';
import { StabilisationProject } from '../stabilisation-projects/stabilisation-project.entity';
import { CampaignStoryInput, type ContentInput, DigestArticleInput, SocialPostInput, StabilisationProjectInput } from './content.inputs';
import { withinEditableYears } from '../shared/date-time';
import { createContent, deleteContent, setPublished, updateContent, type ContentDraft } from './content.service';

/** Splits an input into the shared fields and the type's own columns. */
function toDraft(input: ContentInput & { campaign?: string | null }): ContentDraft {
  const { slug, title, summary, url, countries, nations, tags, publishedAt, campaign, body, language, ...fields } = input;
  return { slug, title, summary, url, countries, nations: nations ?? [], tags: tags ?? [], publishedAt, campaign, body: checkedBody(body), language: language ?? undefined, fields };
}

/**
 * An editor's body as it will be stored: refused with BAD_USER_INPUT naming
 * what the sanitiser would remove, rather than silently altered.
 */
export function checkedBody(body: string | null | undefined): string | null {
  if (!body) return null;
  const report = sanitiseReport(body);
  if (report.removed.length) {
    throw new BadUserInputError(`The body holds what is not allowed and would be removed: ${report.removed.join('; ')}`, {
      fields: [{ field: 'input.body', reasons: report.removed.map((what) => `not allowed: ${what}`) }],
    });
  }
  return report.html;
}

type Class<T> = new (...args: never[]) => T;

/**
 * `create<Type>` and `update<Type>` for one content type. Both need the EDITOR
 * role, run in one transaction with an audit record, and return the item as
 * it now is (a new item is a draft until `publishContent`).
 */
function contentMutations<T extends Content, I extends ContentInput>(type: ContentType, entity: Class<T>, input: Class<I>) {
  const name = CONTENT_TYPE_NAMES[type];

  @Resolver()
  class ContentTypeMutations {
    @Authorized(Role.EDITOR)
    @Mutation(() => entity, { name: `create${name}`, description: `Creates a ${name} as a draft. Needs the EDITOR role.` })
    async create(@Arg('input', () => input, { description: 'The new item.' }) data: I, @Ctx() ctx: Context): Promise<T> {
      return (await createContent(ctx.db, ctx.viewer, type, toDraft(data), ctx.scope)) as T;
    }

    @Authorized(Role.EDITOR)
    @Mutation(() => entity, {
      name: `update${name}`,
      description: `Replaces a ${name}'s editable fields. Refused with CONFLICT if it changed since \`expectedVersion\`. Needs the EDITOR role.`,
    })
    async update(
      @Arg('id', () => ID, { description: `The ${name}'s id.` }) id: string,
      @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
      @Arg('input', () => input, { description: 'The item’s new fields.' }) data: I,
      @Ctx() ctx: Context,
    ): Promise<T> {
      const localId = decodeGlobalIdOf(name, id);
      return (await updateContent(ctx.db, ctx.viewer, type, localId, expectedVersion, toDraft(data), ctx.scope)) as T;
    }
  }
  return ContentTypeMutations;
}

export const DigestArticleMutations = contentMutations(ContentType.DIGEST_ARTICLE, DigestArticle, DigestArticleInput);
export const CampaignStoryMutations = contentMutations(ContentType.CAMPAIGN_STORY, CampaignStory, CampaignStoryInput);
export const SocialPostMutations = contentMutations(ContentType.SOCIAL_POST, SocialPost, SocialPostInput);
export const StabilisationProjectMutations = contentMutations(ContentType.STABILISATION_PROJECT, StabilisationProject, StabilisationProjectInput);

/** Publication and deletion, the same for every content type. */
@Resolver()
export class PublicationMutations {
  @Authorized(Role.EDITOR)
  @Mutation(() => Content, { description: 'Makes an item visible to everyone. Needs the EDITOR role.' })
  publishContent(
    @Arg('id', () => ID, { description: 'The item’s id.' }) id: string,
    @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
    @Arg('publishedAt', () => Date, {
      nullable: true,
      description: 'Publication time to show, from 0001-01-01 to 9999-12-31 (UTC). Left out: the time an editor gave the draft, else the time it was first published, else now.',
    })
    publishedAt: Date | null,
    @Ctx() ctx: Context,
  ): Promise<Content> {
    // An argument, not an input object: class-validator never sees it.
    if (publishedAt && !withinEditableYears(publishedAt)) {
      throw new BadUserInputError('publishedAt must be between 0001-01-01 and 9999-12-31', { argument: 'publishedAt' });
    }
    return setPublished(ctx.db, ctx.viewer, decodeContentId(id), expectedVersion, true, publishedAt, ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Content, { description: 'Withdraws an item: it becomes a draft again, seen only by editors. Needs the EDITOR role.' })
  unpublishContent(
    @Arg('id', () => ID, { description: 'The item’s id.' }) id: string,
    @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
    @Ctx() ctx: Context,
  ): Promise<Content> {
    return setPublished(ctx.db, ctx.viewer, decodeContentId(id), expectedVersion, false, null, ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => ID, { description: 'Deletes an item for good and returns its id. Needs the EDITOR role.' })
  deleteContent(
    @Arg('id', () => ID, { description: 'The item’s id.' }) id: string,
    @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
    @Ctx() ctx: Context,
  ): Promise<string> {
    return deleteContent(ctx.db, ctx.viewer, decodeContentId(id), expectedVersion, ctx.scope);
  }
}
