import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphql, type GraphQLSchema } from 'graphql';
import { Arg, Args, ArgsType, Authorized, buildSchema, Ctx, createResolversMap, Field, FieldResolver, InputType, Int, InterfaceType, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { callResolversDirectly, type DirectBuildOptions } from '../src/server/direct-resolvers';

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

@InputType()
class Range {
  @Field(() => Int)
  to!: number;
}

@ArgsType()
class Paging {
  @Field(() => Int, { nullable: true })
  first?: number;
}

/** Root fields with arguments: an input object, paging arguments, and one whose parameter brings validation settings of its own. */
@Resolver()
class Ranges {
  @Query(() => String)
  range(@Arg('range', () => Range) range: Range, @Args() paging: Paging, @Ctx() ctx: { calls: string[] }): string {
    ctx.calls.push(range instanceof Range && paging instanceof Paging ? 'instances' : 'plain');
    return `${range.to}/${paging.first ?? '-'}`;
  }

  @Query(() => String)
  unchecked(@Arg('range', () => Range, { validate: false }) range: Range): string {
    return String(range.to);
  }
}

/**
 * The build's validation: refuses a range past 10, and records each call; it is
 * known to pass (without being called) only for ranges up to 5.
 */
const validations: unknown[] = [];
const validation: Pick<DirectBuildOptions, 'validateFn' | 'knownValid'> = {
  validateFn: async (value: unknown) => {
    validations.push(value);
    if (value instanceof Range && value.to > 10) throw new Error(`range ${value.to} is past 10`);
  },
  knownValid: (value) => !(value instanceof Range) || value.to <= 5,
};

async function build(): Promise<{ schema: GraphQLSchema; direct: string[] }> {
  const resolvers = [ItemResolver, Queries, Ranges] as const;
  const schema = await buildSchema({ resolvers, authChecker: () => false, authMode: 'error', validateFn: validation.validateFn as never });
  const map = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  const direct = callResolversDirectly(map as never, { resolvers, ...validation });
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

  it('call root fields with arguments directly, converted to their classes, when the build’s validation is known to pass them', async () => {
    const { schema, direct } = await build();
    assert.ok(direct.includes('Query.range'));
    // A parameter with validation settings of its own is left to TypeGraphQL.
    assert.ok(!direct.includes('Query.unchecked'));
    validations.length = 0;
    const calls: string[] = [];
    const known = await graphql({ schema, source: '{ range(range: { to: 3 }, first: 2) }', contextValue: { calls } });
    assert.deepEqual(JSON.parse(JSON.stringify(known)), { data: { range: '3/2' } });
    assert.deepEqual(calls, ['instances']);
    assert.deepEqual(validations, [], 'a value known to pass is not validated again');
  });

  it('hand a call whose arguments are not known to pass to TypeGraphQL, which validates it and refuses it if it must', async () => {
    const { schema } = await build();
    validations.length = 0;
    const calls: string[] = [];
    const checked = await graphql({ schema, source: '{ range(range: { to: 8 }) }', contextValue: { calls } });
    assert.deepEqual(JSON.parse(JSON.stringify(checked)), { data: { range: '8/-' } });
    assert.equal(validations.length, 2, 'TypeGraphQL validated both parameters');
    const refused = await graphql({ schema, source: '{ range(range: { to: 12 }) }', contextValue: { calls } });
    assert.equal(refused.data, null);
    assert.match(String(refused.errors?.[0]?.message), /range 12 is past 10/);
    assert.deepEqual(calls, ['instances']);
  });

  it('leave fields with arguments to TypeGraphQL when it runs class-validator itself, or when nothing says which values pass', async () => {
    const schema = await buildSchema({ resolvers: [Ranges], authChecker: () => false, validate: false });
    const map = createResolversMap(schema);
    assert.ok(!callResolversDirectly(map as never, { resolvers: [Ranges], validate: true }).includes('Query.range'));
    assert.ok(!callResolversDirectly(map as never, { resolvers: [Ranges], validateFn: validation.validateFn }).includes('Query.range'));
  });

  it('change nothing when the schema has global middleware or a container of its own', async () => {
    const schema = await buildSchema({ resolvers: [ItemResolver, Queries], authChecker: () => false, validate: false });
    const map = createResolversMap(schema);
    assert.deepEqual(callResolversDirectly(map as never, { resolvers: [ItemResolver, Queries], globalMiddlewares: [() => undefined] }), []);
    assert.deepEqual(callResolversDirectly(map as never, { resolvers: [ItemResolver, Queries], container: {} }), []);
  });
});
