import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { FTS5_TOKENIZER, normaliseForSearch, TEXT_SEARCH_CONFIG } from '../src/search/normalise';
import { parseSearchQuery, toFts5Match, toTsQuery } from '../src/search/query';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;

/** The search the gateway runs on PostgreSQL, on the GIN-indexed expression. */
const PG_SEARCH = `SELECT id FROM docs WHERE to_tsvector('${TEXT_SEARCH_CONFIG}', normalised) @@ to_tsquery('${TEXT_SEARCH_CONFIG}', $1)`;

/** The parts of better-sqlite3 this file uses (the package ships no type declarations). */
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { all(...params: unknown[]): Record<string, unknown>[]; run(...params: unknown[]): unknown };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (file: string) => SqliteDatabase;

/** Short documents in the three languages of the Coalition's publications. */
const DOCUMENTS: Record<number, string> = {
  1: 'Mosul schools reopen',
  2: 'Réouverture des écoles à Mossoul',
  3: 'إعادة فتح المدارس في الموصل',
  4: 'والعراق يستعيد أمنه',
  5: 'الأمن في العراق',
  6: 'دعم للنازحين بالعراق',
  7: 'A school in Raqqa reopened',
  8: 'Coalition cities rebuild after Daesh',
  9: 'The city of Mosul welcomes returning families',
  10: 'Demining teams cleared mines near Sinjar',
  11: 'A new mine action programme in Anbar',
  12: 'News from the Coalition: Daesh financing disrupted',
  13: 'Les réfugiés rentrent à Mossoul',
  14: 'Un réfugié témoigne',
  15: 'Stabilisation projects in Raqqa and Mosul',
  16: 'Anti-Daesh coalition meets in Rome',
  17: 'Minister says Daesh is defeated',
  18: 'Ministerial meeting of the Global Coalition',
  19: 'التحالف الدولي ضد داعش',
  20: 'وزير الخارجية يلتقي التحالف',
  21: 'Electricity restored in Fallujah',
  22: 'Boxes of school supplies delivered',
  23: 'Box of medical supplies for Raqqa hospitals',
  24: 'مستشفى الموصل يعيد فتح أبوابه',
  25: "Reouverture de l'hôpital de Mossoul",
  26: 'Des écoles rouvrent à Raqqa',
  27: 'مدرسة جديدة في الرقة',
  28: 'Gas prices and bus services in Erbil',
  29: 'Status update: analysis of Daesh propaganda',
  30: '٣٠٠٠ طفل عادوا إلى المدارس',
  31: '3000 children back at school in Mosul',
};

/** Queries as typed, and the documents each must find. */
const QUERIES: readonly (readonly [query: string, expected: readonly number[]])[] = [
  ['mosul', [1, 9, 15, 31]],
  ['schools', [1, 7, 22, 31]],
  ['school', [1, 7, 22, 31]],
  ['réouverture', [2, 25]],
  ['reouverture', [2, 25]],
  ['écoles', [2, 26]],
  ['العراق', [4, 5, 6]],
  ['والعراق', [4, 5, 6]],
  ['"mosul schools"', [1]],
  ['mosul OR raqqa', [1, 7, 9, 15, 23, 26, 31]],
  ['raqqa -school', [15, 23, 26]],
  ['daesh -"anti daesh"', [8, 12, 17, 29]],
  ['mosul OR raqqa -"mosul schools"', [7, 9, 15, 23, 26, 31]],
  ['minis', [17, 18]],
  ['coalition meet', [16, 18]],
  ['cities', [8, 9]],
  ['city', [8, 9]],
  ['mines', [10, 11]],
  ['news ', [12]],
  ['boxes', [22, 23]],
  ['المدارس', [3, 30]],
  ['3000', [30, 31]],
  ['الع', [4, 5, 6, 30]],
  ['gas bus ', [28]],
  ['status analysis', [29]],
  ['réfugiés', [13, 14]],
  ['"global coalition" OR التحالف', [18, 19, 20]],
  ['"school supp', [22]],
  ['hôpital', [25]],
  ['مستشفى', [24]],
  ['وزير', [20]],
  ['الوزير', [20]],
  ['NEAR(mosul schools)', []],
  ['title:mosul', []],
  ['-daesh', []],
];

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

/** Each document's distinct tokens as the normaliser produced them. */
function expectedTokens(): Map<number, string[]> {
  const tokens = new Map<number, string[]>();
  for (const [id, text] of Object.entries(DOCUMENTS)) tokens.set(Number(id), [...new Set(normaliseForSearch(text).split(' '))].sort());
  return tokens;
}

/**
 * Single characters of the blocks this gateway's languages and their
 * typography use (Latin, Greek, Cyrillic, Arabic and its presentation forms,
 * general punctuation and symbols), each between two letters, normalised: the
 * tokens each engine indexes must be the normaliser's, character by character.
 */
function characterSamples(): string[] {
  const ranges: [number, number][] = [
    [0x20, 0x24f],
    [0x370, 0x52f],
    [0x600, 0x6ff],
    [0x750, 0x77f],
    [0x8a0, 0x8ff],
    [0x1e00, 0x1fff],
    [0x2000, 0x2bff],
    [0xfb00, 0xfdff],
    [0xfe70, 0xfeff],
    [0xff00, 0xffef],
  ];
  const samples = new Set<string>();
  for (const [from, to] of ranges) {
    for (let code = from; code <= to; code++) {
      const normalised = normaliseForSearch(`a${String.fromCodePoint(code)}b ${String.fromCodePoint(code)}9`);
      if (normalised !== '') samples.add(normalised);
    }
  }
  // Letters and digits mixed, which PostgreSQL's parser reads as numbers in places.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = 'ae1x0923عبжé';
  for (let n = 0; n < 3000; n++) {
    let word = '';
    for (let k = 1 + Math.floor(random() * 10); k > 0; k--) word += alphabet[Math.floor(random() * alphabet.length)];
    samples.add(normaliseForSearch(word));
  }
  return [...samples];
}

describe('search engines: SQLite FTS5', () => {
  let db: SqliteDatabase;
  before(() => {
    db = new Sqlite(':memory:');
    db.exec(`CREATE VIRTUAL TABLE docs USING fts5(normalised, tokenize = '${FTS5_TOKENIZER}')`);
    db.exec(`CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs, 'instance')`);
    const insert = db.prepare('INSERT INTO docs (rowid, normalised) VALUES (?, ?)');
    for (const [id, text] of Object.entries(DOCUMENTS)) insert.run(Number(id), normaliseForSearch(text));
  });
  after(() => db?.close());

  it('indexes exactly the tokens the normaliser produced', () => {
    const indexed = new Map<number, Set<string>>();
    for (const row of db.prepare('SELECT doc, term FROM docs_vocab').all()) {
      const id = Number(row.doc);
      if (!indexed.has(id)) indexed.set(id, new Set());
      indexed.get(id)!.add(String(row.term));
    }
    for (const [id, tokens] of expectedTokens()) assert.deepEqual([...(indexed.get(id) ?? [])].sort(), tokens, String(id));
  });

  it('tokenises every character sample as the normaliser did', () => {
    const sample = new Sqlite(':memory:');
    try {
      sample.exec(`CREATE VIRTUAL TABLE s USING fts5(t, tokenize = '${FTS5_TOKENIZER}')`);
      sample.exec(`CREATE VIRTUAL TABLE s_vocab USING fts5vocab(s, 'instance')`);
      const samples = characterSamples();
      const insert = sample.prepare('INSERT INTO s (rowid, t) VALUES (?, ?)');
      samples.forEach((text, index) => insert.run(index + 1, text));
      const indexed = new Map<number, string[]>();
      for (const row of sample.prepare('SELECT doc, term FROM s_vocab ORDER BY doc, offset').all()) {
        const id = Number(row.doc);
        if (!indexed.has(id)) indexed.set(id, []);
        indexed.get(id)!.push(String(row.term));
      }
      samples.forEach((text, index) => assert.deepEqual(indexed.get(index + 1)?.join(' '), text, JSON.stringify(text)));
    } finally {
      sample.close();
    }
  });

  for (const [query, expected] of QUERIES) {
    it(`finds ${JSON.stringify(expected)} for ${JSON.stringify(query)}`, () => {
      const parsed = parseSearchQuery(query);
      const match = parsed === null ? null : toFts5Match(parsed);
      const found = match === null ? [] : db.prepare('SELECT rowid AS id FROM docs WHERE docs MATCH ?').all(match).map((row) => Number(row.id));
      assert.deepEqual(sorted(found), [...expected], String(match));
    });
  }
});

describe('search engines: PostgreSQL [postgres]', { skip: !POSTGRES_URL && 'set TEST_POSTGRES_URL' }, () => {
  const schema = `cg_search_${randomBytes(6).toString('hex')}`;
  let client: Client;
  before(async () => {
    client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`CREATE TABLE docs (id integer PRIMARY KEY, normalised text NOT NULL)`);
    await client.query(`CREATE INDEX docs_search ON docs USING gin (to_tsvector('${TEXT_SEARCH_CONFIG}', normalised))`);
    for (const [id, text] of Object.entries(DOCUMENTS)) {
      await client.query('INSERT INTO docs (id, normalised) VALUES ($1, $2)', [Number(id), normaliseForSearch(text)]);
    }
    await client.query('ANALYZE docs');
  });
  after(async () => {
    if (!client) return;
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  });

  it('indexes exactly the tokens the normaliser produced', async () => {
    const { rows } = await client.query(`SELECT id, tsvector_to_array(to_tsvector('${TEXT_SEARCH_CONFIG}', normalised)) AS lexemes FROM docs`);
    const indexed = new Map<number, string[]>(rows.map((row) => [Number(row.id), [...(row.lexemes as string[])].sort()]));
    for (const [id, tokens] of expectedTokens()) assert.deepEqual(indexed.get(id), tokens, String(id));
  });

  it('tokenises every character sample as the normaliser did', async () => {
    const samples = characterSamples();
    // Lexemes back in the order of their positions, to compare with the normalised text.
    const { rows } = await client.query(
      `SELECT i, (SELECT string_agg(lexeme, ' ' ORDER BY position)
                    FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(to_tsvector('${TEXT_SEARCH_CONFIG}', t))) AS p) AS tokens
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)`,
      [samples],
    );
    for (const row of rows) assert.equal(row.tokens, samples[Number(row.i) - 1], JSON.stringify(samples[Number(row.i) - 1]));
  });

  it('answers a search with the GIN index', async () => {
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${PG_SEARCH}`, [toTsQuery(parseSearchQuery('mosul schools')!)]);
      assert.match(rows.map((row) => row['QUERY PLAN']).join('\n'), /Bitmap Index Scan on docs_search/);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  for (const [query, expected] of QUERIES) {
    it(`finds ${JSON.stringify(expected)} for ${JSON.stringify(query)}`, async () => {
      const parsed = parseSearchQuery(query);
      const tsquery = parsed === null ? null : toTsQuery(parsed);
      const found = tsquery === null ? [] : (await client.query(PG_SEARCH, [tsquery])).rows.map((row) => Number(row.id));
      assert.deepEqual(sorted(found), [...expected], String(tsquery));
    });
  }
});
