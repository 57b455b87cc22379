import { Locale, LOCALE_ARGUMENT } from '../content/locale';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { BadUserInputError } from '../errors';
import { decodeGlobalId, type NodeTypeName } from './global-id';
import { Node } from './node.interface';

/**
 * How each type's nodes are fetched by local id. Each domain contributes its own
 * entries; the server composes them, so this module imports no domain.
 */
export interface NodeLoaders {
  readonly nodeByLocalId: Record<NodeTypeName, (localId: string) => Promise<Node | null>>;
  /** The node served in `locale` (its text, its members' names, what is beneath it). */
  readonly nodeInLocale: (node: Node | null, locale: Locale) => Promise<Node | null>;
}

/** Fetches the node a global id names; `null` when it names nothing visible. Malformed ids throw `BAD_USER_INPUT`. */
export function loadNode(ctx: Context<NodeLoaders>, id: string): Promise<Node | null> {
  const { type, localId } = decodeGlobalId(id);
  return ctx.loaders.nodeByLocalId[type](localId);
}

const MAX_NODES = 100;

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global `id`. Null when the id names nothing (or nothing published).' })
  async node(
    @Arg('id', () => ID, { description: 'A global id, as returned in any `id` field.' }) id: string,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<NodeLoaders>,
  ): Promise<Node | null> {
    const node = await loadNode(ctx, id);
    return locale ? ctx.loaders.nodeInLocale(node, locale) : node;
  }

  @Query(() => [Node], { nullable: 'items', description: 'Several objects by global id, in the order asked; null where an id names nothing. At most 100.' })
  nodes(
    @Arg('ids', () => [ID], { description: 'Global ids, at most 100.' }) ids: string[],
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) locale: Locale | null,
    @Ctx() ctx: Context<NodeLoaders>,
  ): Promise<(Node | null)[]> {
    if (ids.length > MAX_NODES) {
      throw new BadUserInputError(`\`ids\` may hold at most ${MAX_NODES} ids, got ${ids.length}`, { argument: 'ids', max: MAX_NODES });
    }
    return Promise.all(ids.map(async (id) => (locale ? ctx.loaders.nodeInLocale(await loadNode(ctx, id), locale) : loadNode(ctx, id))));
  }
}
