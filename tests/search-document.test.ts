import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DOCUMENT_BYTES, searchDocument, tsvectorOf } from '../src/search/document';

describe('searchDocument', () => {
  it('indexes title, summary (with the short fields) and body apart, normalised', () => {
    assert.deepEqual(
      searchDocument([
        { title: 'Mosul schools reopen', summary: 'Pupils are back.', body: '<p>In <strong>west</strong> Mosul.</p>', extra: ['West Mosul, Nineveh', null] },
      ]),
      { title: 'mosul school reopen', summary: 'pupil are back west mosul nineveh', body: 'in west mosul' },
    );
  });

  it('indexes a text met twice in a field once, so that repeating it does not rank higher', () => {
    // A post as the social archive stores it: its text is its summary.
    const post = searchDocument([{ title: 'School kits for Mosul', summary: 'School kits handed out in Mosul.', extra: ['School kits handed out in Mosul.'] }]);
    assert.equal(post.summary, 'school kit handed out in mosul');
    // A translation that keeps the original's title (a name) adds no second copy of it.
    const translated = searchDocument([
      { title: 'Kobani', summary: 'Five years on.' },
      { title: 'Kobani', summary: 'Cinq ans après.' },
    ]);
    assert.deepEqual(translated, { title: 'kobani', summary: 'five year on cinq ans apres', body: '' });
  });

  it('keeps an item within MAX_DOCUMENT_BYTES by the first whole words of its texts: title and summary first, the body’s room shared between versions', () => {
    const words = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    const document = searchDocument([
      { title: 'Mosul', summary: 'Schools reopen.', body: `<p>${words('a', 100_000).join(' ')}</p>` },
      { title: 'Mossoul', summary: 'Les écoles rouvrent.', body: '<p>Court.</p>' },
      { title: 'الموصل', summary: 'المدارس', body: `<p>${words('b', 100_000).join(' ')}</p>` },
    ]);
    const bytes = Buffer.byteLength(document.title) + Buffer.byteLength(document.summary) + Buffer.byteLength(document.body);
    assert.ok(bytes <= MAX_DOCUMENT_BYTES && bytes > MAX_DOCUMENT_BYTES - 100, `${bytes} bytes`);
    assert.equal(document.title, 'mosul mossoul موصل');
    assert.equal(document.summary, 'school reopen les ecole rouvrent مدارس');
    // Each long body keeps its first words, whole and in order; the short one is kept whole; the two long ones share the rest evenly.
    const body = document.body.split(' ');
    const a = body.filter((word) => word.startsWith('a'));
    const b = body.filter((word) => word.startsWith('b'));
    assert.deepEqual(a, words('a', a.length));
    assert.deepEqual(b, words('b', b.length));
    assert.deepEqual(body, [...a, 'court', ...b]);
    assert.ok(Math.abs(a.length - b.length) < 10, `${a.length} and ${b.length} words`);
  });

  it('counts bytes, not characters: a text that NFKD makes longer is cut by what it becomes', () => {
    // NFKD spells each Hangul syllable (3 bytes) as two or three jamo (3 bytes each).
    const hangul = Array.from({ length: 60_000 }, (_, i) => String.fromCharCode(0xac00 + (i % 11_172)) + String.fromCharCode(0xac00 + ((i * 7) % 11_172))).join(' ');
    const document = searchDocument([{ title: 'Korean', summary: 'Text.', body: hangul }]);
    const bytes = Buffer.byteLength(document.title) + Buffer.byteLength(document.summary) + Buffer.byteLength(document.body);
    assert.ok(bytes <= MAX_DOCUMENT_BYTES && bytes > MAX_DOCUMENT_BYTES - 100, `${bytes} bytes`);
    assert.ok(hangul.length < MAX_DOCUMENT_BYTES, 'fewer characters than the limit has bytes');
  });

  it('is written for PostgreSQL as a tsvector literal: positions across the fields, weights A, B and C', () => {
    // What PostgreSQL's setweight(to_tsvector('simple', …)) || … makes of the same text (search-vector.test.ts compares many).
    assert.equal(tsvectorOf({ title: 'a b a', summary: 'c a', body: 'd' }), "'a':1A,3A,5B 'b':2A 'c':4B 'd':6C");
    assert.equal(tsvectorOf({ title: '', summary: '', body: 'mosul' }), "'mosul':1C");
    assert.equal(tsvectorOf({ title: '', summary: '', body: '' }), '');
    // A word PostgreSQL would not index (over 2,047 bytes) takes no position.
    assert.equal(tsvectorOf({ title: `x ${'é'.repeat(1_024)} y`, summary: '', body: '' }), "'x':1A 'y':2A");
  });
});
