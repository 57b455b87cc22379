import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getIntrospectionQuery, graphql, type GraphQLSchema } from 'graphql';
import { buildGatewaySchemas } from '../src/server/schema';
import { postOperation, queryOfDepth, startConfiguredGateway, type ConfiguredGateway } from './helpers/http';
import { startMainProcess } from './helpers/main-process';
import type { GraphQLResponse } from './helpers/server';

/**
 * Introspection has a depth limit of its own (MAX_INTROSPECTION_DEPTH, 15),
 * counted from `__schema`/`__type`: deep enough for what real tools send, and no
 * deeper, so that a long `ofType` chain is refused before it runs. MAX_DEPTH
 * does not count introspection, and MAX_INTROSPECTION_DEPTH counts nothing else.
 */

/** What GraphiQL (through @graphiql/toolkit) sends. */
const GRAPHIQL = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
/** What Apollo's tools send (Rover's `graph introspect`, Apollo Sandbox). */
const APOLLO_TOOLS = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, typeDepth: 7 });
/** graphql-js with every boolean option on. */
const EVERY_OPTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

/** `__type` then `levels - 2` nested `ofType`, then `name`: an introspection query exactly `levels` deep. */
function ofTypeChain(levels: number): string {
  const chain = levels - 2;
  return `{ __type(name: "Query") { ${'ofType { '.repeat(chain)}name${' }'.repeat(chain)} } }`;
}

/**
 * Asserts a refusal by the introspection depth rule: HTTP 400 and exactly
 * `{ errors: [{ message, extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'introspection depth', value, limit } }] }`.
 */
function assertIntrospectionTooDeep(response: GraphQLResponse, value: number, limit: number): void {
  assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
  assert.deepEqual(response.body, {
    errors: [
      {
        message: `Query introspection depth is ${value}, above the limit of ${limit}`,
        extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'introspection depth', value, limit },
      },
    ],
  });
  assert.equal(response.extensions, undefined, 'a refused operation reports no cost');
}

describe('introspection depth', () => {
  /** The schema the gateway serves, to compute locally what each introspection query must answer. */
  let schema: GraphQLSchema;
  /** All defaults: MAX_DEPTH 15, MAX_INTROSPECTION_DEPTH 15. */
  let defaults: ConfiguredGateway;
  /** MAX_DEPTH 3 and MAX_INTROSPECTION_DEPTH 20. */
  let shallowDeepIntrospection: ConfiguredGateway;
  /** MAX_INTROSPECTION_DEPTH 3 (its minimum) and MAX_DEPTH at its default, 15. */
  let shallowIntrospection: ConfiguredGateway;

  before(async () => {
    ({ subgraph: schema } = await buildGatewaySchemas());
    defaults = await startConfiguredGateway({});
    shallowDeepIntrospection = await startConfiguredGateway({ MAX_DEPTH: '3', MAX_INTROSPECTION_DEPTH: '20' });
    shallowIntrospection = await startConfiguredGateway({ MAX_INTROSPECTION_DEPTH: '3' });
  });
  after(async () => {
    await defaults?.stop();
    await shallowDeepIntrospection?.stop();
    await shallowIntrospection?.stop();
  });

  /** Asserts that the gateway answers an introspection query with 200 and exactly what graphql-js computes for the schema, at cost 0. */
  async function assertAnswered(gw: ConfiguredGateway, query: string): Promise<void> {
    const response = await gw.post(query);
    assert.equal(response.status, 200, JSON.stringify(response.body.errors));
    const expected = await graphql({ schema, source: query });
    assert.equal(expected.errors, undefined);
    assert.deepEqual(response.body, { data: JSON.parse(JSON.stringify(expected.data)) });
    assert.equal(response.extensions?.cost?.cost, 0);
  }

  it('answers the introspection query of GraphiQL (15 levels deep) with the whole schema', async () => {
    await assertAnswered(defaults, GRAPHIQL);
  });

  it('answers the introspection query of Apollo’s tools (typeDepth 7, 13 levels deep) with the whole schema', async () => {
    await assertAnswered(defaults, APOLLO_TOOLS);
  });

  it('answers getIntrospectionQuery() with every boolean option on (15 levels deep) with the whole schema', async () => {
    await assertAnswered(defaults, EVERY_OPTION);
  });

  it('refuses getIntrospectionQuery({ typeDepth: 10 }), 16 levels deep, with 400 QUERY_TOO_COMPLEX introspection depth 16 of 15', async () => {
    assertIntrospectionTooDeep(await defaults.post(getIntrospectionQuery({ typeDepth: 10 })), 16, 15);
  });

  it('refuses a 500-level ofType chain with 400 QUERY_TOO_COMPLEX introspection depth 500 of 15, and keeps serving', async () => {
    assertIntrospectionTooDeep(await defaults.post(ofTypeChain(500)), 500, 15);
    await assertAnswered(defaults, GRAPHIQL);
  });

  it('counts ofType chains through aliases and fragments', async () => {
    const query = `{ s: __schema { queryType { ...Deep } } } fragment Deep on __Type { t: ofType { ... on __Type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } }`;
    // __schema, queryType, ofType, 12 more ofType, name.
    assertIntrospectionTooDeep(await defaults.post(query), 16, 15);
  });

  it(
    'refuses an introspection query whose fragments fan out three ways over 40 levels (3^40 paths, 2 KB) without walking every path',
    async (t) => {
      // In a child process: a walk of every path would block the event loop for ever, and this must then fail, not hang.
      const child = await startMainProcess({ NODE_ENV: 'test' });
      try {
        const fragments = Array.from({ length: 40 }, (_, i) => `fragment G${i} on __Type { ofType { ...G${i + 1} ...G${i + 1} } ...G${i + 1} }`);
        const query = `{ __type(name: "Query") { ...G0 } } ${fragments.join(' ')} fragment G40 on __Type { name }`;
        assert.ok(query.length < 4_000, `${query.length} characters`);
        const started = performance.now();
        const response = await postOperation(`${child.origin}/graphql`, { query }, {}, AbortSignal.timeout(60_000));
        t.diagnostic(`refused in ${Math.round(performance.now() - started)} ms`);
        // __type, 40 × ofType, name.
        assertIntrospectionTooDeep(response, 42, 15);
        const after = await postOperation(`${child.origin}/graphql`, { query: APOLLO_TOOLS }, {}, AbortSignal.timeout(60_000));
        assert.equal(after.status, 200);
        assert.equal(after.body.errors, undefined);
      } finally {
        await child.stop(1_000);
      }
    },
  );

  it('admits getIntrospectionQuery({ typeDepth: 14 }), 20 levels deep, with MAX_INTROSPECTION_DEPTH=20, and refuses typeDepth 15', async () => {
    await assertAnswered(shallowDeepIntrospection, getIntrospectionQuery({ typeDepth: 14 }));
    assertIntrospectionTooDeep(await shallowDeepIntrospection.post(getIntrospectionQuery({ typeDepth: 15 })), 21, 20);
  });

  it('does not apply MAX_DEPTH to introspection: with MAX_DEPTH=3, GraphiQL’s query answers, and a 4-deep ordinary query is refused', async () => {
    await assertAnswered(shallowDeepIntrospection, GRAPHIQL);
    const ordinary = await shallowDeepIntrospection.post(queryOfDepth(4));
    assert.equal(ordinary.status, 400);
    assert.deepEqual(ordinary.body, {
      errors: [{ message: 'Query depth is 4, above the limit of 3', extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: 4, limit: 3 } }],
    });
  });

  it('does not apply MAX_INTROSPECTION_DEPTH to other fields: with it at 3, an ordinary query 15 deep answers, and a 4-deep introspection query is refused', async () => {
    const ordinary = await shallowIntrospection.post(queryOfDepth(15));
    assert.equal(ordinary.status, 200);
    assert.equal(ordinary.body.errors, undefined, JSON.stringify(ordinary.body.errors));
    assert.equal(ordinary.body.data?.campaign?.stories?.edges?.[0]?.node?.campaign?.stories?.edges?.length, 1);
    await assertAnswered(shallowIntrospection, '{ __schema { queryType { name } } }');
    assertIntrospectionTooDeep(await shallowIntrospection.post('{ __schema { types { fields { name } } } }'), 4, 3);
  });

  it('measures each limit on its own part of a query that has both: introspection 4 deep and an ordinary field 15 deep', async () => {
    const both = queryOfDepth(15).replace(/^\{ /, '{ __schema { types { fields { name } } } ');
    assertIntrospectionTooDeep(await shallowIntrospection.post(both), 4, 3);
    const response = await postOperation(defaults.url, { query: both });
    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    assert.ok(response.body.data.__schema.types.length > 10);
  });
});
