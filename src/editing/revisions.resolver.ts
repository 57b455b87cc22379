import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { In, type DataSource } from 'typeorm';
import type { StatementScope } from '../db/statement-scope';
import { decodeContentId } from '../shared/content/content-id';
import { byKey } from '../shared/batch';
import { batchLoader } from '../shared/loader';
import { Content } from '../shared/content/content.entity';
import type { Context } from '../shared/context';
import { hasRole, Role } from '../shared/viewer';
import { acceptSourceRevision, rejectSourceRevision } from '../store/revisions';
import { write } from '../store/session';
import { SourceRevision } from '../store/source-revision.entity';

/** Held versions by item id, in one statement per page of items. */
export function createRevisionLoaders(db: DataSource, scope?: StatementScope) {
  return {
    revisionByContentId: batchLoader<string, SourceRevision | null>(scope, 'revisionByContentId', async (ids) => {
      const rows = await db.getRepository(SourceRevision).findBy({ contentId: In([...ids]) });
      return byKey(ids, rows, (row) => row.contentId);
    }),
  };
}

export type RevisionLoaders = ReturnType<typeof createRevisionLoaders>;

/** Versions from sources held because an editor changed the item: shown to editors, accepted or rejected by them. */
@Resolver(() => Content)
export class SourceRevisionResolver {
  @FieldResolver(() => SourceRevision, {
    nullable: true,
    description:
      'A newer version of this item from its source, held because an editor changed the item (imports never overwrite an editor’s work): accept it with `acceptSourceRevision` or keep the editor’s version with `rejectSourceRevision`. Shown to editors and admins only; null for everyone else and for items without one.',
  })
  pendingRevision(@Root() item: Content, @Ctx() ctx: Context<RevisionLoaders>): Promise<SourceRevision | null> | null {
    if (!hasRole(ctx.viewer, Role.EDITOR) || !item.sourceName) return null;
    return ctx.loaders.revisionByContentId.load(item.id);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Content, { description: 'Replaces an item an editor changed with the version its source gave (`pendingRevision`). Needs the EDITOR role.' })
  acceptSourceRevision(@Arg('id', () => ID, { description: 'The item’s id.' }) id: string, @Ctx() ctx: Context): Promise<Content> {
    return write(ctx.db, ctx.viewer, (session) => acceptSourceRevision(session, decodeContentId(id)), ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Content, { description: 'Keeps the editor’s version of an item and discards the version held from its source. Needs the EDITOR role.' })
  rejectSourceRevision(@Arg('id', () => ID, { description: 'The item’s id.' }) id: string, @Ctx() ctx: Context): Promise<Content> {
    return write(ctx.db, ctx.viewer, (session) => rejectSourceRevision(session, decodeContentId(id)), ctx.scope);
  }
}
