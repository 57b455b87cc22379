import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { expandPrefixes, PREFIX_EXPANSION_LIMIT, prefixesOf } from '../src/search/prefixes';
import { parseSearchQuery, toTsQuery, type SearchQuery } from '../src/search/query';
import { indexContent } from '../src/store/search-index';
import { CLI_ACTOR, write } from '../src/store/session';
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
  });
}
