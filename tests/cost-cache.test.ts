import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse, type GraphQLSchema } from 'graphql';
import { cachedCosts, costOf } from '../src/protection/limits';
import { buildGatewaySchemas } from '../src/server/schema';

/**
 * The cost of each document and variables is cached (both paths ask for it on
 * every request), and a client choosing its variables must not be able to
 * grow that cache: it is bounded in entries across all documents, and
 * variables past a length are costed without being cached.
 */
describe('the cost cache', () => {
  let schema: GraphQLSchema;
  const document = parse('query ($n: Int!) { feed(first: $n) { edges { node { id } } } }'); // 1 + 2n

  before(async () => {
    ({ subgraph: schema } = await buildGatewaySchemas());
  });

  it('costs each variable set as the calculator does, cached or not', () => {
    assert.equal(costOf(schema, document, null, { n: 10 }), 21);
    assert.equal(costOf(schema, document, null, { n: 10 }), 21);
    assert.equal(costOf(schema, document, null, { n: 40 }), 81);
    assert.equal(costOf(schema, document, null, { n: 'ten' }), null, 'variables that do not fit');
  });

  it('does not cache the cost of long variables, and costs them right', () => {
    const before = cachedCosts(); // below the bound: a cost cached would show
    const pad = 'x'.repeat(2_000);
    for (let i = 0; i < 20; i++) assert.equal(costOf(schema, document, null, { n: 30, pad: `${pad}${i}` }), 61);
    assert.equal(cachedCosts(), before);
  });

  it('keeps at most 10,000 costs, however many variable sets clients send', () => {
    for (let i = 0; i < 10_500; i++) assert.equal(costOf(schema, document, null, { n: 5, pad: i }), 11);
    assert.ok(cachedCosts() <= 10_000, `${cachedCosts()} costs cached`);
    assert.ok(cachedCosts() >= 9_000, 'recent ones are kept');
    // Entries dropped are costed again, the same.
    assert.equal(costOf(schema, document, null, { n: 5, pad: 0 }), 11);
  });
});
