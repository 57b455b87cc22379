import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { makeCampaigns, ItemGenerator } from '../src/demo/synthetic';
import { searchDocument, tsvectorOf, type SearchDocument } from '../src/search/document';
import { postgresVectorSql } from '../src/store/search-index';
import { CORPUS } from './fixtures/search-corpus';
import { NATION_HEADLINES } from './fixtures/nation-headlines';
import { POSTGRES_ENABLED } from './helpers/drivers';

/**
 * The synthetic loader writes the search index's vectors as literals built in
 * JavaScript (`tsvectorOf`); the gateway's writers have PostgreSQL make them
 * from the normalised text (`postgresVectorSql`). Both must be the same:
 * same lexemes, same positions, same weights, or a dataset would rank and
 * match differently from the items the gateway writes.
 */
const GENERATED = postgresVectorSql('$2', '$3', '$4');

/** Normalised texts at PostgreSQL's limits: positions, repeats, word lengths, empty fields. */
function edgeCases(): { name: string; document: SearchDocument }[] {
  const words = (count: number, word = (i: number) => `w${i % 97}`) => Array.from({ length: count }, (_, i) => word(i)).join(' ');
  return [
    { name: 'empty', document: { title: '', summary: '', body: '' } },
    { name: 'only a body', document: { title: '', summary: '', body: 'mosul school' } },
    { name: 'a word in every field', document: { title: 'mosul', summary: 'mosul mosul', body: 'in mosul' } },
    { name: 'a word 300 times in one field', document: { title: 'raqqa', summary: words(300, () => 'the'), body: 'the end' } },
    { name: 'a word 200 times in each field', document: { title: words(200, () => 'and'), summary: words(200, () => 'and'), body: words(200, () => 'and') } },
    { name: 'past the last position', document: { title: 'kobani', summary: words(9_000), body: words(12_000) } },
    { name: 'a body past the last position alone', document: { title: '', summary: '', body: words(20_000, (i) => `x${i}`) } },
    { name: 'words too long to index', document: { title: `a ${'b'.repeat(2_047)} c`, summary: `${'d'.repeat(2_048)} e ${'é'.repeat(1_024)}`, body: `${'ع'.repeat(1_023)} f ${'ع'.repeat(1_024)}` } },
    { name: 'digits, mixed words and scripts', document: { title: '2017 a1b2 1e5 x', summary: 'العراق والعراق مدرسه', body: 'réouverture 中文 ελληνικά ß' } },
  ];
}

describe('search vectors built in JavaScript [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  let client: Client;
  before(async () => {
    client = new Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await client.connect();
  });
  after(async () => {
    await client?.end();
  });

  /** The documents whose literal differs from what PostgreSQL generates, with both. */
  async function differences(documents: readonly { name: string; document: SearchDocument }[]): Promise<string[]> {
    const found: string[] = [];
    for (const { name, document } of documents) {
      const { rows } = await client.query(`SELECT CAST($1 AS tsvector) = (${GENERATED}) AS same, CAST($1 AS tsvector)::text AS ours, (${GENERATED})::text AS theirs`, [
        tsvectorOf(document),
        document.title,
        document.summary,
        document.body,
      ]);
      if (!rows[0].same) found.push(`${name}:\n  ours   ${String(rows[0].ours).slice(0, 300)}\n  theirs ${String(rows[0].theirs).slice(0, 300)}`);
    }
    return found;
  }

  it('equal PostgreSQL’s for every item of the relevance corpus and every headline of the nations set', async () => {
    const documents = [
      ...CORPUS.map((item) => ({ name: item.slug, document: searchDocument([{ title: item.title, summary: item.summary, body: item.body, extra: [item.place] }]) })),
      ...NATION_HEADLINES.map((headline, i) => ({ name: `headline ${i}`, document: searchDocument([{ title: headline.text, summary: headline.text }]) })),
    ];
    assert.ok(documents.length > 300);
    assert.deepEqual(await differences(documents), []);
  });

  it('equal PostgreSQL’s for synthetic items in the three languages, with bodies', async () => {
    const generator = new ItemGenerator(7, 300, makeCampaigns(7));
    const documents = Array.from({ length: 300 }, (_, i) => {
      const item = generator.next();
      return { name: `synthetic ${i} (${item.language})`, document: searchDocument([{ title: item.title, summary: item.summary, body: item.body, extra: [item.place, item.text] }]) };
    });
    assert.ok(documents.some((entry) => entry.document.body.length > 500));
    assert.deepEqual(await differences(documents), []);
  });

  it('equal PostgreSQL’s at its limits: 255 positions a text, 256 a lexeme, position 16,383, words too long to index', async () => {
    assert.deepEqual(await differences(edgeCases()), []);
    // The limits are reached, so the cases test them.
    const { rows } = await client.query(`SELECT max(p) AS last FROM unnest(CAST($1 AS tsvector)) AS u, unnest(u.positions) AS p`, [tsvectorOf(edgeCases()[5].document)]);
    assert.equal(rows[0].last, 16_383);
  });
});
