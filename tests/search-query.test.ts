import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { FTS5_TOKENIZER, TEXT_SEARCH_CONFIG } from '../src/search/normalise';
import { matchTerms, parseSearchQuery, toFts5Match, toTsQuery, type SearchPhrase, type SearchQuery } from '../src/search/query';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;

/** The parts of better-sqlite3 this file uses (the package ships no type declarations). */
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { all(...params: unknown[]): Record<string, unknown>[]; run(...params: unknown[]): unknown };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (file: string) => SqliteDatabase;

const word = (text: string, prefix = false): SearchPhrase => ({ words: [text], prefix });
const phrase = (...words: string[]): SearchPhrase => ({ words, prefix: false });

function parsed(input: string): SearchQuery {
  const query = parseSearchQuery(input);
  assert.ok(query !== null, `${JSON.stringify(input)} parsed to null`);
  return query;
}

describe('parseSearchQuery', () => {
  it('is null for an empty or blank query', () => {
    for (const input of ['', ' ', '\t\n', '\u00a0\u3000']) assert.equal(parseSearchQuery(input), null, JSON.stringify(input));
  });

  it('requires every word, normalised, and makes the last one a prefix while it is being typed', () => {
    assert.deepEqual(parsed('Mosul Schools'), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('mosul')] }, { anyOf: [word('school', true)] }],
      excluded: [],
    });
    assert.deepEqual(parsed('Mosul Schools '), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('mosul')] }, { anyOf: [word('school')] }],
      excluded: [],
    });
  });

  it('matches a typed prefix by its finished and its folded form (city → citie* | city*), and Arabic with the clitics stripped', () => {
    assert.deepEqual(parsed('city'), { matchesNothing: false, clauses: [{ anyOf: [word('citie', true), word('city', true)] }], excluded: [] });
    // "schools" reduces to "school", which already covers every word starting with "schools".
    assert.deepEqual(parsed('schools'), { matchesNothing: false, clauses: [{ anyOf: [word('school', true)] }], excluded: [] });
    assert.deepEqual(parsed('الع'), { matchesNothing: false, clauses: [{ anyOf: [word('الع', true), word('ع', true)] }], excluded: [] });
    assert.deepEqual(parsed('والعراق'), { matchesNothing: false, clauses: [{ anyOf: [word('عراق', true), word('والعراق', true)] }], excluded: [] });
  });

  it('reads quoted phrases, with straight or typographic quotes, and never makes a closed phrase a prefix', () => {
    const expected = { matchesNothing: false, clauses: [{ anyOf: [phrase('mosul', 'school')] }], excluded: [] };
    assert.deepEqual(parsed('"Mosul schools"'), expected);
    assert.deepEqual(parsed('“Mosul schools”'), expected);
    assert.deepEqual(parsed('« Mosul schools »'), expected);
  });

  it('makes a word with inner punctuation a phrase of its parts', () => {
    assert.deepEqual(parsed("anti-Daesh l'école "), {
      matchesNothing: false,
      clauses: [{ anyOf: [phrase('anti', 'daesh')] }, { anyOf: [phrase('l', 'ecole')] }],
      excluded: [],
    });
    assert.deepEqual(parsed('anti-dae'), { matchesNothing: false, clauses: [{ anyOf: [{ words: ['anti', 'dae'], prefix: true }] }], excluded: [] });
  });

  it('groups terms around OR, tighter than the implicit AND', () => {
    assert.deepEqual(parsed('iraq "mosul schools" OR raqqa OR sinjar reopen '), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('iraq')] }, { anyOf: [phrase('mosul', 'school'), word('raqqa'), word('sinjar')] }, { anyOf: [word('reopen')] }],
      excluded: [],
    });
  });

  it('reads only upper-case OR as the keyword', () => {
    assert.deepEqual(parsed('mosul or raqqa '), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('mosul')] }, { anyOf: [word('or')] }, { anyOf: [word('raqqa')] }],
      excluded: [],
    });
  });

  it('ignores an OR with nothing on one side, or next to an exclusion', () => {
    const mosul = { matchesNothing: false, clauses: [{ anyOf: [word('mosul')] }], excluded: [] };
    assert.deepEqual(parsed('mosul OR'), mosul);
    assert.deepEqual(parsed('OR mosul '), mosul);
    assert.deepEqual(parsed('mosul OR OR '), mosul);
    assert.deepEqual(parsed('mosul OR -raqqa'), { ...mosul, excluded: [word('raqqa')] });
    assert.deepEqual(parsed('-raqqa OR mosul '), { ...mosul, excluded: [word('raqqa')] });
    assert.deepEqual(parsed('mosul OR OR raqqa '), { ...mosul, clauses: [{ anyOf: [word('mosul'), word('raqqa')] }] });
  });

  it('excludes -words and -"phrases", never as prefixes; a lone or inner hyphen is punctuation', () => {
    assert.deepEqual(parsed('daesh -"anti daesh" -isis'), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('daesh')] }],
      excluded: [phrase('anti', 'daesh'), word('isis')],
    });
    assert.deepEqual(parsed('daesh - x-y '), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('daesh')] }, { anyOf: [phrase('x', 'y')] }],
      excluded: [],
    });
    assert.deepEqual(parsed('daesh --isis'), { matchesNothing: false, clauses: [{ anyOf: [word('daesh')] }], excluded: [word('isis')] });
  });

  it('treats unbalanced quotes as punctuation', () => {
    assert.deepEqual(parsed('"mosul sch'), {
      matchesNothing: false,
      clauses: [{ anyOf: [word('mosul')] }, { anyOf: [word('sch', true)] }],
      excluded: [],
    });
  });

  it('drops duplicate terms', () => {
    assert.deepEqual(parsed('Mosul mosul MOSUL '), { matchesNothing: false, clauses: [{ anyOf: [word('mosul')] }], excluded: [] });
  });

  it('matches nothing, explicitly, when no term is left or only exclusions are', () => {
    for (const input of ['*', '-', '"', '""', 'OR', 'OR OR', '!!!', '🇮🇶', '-"" *']) {
      assert.deepEqual(parseSearchQuery(input), { matchesNothing: true, reason: 'no-searchable-terms' }, JSON.stringify(input));
    }
    for (const input of ['-daesh', '-"anti daesh" -isis']) {
      assert.deepEqual(parseSearchQuery(input), { matchesNothing: true, reason: 'only-exclusions' }, JSON.stringify(input));
    }
    const nothing = parsed('-daesh');
    assert.equal(toFts5Match(nothing), null);
    assert.equal(toTsQuery(nothing), null);
    assert.deepEqual(matchTerms(nothing), []);
  });

  it('bounds the number of clauses', () => {
    const query = parsed(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '));
    assert.ok(!query.matchesNothing);
    assert.equal(query.clauses.length, 32);
  });
});

describe('toFts5Match and toTsQuery', () => {
  const cases: [input: string, fts5: string, tsquery: string][] = [
    ['mosul schools', '"mosul" AND "school"*', "'mosul' & 'school':*"],
    ['"mosul schools" ', '"mosul school"', "('mosul' <-> 'school')"],
    ['mosul OR raqqa ', '("mosul" OR "raqqa")', "('mosul' | 'raqqa')"],
    ['raqqa -school -"anti daesh"', '("raqqa") NOT ("school" OR "anti daesh")', "'raqqa' & !('school' | ('anti' <-> 'daesh'))"],
    ['anti-dae', '"anti dae"*', "('anti' <-> 'dae':*)"],
    ['city', '("citie"* OR "city"*)', "('citie':* | 'city':*)"],
    ['العراق ', '"عراق"', "'عراق'"],
  ];
  for (const [input, fts5, tsquery] of cases) {
    it(`compiles ${JSON.stringify(input)}`, () => {
      const query = parsed(input);
      assert.equal(toFts5Match(query), fts5);
      assert.equal(toTsQuery(query), tsquery);
    });
  }

  it('quotes what it is given, even characters normalisation never produces', () => {
    const query: SearchQuery = { matchesNothing: false, clauses: [{ anyOf: [word('a"b'), word("c'd\\", true)] }], excluded: [] };
    assert.equal(toFts5Match(query), '("a""b" OR "c\'d\\"*)');
    assert.equal(toTsQuery(query), "('a\"b' | 'c''d\\\\':*)");
  });

  it('gives the highlighter every alternative of every clause, and no exclusion', () => {
    assert.deepEqual(matchTerms(parsed('"mosul schools" OR raqqa reopen -isis')), [
      { words: ['mosul', 'school'], prefix: false, clause: 0 },
      { words: ['raqqa'], prefix: false, clause: 0 },
      { words: ['reopen'], prefix: false, clause: 1 },
    ]);
  });
});

/**
 * Inputs that break naive query building: FTS5 syntax, tsquery syntax, stray
 * quotes, operators in odd places, Unicode oddities, sheer length.
 */
const HOSTILE: readonly string[] = [
  '"',
  '""',
  '"""',
  '"abc',
  'abc"',
  'a"b"c',
  '-',
  '--',
  '--x',
  '- -',
  '-"',
  '-""',
  'OR',
  'a OR',
  'OR a',
  'OR OR',
  'a OR OR b',
  'AND',
  'a AND b',
  'NOT',
  'a NOT b',
  'NOT a',
  '*',
  '**',
  'a*',
  '*a',
  'a*b',
  '"a"*',
  'NEAR(a b)',
  'NEAR(a b, 3)',
  'a + b',
  'title:mosul',
  '{title body}: mosul',
  '-title:mosul',
  '(',
  ')',
  '(a OR b',
  'a) OR (b',
  '^x',
  '^',
  "'",
  "''",
  "a'b",
  "'a':*",
  'a & b | !c',
  'a <-> b',
  'a:*',
  '!',
  '\\',
  '\\"',
  'a\\b',
  '\u201cmosul',
  'mosul\u201d',
  '\u201c\u201d',
  '« »',
  '😀',
  'mosul 😀',
  '🇮🇶🇸🇾',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'a\udc00b',
  '\u200f\u200e',
  '\u0301',
  'ـــ',
  'والعراق -العراق',
  '١٢٣',
  '1e5x',
  'x'.repeat(5000),
  'a '.repeat(2500),
  '"a b '.repeat(1000),
  '-a OR '.repeat(800),
  Array.from({ length: 600 }, (_, i) => `w${i} OR`).join(' '),
  // As large as the limits let a query grow: 8 clauses of 16 phrases of 32 words.
  Array.from({ length: 140 }, (_, i) => `"${Array.from({ length: 40 }, (_, k) => `p${i}q${k}`).join(' ')}"${i % 16 === 15 ? '' : ' OR'}`).join(' '),
];

describe('hostile queries', () => {
  it('has at least 40 inputs', () => {
    assert.ok(HOSTILE.length >= 40);
  });

  it('parse and compile without raising', () => {
    for (const input of HOSTILE) {
      const query = parseSearchQuery(input);
      if (query === null) continue;
      toFts5Match(query);
      toTsQuery(query);
      matchTerms(query);
    }
  });

  it('run in SQLite FTS5 without raising (where the raw input would)', () => {
    const db = new Sqlite(':memory:');
    try {
      db.exec(`CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = '${FTS5_TOKENIZER}')`);
      db.prepare('INSERT INTO docs (body) VALUES (?)').run('title mosul a b near x');
      const match = db.prepare('SELECT rowid FROM docs WHERE docs MATCH ?');
      let rawFailures = 0;
      for (const input of HOSTILE) {
        const query = parseSearchQuery(input);
        const expression = query === null ? null : toFts5Match(query);
        if (expression !== null) assert.doesNotThrow(() => match.all(expression), JSON.stringify(input.slice(0, 40)));
        try {
          match.all(input);
        } catch {
          rawFailures++;
        }
      }
      // The control: passed through as typed, most of these are FTS5 syntax errors.
      assert.ok(rawFailures >= 30, `only ${rawFailures} raw inputs failed`);
    } finally {
      db.close();
    }
  });
});

describe('hostile queries [postgres]', { skip: !POSTGRES_URL && 'set TEST_POSTGRES_URL' }, () => {
  let client: Client;
  before(async () => {
    client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
  });
  after(async () => {
    await client?.end();
  });

  it('run through to_tsquery without raising (where the raw input would)', async () => {
    let rawFailures = 0;
    for (const input of HOSTILE) {
      const query = parseSearchQuery(input);
      const tsquery = query === null ? null : toTsQuery(query);
      if (tsquery !== null) {
        const { rows } = await client.query(`SELECT to_tsvector('${TEXT_SEARCH_CONFIG}', 'title mosul a b near x') @@ to_tsquery('${TEXT_SEARCH_CONFIG}', $1) AS hit`, [tsquery]);
        assert.equal(typeof rows[0].hit, 'boolean');
      }
      try {
        await client.query(`SELECT to_tsquery('${TEXT_SEARCH_CONFIG}', $1)`, [input.replaceAll('\u0000', '')]);
      } catch {
        rawFailures++;
      }
    }
    assert.ok(rawFailures >= 20, `only ${rawFailures} raw inputs failed`);
  });
});
