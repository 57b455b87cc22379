import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchDocument, tsvectorOf } from '../src/search/document';

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

  it('is written for PostgreSQL as a tsvector literal: positions across the fields, weights A, B and C', () => {
    // What PostgreSQL's setweight(to_tsvector('simple', …)) || … makes of the same text (search-vector.test.ts compares many).
    assert.equal(tsvectorOf({ title: 'a b a', summary: 'c a', body: 'd' }), "'a':1A,3A,5B 'b':2A 'c':4B 'd':6C");
    assert.equal(tsvectorOf({ title: '', summary: '', body: 'mosul' }), "'mosul':1C");
    assert.equal(tsvectorOf({ title: '', summary: '', body: '' }), '');
    // A word PostgreSQL would not index (over 2,047 bytes) takes no position.
    assert.equal(tsvectorOf({ title: `x ${'é'.repeat(1_024)} y`, summary: '', body: '' }), "'x':1A 'y':2A");
  });
});
