import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphql, type GraphQLSchema } from 'graphql';
import { Authorized, buildSchema, Ctx, createResolversMap, Field, FieldResolver, InterfaceType, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { callFieldResolversDirectly } from '../src/server/direct-resolvers';

/**
 * A schema of its own (this file runs in its own process, so its classes do not
 * reach the gateway's): an interface whose field resolver a type overrides with
 * a guarded field of its own, and a resolver for a class that is not an
 * instance yet.
 */
@InterfaceType()
abstract class Item {
  @Field()
  title!: string;
}

@ObjectType({ implements: Item })
class Secret extends Item {
  @Authorized('ADMIN')
  @Field()
  language!: string;
}

@ObjectType({ implements: Item })
class Open extends Item {}

@Resolver(() => Item)
class ItemResolver {
  @FieldResolver(() => String)
  language(@Root() item: Item, @Ctx() ctx: { calls: string[] }): string {
    ctx.calls.push(item instanceof Item ? 'instance' : 'plain');
    return `interface language of ${item.title}`;
  }
}

/** Hands out parents that are not instances of their class, as a loader's raw row might be. */
@Resolver()
class Queries {
  @Query(() => Secret)
  secret(): Secret {
    return Object.assign(new Secret(), { title: 's', language: 'the real one' });
  }

  @Query(() => Open)
  open(): Open {
    return Object.assign(new Open(), { title: 'o' });
  }

  @Query(() => Open)
  plain(): Open {
    return { title: 'p' } as Open;
  }
}

async function build(): Promise<{ schema: GraphQLSchema; direct: string[] }> {
  const schema = await buildSchema({ resolvers: [ItemResolver, Queries], authChecker: () => false, authMode: 'error', validate: false });
  const map = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  const direct = callFieldResolversDirectly(map as never, { resolvers: [ItemResolver, Queries] });
  // Serve what the map now holds, as buildSubgraphSchema would.
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName) as unknown as { getFields?: () => Record<string, { resolve?: unknown }> };
    for (const [name, field] of Object.entries(type.getFields?.() ?? {})) if (name in fields) field.resolve = fields[name];
  }
  return { schema, direct };
}

describe('field resolvers called directly, on a schema of their own', () => {
  it('leave a type’s own guarded field that overrides its interface’s field resolver to TypeGraphQL', async () => {
    const { schema, direct } = await build();
    assert.ok(direct.includes('Open.language'));
    assert.ok(!direct.includes('Secret.language'));
    const calls: string[] = [];
    const secret = await graphql({ schema, source: '{ secret { title language } }', contextValue: { calls } });
    assert.equal(secret.errors?.[0]?.extensions?.code, 'UNAUTHORIZED');
    assert.equal(secret.data, null);
  });

  it('call the method for an instance, and hand a parent that is not one to TypeGraphQL, which converts it first', async () => {
    const { schema } = await build();
    const calls: string[] = [];
    const open = await graphql({ schema, source: '{ open { language } plain { language } }', contextValue: { calls } });
    assert.equal(open.errors, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(open.data)), { open: { language: 'interface language of o' }, plain: { language: 'interface language of p' } });
    // Both calls saw an instance of Item: the plain parent went through TypeGraphQL's conversion.
    assert.deepEqual(calls, ['instance', 'instance']);
  });

  it('change nothing when the schema has global middleware or a container of its own', async () => {
    const schema = await buildSchema({ resolvers: [ItemResolver, Queries], authChecker: () => false, validate: false });
    const map = createResolversMap(schema);
    assert.deepEqual(callFieldResolversDirectly(map as never, { resolvers: [ItemResolver, Queries], globalMiddlewares: [() => undefined] }), []);
    assert.deepEqual(callFieldResolversDirectly(map as never, { resolvers: [ItemResolver, Queries], container: {} }), []);
  });
});
