import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlight, type Highlight, type HighlightOptions } from '../src/search/highlight';
import { parseSearchQuery } from '../src/search/query';

function highlighted(text: string, query: string, options?: HighlightOptions): Highlight | null {
  const parsed = parseSearchQuery(query);
  assert.ok(parsed !== null);
  return highlight(text, parsed, options);
}

/** The marked words of a highlight, as a reader sees them. */
function marked(result: Highlight | null): string[] {
  assert.ok(result !== null);
  return result.ranges.map((range) => result.text.slice(range.start, range.start + range.length));
}

describe('highlight', () => {
  it('marks matched words of a short field, which comes back unchanged', () => {
    assert.deepEqual(highlighted('Mosul schools reopen', 'schools'), { text: 'Mosul schools reopen', ranges: [{ start: 6, length: 7 }] });
  });

  it('matches with the index normalisation: accents, plurals, decomposed marks', () => {
    assert.deepEqual(highlighted('Re\u0301ouverture des écoles', 'réouverture écoles'), {
      text: 'Re\u0301ouverture des écoles',
      ranges: [
        { start: 0, length: 12 },
        { start: 17, length: 6 },
      ],
    });
    assert.deepEqual(marked(highlighted('Réouverture des écoles à Mossoul', 'reouverture ecole ')), ['Réouverture', 'écoles']);
  });

  it('marks the whole Arabic word, clitics included', () => {
    assert.deepEqual(highlighted('إعادة فتح المدارس في الموصل والعراق', 'العراق '), {
      text: 'إعادة فتح المدارس في الموصل والعراق',
      ranges: [{ start: 28, length: 7 }],
    });
    assert.deepEqual(marked(highlighted('قالَ: والعراقُ بالـعراق', 'عراق ')), ['والعراقُ', 'بالـعراق']);
  });

  it('counts surrogate pairs before a match as JavaScript does', () => {
    assert.deepEqual(highlighted('🇮🇶 Mosul 😀 schools', 'mosul school '), {
      text: '🇮🇶 Mosul 😀 schools',
      ranges: [
        { start: 5, length: 5 },
        { start: 14, length: 7 },
      ],
    });
  });

  it('marks each word of a phrase occurrence, and not the same words elsewhere', () => {
    assert.deepEqual(highlighted('Schools in Mosul: Mosul schools reopen', '"mosul schools"'), {
      text: 'Schools in Mosul: Mosul schools reopen',
      ranges: [
        { start: 18, length: 5 },
        { start: 24, length: 7 },
      ],
    });
  });

  it('marks every word starting with a prefix', () => {
    assert.deepEqual(highlighted('Minister and ministerial meetings', 'minis'), {
      text: 'Minister and ministerial meetings',
      ranges: [
        { start: 0, length: 8 },
        { start: 13, length: 11 },
      ],
    });
  });

  it('never marks excluded terms', () => {
    assert.deepEqual(highlighted('Daesh and anti-Daesh', 'daesh -anti'), {
      text: 'Daesh and anti-Daesh',
      ranges: [
        { start: 0, length: 5 },
        { start: 15, length: 5 },
      ],
    });
  });

  it('is null when nothing matches or nothing can', () => {
    assert.equal(highlighted('Mosul schools reopen', 'raqqa'), null);
    assert.equal(highlighted('Mosul schools reopen', '-mosul'), null);
    assert.equal(highlighted('', 'mosul'), null);
  });

  it('cuts a long field to a passage around the matches, at word boundaries, with ranges into the passage', () => {
    const text =
      'The Global Coalition against Daesh brings together 87 partners committed to degrading and ultimately defeating Daesh. ' +
      'Its members work across several lines of effort, including stabilisation. In Mosul, schools reopened in September after ' +
      'demining teams cleared the buildings. Elsewhere, projects in Raqqa restored water and electricity to thousands of families.';
    assert.deepEqual(highlighted(text, 'mosul schools '), {
      text: '…members work across several lines of effort, including stabilisation. In Mosul, schools reopened in September after demining teams cleared the buildings…',
      ranges: [
        { start: 74, length: 5 },
        { start: 81, length: 7 },
      ],
    });
  });

  it('prefers the passage with the most distinct terms', () => {
    const text = 'Mosul was liberated in 2017. Reconstruction is slow. Later, teams from Mosul travelled to Raqqa to share lessons.';
    assert.deepEqual(highlighted(text, 'mosul raqqa ', { maxLength: 40 }), {
      text: '…from Mosul travelled to Raqqa to…',
      ranges: [
        { start: 6, length: 5 },
        { start: 25, length: 5 },
      ],
    });
  });

  it('makes whitespace runs in a passage single spaces', () => {
    const text = 'Schools\n\n  reopened   in Mosul\tafter the war, and the Coalition funded repairs across the whole province of Nineveh.';
    assert.deepEqual(highlighted(text, 'schools mosul ', { maxLength: 40 }), {
      text: 'Schools reopened in Mosul after the…',
      ranges: [
        { start: 0, length: 7 },
        { start: 20, length: 5 },
      ],
    });
  });

  it('cuts Arabic passages the same way', () => {
    const text = 'أعلن التحالف الدولي ضد داعش اليوم إعادة فتح المدارس في الموصل والعراق بعد سنوات من الصراع';
    assert.deepEqual(highlighted(text, 'العراق ', { maxLength: 30 }), {
      text: '…في الموصل والعراق بعد سنوات…',
      ranges: [{ start: 11, length: 7 }],
    });
  });

  it('returns a match longer than the passage whole', () => {
    assert.deepEqual(highlighted(`${'x'.repeat(50)} supercalifragilistic y`, 'supercal', { maxLength: 10 }), {
      text: '…supercalifragilistic…',
      ranges: [{ start: 1, length: 20 }],
    });
  });
});
