import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { buildGatewaySchemas, printGatewaySchema } from '../src/server/schema';
import { IN_CI, POSTGRES_ENABLED } from './helpers/drivers';

const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

/** Types that federation or GraphQL itself adds; their docs are not ours to write. */
const FOREIGN = /^(__|_Service$|_Any$|_Entity$|link__|federation__|FieldSet$)/;

/** Every type, field, argument and enum value of our own that has no description. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (FOREIGN.test(type.name) || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name.startsWith('_')) continue;
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe('the schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema` after a change)', async () => {
    assert.equal(printGatewaySchema(await buildGatewaySchemas()), fs.readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('documents every type, field, argument and enum value of its own', async () => {
    const { subgraph } = await buildGatewaySchemas();
    assert.deepEqual(undocumented(subgraph), []);
  });

  it('names the contract’s types, enums and entry points', async () => {
    const { subgraph } = await buildGatewaySchemas();
    const query = subgraph.getQueryType()!.getFields();
    for (const field of ['node', 'feed', 'digestArticles', 'campaignStories', 'socialPosts', 'stabilisationProjects', 'memberNations', 'campaigns', 'memberNation', 'campaign', 'digestArticle', 'campaignStory', 'socialPost', 'stabilisationProject', '_entities', '_service', 'feedChanges', 'feedChangesHead', 'sources', 'ingestRuns', 'search', 'webhooks', 'webhookDeliveries']) {
      assert.ok(query[field], `Query.${field}`);
    }
    const contentType = subgraph.getType('ContentType');
    assert.ok(isEnumType(contentType));
    assert.deepEqual(contentType.getValues().map((v) => v.name), ['DIGEST_ARTICLE', 'CAMPAIGN_STORY', 'SOCIAL_POST', 'STABILISATION_PROJECT']);
    const phase = subgraph.getType('ProjectPhase');
    assert.ok(isEnumType(phase));
    assert.deepEqual(phase.getValues().map((v) => v.name), ['PLANNED', 'ONGOING', 'COMPLETED']);
    const content = subgraph.getType('Content');
    assert.ok(isInterfaceType(content));
    assert.deepEqual(Object.keys(content.getFields()), [
      'id', 'slug', 'title', 'summary', 'url', 'status', 'publishedAt', 'version', 'source', 'pendingRevision',
      'locale', 'language', 'direction', 'body', 'translations', 'translation', 'nations', 'countries', 'tags',
    ]);
    assert.equal(String(content.getFields().publishedAt.type), 'DateTime!');
    assert.equal(String(content.getFields().locale.type), 'Locale!');
    assert.equal(String(content.getFields().language.type), 'String!');
    assert.equal(String(content.getFields().direction.type), 'TextDirection!');
    assert.equal(String(content.getFields().translations.type), '[Locale!]!');
    assert.deepEqual(content.getFields().body.args.map((a) => `${a.name}: ${String(a.type)}`), ['format: BodyFormat!']);
    const locale = subgraph.getType('Locale');
    assert.ok(isEnumType(locale));
    assert.deepEqual(locale.getValues().map((v) => v.name), ['EN', 'AR', 'FR']);
    const direction = subgraph.getType('TextDirection');
    assert.ok(isEnumType(direction));
    assert.deepEqual(direction.getValues().map((v) => v.name), ['LTR', 'RTL']);
    const format = subgraph.getType('BodyFormat');
    assert.ok(isEnumType(format));
    assert.deepEqual(format.getValues().map((v) => v.name), ['HTML', 'TEXT', 'MARKDOWN']);
    assert.deepEqual(query.search.args.map((a) => `${a.name}: ${String(a.type)}`), ['query: String!', 'filter: FeedFilter', 'first: Int', 'after: String', 'locale: Locale']);
    assert.equal(String(query.search.type), 'SearchResultConnection!');
    const edge = subgraph.getType('SearchResultEdge');
    assert.ok(isObjectType(edge));
    assert.deepEqual(Object.keys(edge.getFields()), ['cursor', 'node', 'score', 'highlights']);
    for (const root of ['feed', 'digestArticles', 'memberNations', 'campaign', 'node', 'nodes', 'feedChanges', 'search']) {
      assert.ok(query[root].args.some((a) => a.name === 'locale' && String(a.type) === 'Locale'), `Query.${root}(locale:)`);
    }
    const subscription = subgraph.getSubscriptionType();
    assert.ok(subscription);
    assert.deepEqual(Object.keys(subscription.getFields()).sort(), ['contentChanges', 'contentPublished']);
    const source = subgraph.getType('Source');
    assert.ok(isObjectType(source));
    assert.equal(String(source.getFields().kind.type), 'SourceKind!');
    assert.equal(String(source.getFields().contentHash.type), 'String!');
    const change = subgraph.getType('ContentChange');
    assert.ok(isObjectType(change));
    assert.deepEqual(Object.keys(change.getFields()).sort(), ['at', 'cursor', 'id', 'item', 'kind', 'type']);
    const kind = subgraph.getType('ContentChangeKind');
    assert.ok(isEnumType(kind));
    assert.deepEqual(kind.getValues().map((v) => v.name), ['PUBLISHED', 'UPDATED', 'UNPUBLISHED', 'DELETED']);
    assert.equal(String(query.feedChanges.type), 'ContentChangeConnection!');
    assert.equal(String(query.feedChangesHead.type), 'String!');
  });
});

describe('the test run', () => {
  it('includes the PostgreSQL suite in CI', { skip: !IN_CI && 'not in CI' }, () => {
    assert.equal(POSTGRES_ENABLED, true, 'CI must set TEST_POSTGRES_URL so that every suite also runs on PostgreSQL');
  });
});
