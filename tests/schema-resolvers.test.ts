import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { isObjectType, type GraphQLError, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { createResolversMap } from 'type-graphql';
import { callResolversDirectly } from '../src/server/direct-resolvers';
import { buildGatewaySchemas, DIRECT_BUILD } from '../src/server/schema';
import { SocialPost } from '../src/social-posts/social-post.entity';

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

describe('field resolvers called directly', () => {
  let typeGraphQL: GraphQLSchema;
  let subgraph: GraphQLSchema;
  let direct: string[];
  before(async () => {
    ({ typeGraphQL, subgraph } = await buildGatewaySchemas());
    // The same selection as the build makes, on a map of TypeGraphQL's own resolvers.
    direct = callResolversDirectly(createResolversMap(typeGraphQL) as never, DIRECT_BUILD);
  });

  it('are the per-item fields that take only the parent, the context and the info: nations, campaign, countries, tags, locale', () => {
    for (const field of ['SocialPost.nations', 'DigestArticle.nations', 'SocialPost.campaign', 'CampaignStory.campaign', 'StabilisationProject.countries', 'SocialPost.tags', 'SocialPost.direction', 'StabilisationProject.nation']) {
      assert.ok(direct.includes(field), field);
    }
  });

  it('include root fields and nested lists with arguments, but never a field whose resolver has roles or middleware', () => {
    for (const field of ['Query.feed', 'Query.memberNation', 'Query.campaign', 'MemberNation.feed', 'MemberNation.stabilisationProjects', 'Campaign.stories', 'Campaign.posts']) {
      assert.ok(direct.includes(field), field);
    }
    const store = (globalThis as { TypeGraphQLMetadataStorage?: { fieldResolvers: { schemaName: string; roles?: unknown; middlewares?: unknown[] }[]; queries: { schemaName: string; roles?: unknown; middlewares?: unknown[] }[] } }).TypeGraphQLMetadataStorage!;
    const guarded = new Set([...store.fieldResolvers, ...store.queries].filter((r) => r.roles !== undefined || r.middlewares?.length).map((r) => r.schemaName));
    assert.ok(guarded.size > 0);
    for (const key of direct) assert.ok(!guarded.has(key.split('.')[1]), `${key} has roles or middleware`);
  });

  it('refuse an invalid argument of a field called directly as TypeGraphQL does, and never remember a refusal', async () => {
    const feed = (subgraph.getType('Query') as unknown as { getFields(): Record<string, { resolve: (root: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown }> }).getFields().feed.resolve;
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(async () => feed(undefined, { first: 5, filter: { nations: ['not a code'] } }, {}, {} as GraphQLResolveInfo), (error: GraphQLError) => {
        assert.equal(error.extensions?.code, 'BAD_USER_INPUT');
        return true;
      });
    }
  });

  it('answer as TypeGraphQL does for a parent that needs no conversion', () => {
    const direction = (subgraph.getType('SocialPost') as unknown as { getFields(): Record<string, { resolve: (root: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown }> }).getFields().direction.resolve;
    const info = {} as GraphQLResolveInfo;
    const arabic = Object.assign(Object.create(SocialPost.prototype) as SocialPost, { language: 'ar', servedLocale: undefined });
    assert.equal(direction(arabic, {}, {}, info), 'RTL');
    assert.equal(direction(Object.assign(Object.create(SocialPost.prototype) as SocialPost, { language: 'fr' }), {}, {}, info), 'LTR');
  });
});

