import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { buildGatewaySchemas } from '../src/server/schema';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

/** The example operations the playground offers: schema/operations/*.graphql (this file runs from dist/tests/). */
const OPERATIONS_DIR = path.resolve(__dirname, '../../schema/operations');

/** The user groups of DESIGN.md; each example's `# For:` line names one. */
const AUDIENCES = ['frontend teams', 'partner organisations', 'developers'];

interface Example {
  readonly file: string;
  readonly source: string;
  /** The leading `#` comment, one entry a line, without the `# `. */
  readonly comment: string[];
  readonly operations: OperationDefinitionNode[];
}

const EXAMPLES: Example[] = fs
  .readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .map((file) => {
    const source = fs.readFileSync(path.join(OPERATIONS_DIR, file), 'utf8');
    const comment: string[] = [];
    for (const line of source.split('\n')) {
      if (!line.startsWith('#')) break;
      comment.push(line.replace(/^# ?/, ''));
    }
    const operations = parse(source).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return { file, source, comment, operations };
  });

function example(name: string): Example {
  const found = EXAMPLES.find((e) => e.operations[0]?.name?.value === name);
  assert.ok(found, `no example operation named ${name}`);
  return found;
}

/** `HomePage` → `home-page.graphql`. */
function fileNameOf(operationName: string): string {
  return `${operationName.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase()}.graphql`;
}

/** How many lists in a response have at least one item: "returns data" means some do. */
function nonEmptyLists(value: unknown): number {
  if (Array.isArray(value)) return (value.length > 0 ? 1 : 0) + value.reduce((n: number, v) => n + nonEmptyLists(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + nonEmptyLists(v), 0);
  return 0;
}

describe('the example operations in schema/operations/', () => {
  let schema: GraphQLSchema;
  before(async () => {
    schema = (await buildGatewaySchemas()).subgraph;
  });

  it('include the pages and patterns each user group needs', () => {
    assert.deepEqual(EXAMPLES.map((e) => e.operations[0]?.name?.value), [
      'ArabicCampaignPage',
      'ArticlePage',
      'CampaignPage',
      'FeedNextPage',
      'FeedPreviousPage',
      'HomePage',
      'NationPage',
      'NodeLookup',
      'PartnerChanges',
      'PartnerFeed',
      'SearchResults',
    ]);
  });

  for (const { file, comment, operations } of EXAMPLES) {
    it(`${file}: opens with a title, a "For:" line naming a user group, and a description`, () => {
      const [title, forLine, blank, ...description] = comment;
      assert.match(title ?? '', /^[A-Z]\S*( \S+)*$/, 'the first comment line is a title');
      assert.match(forLine ?? '', new RegExp(`^For: (${AUDIENCES.join('|')})$`), 'the second names who it is for');
      assert.equal(blank, '', 'a blank comment line separates the header from the description');
      assert.ok(description.join(' ').length >= 60, 'the description says what the operation is for and how to use it');
    });

    it(`${file}: holds one query, named after the file`, () => {
      assert.equal(operations.length, 1);
      assert.equal(operations[0].operation, 'query');
      assert.ok(operations[0].name, 'the operation has a name');
      assert.equal(fileNameOf(operations[0].name.value), file);
    });

    it(`${file}: is valid against the schema`, () => {
      const source = fs.readFileSync(path.join(OPERATIONS_DIR, file), 'utf8');
      assert.deepEqual(validate(schema, parse(source)).map((e) => e.message), []);
    });
  }

  it('cover every user group', () => {
    const audiences = new Set(EXAMPLES.map((e) => e.comment[1]?.replace(/^For: /, '')));
    assert.deepEqual([...audiences].sort(), [...AUDIENCES].sort());
  });
});

for (const driver of DRIVERS) {
  describe(`the example operations over the demo content [${driver}]`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(driver);
    });
    after(() => gw.stop());

    for (const { file, source, operations } of EXAMPLES) {
      it(`${file} returns data and no errors with its default variables`, async () => {
        const { status, body } = await gw.post(source);
        assert.equal(status, 200);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const rootFields = operations[0].selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? (s.alias ?? s.name).value : ''));
        assert.deepEqual(Object.keys(body.data ?? {}), rootFields);
        for (const field of rootFields) assert.notEqual(body.data[field], null, `${field} is null`);
        if (!('node' in body.data)) assert.ok(nonEmptyLists(body.data) > 0, 'some list in the response has items');
      });
    }

    it('NodeLookup fetches a demo digest article by its id, the same on every install', async () => {
      const { body } = await gw.post(example('NodeLookup').source);
      assert.equal(body.errors, undefined);
      assert.deepEqual(body.data, {
        node: {
          __typename: 'DigestArticle',
          id: 'RGlnZXN0QXJ0aWNsZTo3NGYxYTZlNi1iYmI1LTVhZWYtOGY4NC1kYTExMjExYWE0ZWU',
          title: 'Women and children expected to ‘break out’ from al-Hawl camp',
          publishedAt: '2019-10-09T16:30:00.000Z',
          nations: [
            { code: 'TUR', name: 'Turkey' },
            { code: 'USA', name: 'United States' },
          ],
          outlet: 'The Guardian',
          originalUrl: null,
        },
      });
    });

    it('FeedNextPage and FeedPreviousPage page through the feed as their comments say', async () => {
      const ids = (page: any): string[] => page.feed.edges.map((e: any) => e.node.id);
      const whole = await gw.post('{ feed(first: 10) { edges { node { id } } } }');
      const next = example('FeedNextPage').source;
      const first = await gw.post(next, { after: null });
      const second = await gw.post(next, { after: first.body.data.feed.pageInfo.endCursor });
      assert.deepEqual([...ids(first.body.data), ...ids(second.body.data)], ids(whole.body.data));
      assert.equal(second.body.data.feed.pageInfo.hasPreviousPage, true);

      const back = await gw.post(example('FeedPreviousPage').source, { before: second.body.data.feed.pageInfo.startCursor });
      assert.equal(back.body.errors, undefined);
      assert.deepEqual(back.body.data, first.body.data);

      const oldest = await gw.post(example('FeedPreviousPage').source, { before: null });
      assert.equal(oldest.body.data.feed.pageInfo.hasNextPage, false);
      assert.equal(oldest.body.data.feed.pageInfo.hasPreviousPage, true);
    });

    it('ArabicCampaignPage serves the stories translated into Arabic right to left, and the others as written', async () => {
      const { body } = await gw.post(example('ArabicCampaignPage').source);
      const stories = body.data.campaign.stories.edges.map((e: any) => e.node);
      const arabic = stories.filter((s: any) => s.locale === 'AR');
      assert.ok(arabic.length >= 2, 'the demo content has Arabic versions of some stories');
      for (const story of stories) {
        assert.equal(story.language, 'en');
        assert.equal(story.direction, story.locale === 'AR' ? 'RTL' : 'LTR');
        assert.equal(story.translations.includes('AR'), story.locale === 'AR');
        if (story.locale === 'AR') assert.match(story.title, /[\u0600-\u06FF]/);
      }
      const raqqa = stories.find((s: any) => s.slug === 'what-teaching-means-to-educators-in-raqqa');
      assert.equal(raqqa.title, 'ماذا يعني التعليم للمعلمين في الرقة');
      assert.match(raqqa.body, /^<p>بمناسبة اليوم العالمي للمعلمين/);
    });

    it('SearchResults finds the West Mosul items as people type, with plain-text highlights', async () => {
      const { body } = await gw.post(example('SearchResults').source, { query: 'west mosul scho' });
      const titles = body.data.search.edges.map((e: any) => e.node.title);
      assert.deepEqual(titles.slice(0, 2).sort(), ['#ThisGenerationLearns – the people getting students back to school in West Mosul', 'Back-to-school efforts in West Mosul']);
      for (const edge of body.data.search.edges.slice(0, 2)) {
        const title = edge.highlights.find((h: any) => h.field === 'title');
        const words = title.ranges.map((r: any) => title.text.slice(r.start, r.start + r.length).toLowerCase());
        assert.deepEqual([...new Set(words)].sort(), ['mosul', 'school', 'west']);
      }
      const arabic = await gw.post(example('SearchResults').source, { query: 'الموصل', locale: 'AR' });
      assert.equal(arabic.body.data.search.edges[0].node.locale, 'AR');
      assert.match(arabic.body.data.search.edges[0].node.title, /غرب الموصل/);
    });

    it('PartnerFeed returns only stories and projects about Syria or Iraq, newest first', async () => {
      const { body } = await gw.post(example('PartnerFeed').source);
      const nodes = body.data.feed.edges.map((e: any) => e.node);
      assert.ok(nodes.length > 0);
      for (const node of nodes) {
        assert.ok(['CampaignStory', 'StabilisationProject'].includes(node.__typename), node.__typename);
        assert.ok(node.countries.includes('SYR') || node.countries.includes('IRQ'), node.countries.join());
      }
      const times = nodes.map((n: any) => n.publishedAt);
      assert.deepEqual(times, [...times].sort().reverse());
    });
  });
}
