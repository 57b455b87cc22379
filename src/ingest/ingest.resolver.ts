import { Arg, Args, Authorized, Ctx, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../shared/context';
import { ConflictError, ServiceUnavailableError } from '../shared/errors';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { pageOf, pageRequest, type Keyset } from '../shared/pagination/keyset';
import { Role } from '../shared/viewer';
import { SourceInput, SourceUpdateInput } from './ingest.inputs';
import { IngestRun, RunTrigger } from './ingest-run.entity';
import { RunInProgressError } from './runner';
import { IngestStoppingError, ingestServiceOf } from './service';
import { ContentSource } from './source.entity';
import { createSource, deleteSource, sourceByName, updateSource } from './sources';

@ObjectType({ description: 'A page of ingest runs, newest first.' })
export class IngestRunConnection extends ConnectionType<IngestRun>(IngestRun, 'IngestRun') {}

const RUN_KEYSET: Keyset<IngestRun> = {
  columns: ['r.started_at', 'r.id'],
  kinds: ['date', 'string'],
  order: 'DESC',
  key: (run) => [run.startedAt, run.id],
};

/** The registry of sources and their runs: admins only. */
@Resolver(() => ContentSource)
export class IngestResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ContentSource], { description: 'Every source content is imported from, by name. Needs the ADMIN role.' })
  sources(@Ctx() ctx: Context): Promise<ContentSource[]> {
    return ctx.db.getRepository(ContentSource).find({ order: { name: 'ASC' } });
  }

  @Authorized(Role.ADMIN)
  @Query(() => IngestRunConnection, { description: 'Ingest runs, newest first: of one source, or of all. Needs the ADMIN role.' })
  async ingestRuns(
    @Arg('source', () => String, { nullable: true, description: 'Only the runs of the source with this name.' }) source: string | null,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context,
  ): Promise<Connection<IngestRun>> {
    const page = pageRequest(args, RUN_KEYSET.kinds);
    const qb = ctx.db.getRepository(IngestRun).createQueryBuilder('r');
    if (source) qb.where('r.source_name = :source', { source });
    return pageOf(qb, RUN_KEYSET, page);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ContentSource, { description: 'Adds a source. With `every`, the gateway runs it on that schedule; without, on demand (`runSource`). Needs the ADMIN role.' })
  createSource(@Arg('input', () => SourceInput, { description: 'The source.' }) input: SourceInput, @Ctx() ctx: Context): Promise<ContentSource> {
    return createSource(ctx.db, ctx.viewer, { ...input, targetType: input.type }, false);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ContentSource, { description: 'Changes a source’s settings. A new URL or kind makes the next run read everything again. Needs the ADMIN role.' })
  async updateSource(
    @Arg('name', { description: 'The source’s name.' }) name: string,
    @Arg('input', () => SourceUpdateInput, { description: 'What to change.' }) input: SourceUpdateInput,
    @Ctx() ctx: Context,
  ): Promise<ContentSource> {
    const current = await sourceByName(ctx.db, name);
    return updateSource(
      ctx.db,
      ctx.viewer,
      name,
      {
        name,
        kind: input.kind ?? current.kind,
        url: input.url ?? current.url,
        targetType: input.type ?? current.targetType,
        options: input.options ?? current.options,
        every: input.every === undefined || input.every === null ? current.every : input.every || null,
        publishAs: input.publishAs ?? current.publishAs,
      },
      false,
    );
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => String, { description: 'Removes a source and returns its name. The items it imported stay, with their provenance. Needs the ADMIN role.' })
  deleteSource(@Arg('name', { description: 'The source’s name.' }) name: string, @Ctx() ctx: Context): Promise<string> {
    return deleteSource(ctx.db, ctx.viewer, name);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => IngestRun, {
    description: 'Starts a run of a source and returns it at once, RUNNING; follow it with `ingestRuns(source:)`. If the source is being run already, returns that run. Needs the ADMIN role.',
  })
  async runSource(@Arg('name', { description: 'The source’s name.' }) name: string, @Ctx() ctx: Context): Promise<IngestRun> {
    try {
      return (await ingestServiceOf(ctx.db).start(name, RunTrigger.GRAPHQL)).run;
    } catch (error) {
      if (error instanceof RunInProgressError) {
        if (error.run) return error.run;
        // Claimed by a run that is starting or ending and has no RUNNING record to show.
        throw new ConflictError(error.message, { source: name });
      }
      // The gateway is shutting down: a run started now would be stopped at once.
      if (error instanceof IngestStoppingError) throw new ServiceUnavailableError(error.message, { source: name });
      throw error;
    }
  }
}
