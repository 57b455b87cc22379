import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { expandPrefixes, PREFIX_EXPANSION_LIMIT, prefixesOf } from '../src/search/prefixes';
import { parseSearchQuery, toTsQuery, type SearchQuery } from '../src/search/query';
import { createCampaign } from '../src/store/catalogue';
import { indexContent } from '../src/store/search-index';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
import { CORPUS_CAMPAIGN, corpusInputs } from './fixtures/search-corpus';
import { DRIVERS, openedDatabase } from './helpers/drivers';

const parsed = (text: string): SearchQuery => {
  const query = parseSearchQuery(text);
  assert.ok(query, text);
  return query;
};

describe('prefix expansion: the tsquery', () => {
  it('names the words a prefix begins, and keeps :* where there are none or too many', () => {
    const query = parsed('hajin elec');
    assert.deepEqual(prefixesOf(query), ['elec']);
    assert.equal(toTsQuery(query), `'hajin' & 'elec':*`);
    assert.equal(toTsQuery(query, new Map([['elec', ['electricite', 'electrique']]])), `'hajin' & ('electricite' | 'electrique')`);
    assert.equal(toTsQuery(query, new Map([['elec', ['election']]])), `'hajin' & 'election'`);
    assert.equal(toTsQuery(query, new Map([['elec', []]])), `'hajin' & 'elec':*`, 'no word begins it: matches nothing either way');
    assert.equal(toTsQuery(query, new Map([['elec', null]])), `'hajin' & 'elec':*`, 'too many words: the index matches the prefix itself');
  });

  it('expands the last word of a phrase, and nothing in an exclusion or a query ended by a space', () => {
    assert.equal(toTsQuery(parsed('counter-mess'), new Map([['mess', ['messaging']]])), `('counter' <-> 'messaging')`);
    assert.deepEqual(prefixesOf(parsed('mosul -schoo')), [], 'an excluded word is a whole word');
    assert.deepEqual(prefixesOf(parsed('mosul schools ')), []);
  });
});

for (const driver of DRIVERS.filter((name) => name === 'postgres')) {
  describe(`prefix expansion: the index's words [${driver}]`, () => {
    const opened = openedDatabase(driver);
    const run = (db: DataSource) => async (sql: string, parameters: Record<string, unknown>) => {
      const [statement, values] = db.driver.escapeQueryWithParameters(sql, parameters);
      return (await db.query(statement, values)) as Record<string, unknown>[];
    };
    const expand = async (text: string) => (await expandPrefixes(parsed(text), run(opened.db))).get(text.split(' ').at(-1)!);
    const index = (id: string, title: string) =>
      write(opened.db, CLI_ACTOR, (session) => indexContent(session.manager, [], new Map([[id, { title, summary: 'A summary', body: null, extra: [] }]])));

    it('holds every word of the entries written, inserted or updated, and never loses one', async () => {
      const first = randomUUID();
      await index(first, 'Zyxalpha station reopens');
      assert.deepEqual(await expand('zyx'), ['zyxalpha']);
      // The same entry written again (INSERT … ON CONFLICT DO UPDATE) with a new word.
      await index(first, 'Zyxbeta station reopens');
      assert.deepEqual(await expand('zyx'), ['zyxalpha', 'zyxbeta'], 'the updated entry’s new word is there; the old one stays (it matches nothing now)');
      await index(randomUUID(), 'Zyxgamma and zyxbeta');
      assert.deepEqual(await expand('zyx'), ['zyxalpha', 'zyxbeta', 'zyxgamma']);
      assert.deepEqual(await expand('zyxb'), ['zyxbeta']);
      assert.deepEqual(await expand('qwv'), [], 'no word begins it');
    });

    it(`gives up above ${PREFIX_EXPANSION_LIMIT} words, and reads a prefix's % and _ as themselves`, async () => {
      const words = (count: number, head: string) => Array.from({ length: count }, (_, i) => `${head}${String(i).padStart(3, '0')}`);
      await opened.db.query(`INSERT INTO search_lexeme (word) SELECT unnest($1::text[])`, [[...words(PREFIX_EXPANSION_LIMIT, 'vvk'), ...words(PREFIX_EXPANSION_LIMIT + 1, 'wwk'), 'pc%t', 'pcxt', 'un_x', 'unyx']]);
      assert.equal((await expand('vvk'))?.length, PREFIX_EXPANSION_LIMIT);
      assert.equal(await expand('wwk'), null);
      // Typed queries never hold either (they are not letters), but the pattern must not depend on it.
      const literal: SearchQuery = { matchesNothing: false, clauses: [{ anyOf: [{ words: ['pc%'], prefix: true }] }, { anyOf: [{ words: ['un_'], prefix: true }] }], excluded: [] };
      assert.deepEqual(await expandPrefixes(literal, run(opened.db)), new Map([['pc%', ['pc%t']], ['un_', ['un_x']]]));
    });

    it('reads the index from the prefix on, never the whole table', async () => {
      const looked: { statement?: string; values?: unknown[] } = {};
      await expandPrefixes(parsed('hajin elec'), async (sql, parameters) => {
        [looked.statement, looked.values] = opened.db.driver.escapeQueryWithParameters(sql, parameters);
        return opened.db.query(looked.statement, looked.values);
      });
      const { statement, values } = looked;
      assert.ok(statement && values, 'the lookup ran');
      // The test table is small enough for a sequential scan to win: forbid it, to see what the index can do.
      const plan = await opened.db.transaction(async (manager) => {
        await manager.query(`SET LOCAL enable_seqscan = off`);
        return ((await manager.query(`EXPLAIN ${statement}`, values)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
      });
      assert.match(plan, /Index Cond: \(word >= /, plan);
    });

    it('adds the words of an entry whose vector changed, and reads none when only its status did', async () => {
      const id = randomUUID();
      await index(id, 'Qqstatus check');
      await opened.db.query(`DELETE FROM search_lexeme WHERE word = 'qqstatus'`);
      await opened.db.query(`UPDATE search_entry SET status = 'DRAFT' WHERE subject_id = $1`, [id]);
      assert.deepEqual(await expand('qqst'), [], 'an update that left the vector alone added nothing');
      await opened.db.query(`UPDATE search_entry SET document = to_tsvector('simple', 'qqstatus qqstored') WHERE subject_id = $1`, [id]);
      assert.deepEqual(await expand('qqst'), ['qqstatus', 'qqstored']);
    });

    it('never makes a writer wait for another that adds the same new word, nor deadlock with it', async () => {
      const entry = (word: string) => [`INSERT INTO search_entry (subject_type, subject_id, content_id, document) VALUES ('NATION', $1, NULL, to_tsvector('simple', $2))`, [randomUUID(), word]] as const;
      const first = opened.db.createQueryRunner();
      const second = opened.db.createQueryRunner();
      try {
        await first.startTransaction();
        await first.query(...entry('qqlockm'));
        await second.startTransaction();
        // A wait for the first transaction's new word would end in an error here rather than hang.
        await second.query(`SET LOCAL lock_timeout = '1s'`);
        await second.query(...entry('qqlocka qqlockm'));
        await first.query(...entry('qqlocka'));
        await second.commitTransaction();
        await first.commitTransaction();
      } finally {
        await first.release();
        await second.release();
      }
      assert.deepEqual(await expand('qqlock'), ['qqlocka', 'qqlockm'], 'each word once, though both writers added both');
    });
  });

  describe(`prefix expansion: the same matches as the prefix itself [${driver}]`, () => {
    const opened = openedDatabase(driver);
    before(async () => {
      await write(opened.db, CLI_ACTOR, async (session) => {
        await createCampaign(session, CORPUS_CAMPAIGN);
        await upsertContent(session, corpusInputs());
      });
    });

    const QUERIES = ['mosul sch', 'west mos', 'counter-mess', 'Tabqa OR Manb', 'raqqa -mine de', 'réouv', 'العر', 'الموص', 'sinj', 'm'];
    for (const text of QUERIES) {
      it(`"${text}"`, async () => {
        const query = parsed(text);
        const expansions = await expandPrefixes(query, async (sql, parameters) => {
          const [statement, values] = opened.db.driver.escapeQueryWithParameters(sql, parameters);
          return opened.db.query(statement, values);
        });
        const typed = toTsQuery(query)!;
        const expanded = toTsQuery(query, expansions)!;
        const ids = async (tsquery: string) =>
          ((await opened.db.query(`SELECT subject_id FROM search_entry WHERE document @@ to_tsquery('simple', $1) ORDER BY subject_id`, [tsquery])) as { subject_id: string }[]).map((row) => row.subject_id);
        const found = await ids(typed);
        assert.deepEqual(await ids(expanded), found, `${typed} against ${expanded}`);
        if (text !== 'm') assert.notEqual(typed, expanded, 'the prefix was expanded');
        if (text !== 'raqqa -mine de') assert.ok(found.length > 0, `${typed} finds something in the corpus`);
      });
    }
  });
}
