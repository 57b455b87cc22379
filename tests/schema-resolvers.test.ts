import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { buildGatewaySchemas } from '../src/server/schema';

describe('resolvers of basic fields', () => {
  let subgraph: GraphQLSchema;
  let typeGraphQL: GraphQLSchema;
  before(async () => {
    ({ subgraph, typeGraphQL } = await buildGatewaySchemas());
  });

  it('are dropped for plain properties, so that the executors read them without TypeGraphQL’s per-field dispatch', () => {
    const fields = (subgraph.getType('SocialPost') as unknown as { getFields(): Record<string, { resolve?: unknown }> }).getFields();
    for (const name of ['title', 'summary', 'publishedAt', 'authorHandle', 'slug', 'status']) assert.equal(fields[name].resolve, undefined, name);
  });

  it('read the property behind a renamed field (`id` from `nodeId`)', () => {
    const id = (subgraph.getType('SocialPost') as unknown as { getFields(): Record<string, { resolve?: (root: unknown) => unknown }> }).getFields().id;
    assert.equal(id.resolve?.({ nodeId: 'U29jaWFsUG9zdDp4', id: 'x' }), 'U29jaWFsUG9zdDp4');
  });

  it('are kept for fields with a field resolver (declared on the type or on an interface it implements) and for fields with arguments', () => {
    for (const [type, field] of [
      ['SocialPost', 'nations'],
      ['DigestArticle', 'nations'],
      ['SocialPost', 'campaign'],
      ['SocialPost', 'body'],
      ['MemberNation', 'stabilisationProjects'],
      ['Webhook', 'enabled'],
    ]) {
      const resolve = (subgraph.getType(type) as unknown as { getFields(): Record<string, { resolve?: unknown }> }).getFields()[field].resolve;
      assert.equal(typeof resolve, 'function', `${type}.${field}`);
    }
    // No field with arguments lost its resolver, on any type.
    for (const type of Object.values(subgraph.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const before = typeGraphQL.getType(type.name);
      if (!isObjectType(before)) continue;
      for (const field of Object.values(type.getFields())) {
        const original = before.getFields()[field.name];
        if (original?.resolve && field.args.length > 0) assert.equal(typeof field.resolve, 'function', `${type.name}.${field.name}`);
      }
    }
  });
});
