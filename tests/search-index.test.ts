import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { Locale } from '../src/shared/content/locale';
import { ContentType } from '../src/shared/content/content-status';
import { MAX_DOCUMENT_BYTES } from '../src/search/document';
import { createCampaign } from '../src/store/catalogue';
import { indexContent } from '../src/store/search-index';
import { CLI_ACTOR, write } from '../src/store/session';
import { setTranslation } from '../src/store/translations';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { normaliseForSearch } from '../src/search/normalise';
import { CORPUS, CORPUS_CAMPAIGN, corpusInputs } from './fixtures/search-corpus';
import { DRIVERS, openedDatabase } from './helpers/drivers';
import { searchEntryTexts } from './helpers/search-entries';

const entries = (db: DataSource) => searchEntryTexts(db);

for (const driver of DRIVERS) {
  describe(`the search index of new items [${driver}]`, () => {
    const opened = openedDatabase(driver);
    before(async () => {
      await write(opened.db, CLI_ACTOR, async (session) => {
        await createCampaign(session, CORPUS_CAMPAIGN);
        // One post whose text says more than its summary (the corpus's posts repeat it), so that the text counts.
        const inputs = corpusInputs();
        const post = inputs.findIndex((input) => input.type === ContentType.SOCIAL_POST);
        inputs[post] = { ...inputs[post], fields: { ...inputs[post].fields, text: `${inputs[post].summary} Zebracrossing drills near the river.` } };
        await upsertContent(session, inputs);
      });
    });

    it('is built from the text the writer inserted, exactly as reading the items back builds it', async () => {
      const written = await entries(opened.db);
      assert.equal(written.length, CORPUS.length);
      // Every type's text is in it: bodies, a project's place, a post's text.
      assert.ok(written.some((entry) => entry.body !== ''));
      const project = CORPUS.find((item) => item.type === ContentType.STABILISATION_PROJECT && item.place);
      assert.ok(project?.place, 'the corpus has a project with a place');
      const place = normaliseForSearch(project.place);
      assert.ok(written.some((entry) => entry.summary.includes(place)), `no entry's summary holds "${place}"`);
      assert.ok(written.some((entry) => entry.summary.includes('zebracrossing')), 'no entry holds the post’s text');
      // Reading every item back and indexing it again changes no entry.
      await write(opened.db, CLI_ACTOR, (session) =>
        indexContent(
          session.manager,
          written.map((entry) => entry.subject_id),
        ),
      );
      assert.deepEqual(await entries(opened.db), written);
    });
  });
}

/**
 * Distinct words in the order that makes a tsvector largest for the text's
 * bytes: shortest first, from `alphabet`, starting past the first `skip`
 * words, until the text has `bytes` bytes of UTF-8.
 */
function distinctWords(alphabet: string, bytes: number, skip = 0): string {
  const letters = [...alphabet];
  const words: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    let word = '';
    // The n-th word of bijective base `letters.length`: a, b, …, aa, ab, …
    for (let rest = n + skip + 1; rest > 0; rest = Math.floor((rest - 1) / letters.length)) word = letters[(rest - 1) % letters.length] + word;
    words.push(word);
    size += Buffer.byteLength(word) + 1;
  }
  return words.join(' ');
}

/** 66,000 distinct words of two Hangul syllables (198,000 characters): NFKD spells each syllable as two or three jamo, so the normalised text has some 1.2 MB. */
function koreanWords(): string {
  const words: string[] = [];
  for (let i = 0; words.length < 66_000; i++) words.push(String.fromCharCode(0xac00 + (i % 11_172)) + String.fromCharCode(0xac00 + ((Math.floor(i / 11_172) * 7) % 11_172)));
  return words.join(' ');
}

const ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ARABIC = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';

for (const driver of DRIVERS) {
  describe(`the search index of items too long for one tsvector [${driver}]`, () => {
    const opened = openedDatabase(driver);

    /** What the index holds of an item: its bytes of normalised text (SQLite), whether it holds each of `words`. */
    async function indexed(id: string, words: string[]): Promise<{ bytes: number | null; found: boolean[] }> {
      if (driver === 'postgres') {
        const found = [];
        for (const word of words) {
          const [{ hit }] = await opened.db.query(`SELECT EXISTS (SELECT 1 FROM search_entry e, unnest(e.document) u WHERE e.subject_id = $1 AND u.lexeme = $2) AS hit`, [id, word]);
          found.push(hit);
        }
        return { bytes: null, found };
      }
      const [entry] = await opened.db.query(`SELECT title, summary, body FROM search_entry WHERE subject_id = ?`, [id]);
      const all = new Set(`${entry.title} ${entry.summary} ${entry.body}`.split(' '));
      return { bytes: Buffer.byteLength(entry.title) + Buffer.byteLength(entry.summary) + Buffer.byteLength(entry.body), found: words.map((word) => all.has(word)) };
    }

    it('indexes them by their first words, in an ingest batch and with translations, never failing on size', async () => {
      const korean = koreanWords();
      const english = distinctWords(ASCII, 1_000_000);
      const item = (slug: string, body: string, language: string): UpsertInput => ({
        type: ContentType.DIGEST_ARTICLE,
        slug,
        title: slug,
        summary: 'Text to find it by.',
        body: `<p>${body}</p>`,
        language,
        publishedAt: new Date('2019-10-10T12:00:00Z'),
        countries: ['KOR'],
        fields: { outlet: 'Test Outlet', originalUrl: null },
      });
      const [withTranslations, long] = await write(opened.db, CLI_ACTOR, (session) => upsertContent(session, [item('korean', korean, 'ko'), item('short-words', english, 'en')]));
      const french = distinctWords(ASCII, 600_000, 2_000_000);
      const arabic = distinctWords(ARABIC, 600_000);
      for (const [locale, body] of [[Locale.FR, french], [Locale.AR, arabic]] as const) {
        await write(opened.db, CLI_ACTOR, (session) => setTranslation(session, withTranslations.id, locale, null, { title: `${locale} title`, summary: 'Texte.', body: `<p>${body}</p>` }));
      }

      const firstWord = (text: string) => normaliseForSearch(text.slice(0, 40)).split(' ')[0];
      const shortWords = await indexed(long.id, ['short', 'a', 'b', '9', 'aa']);
      assert.deepEqual(shortWords.found, [true, true, true, true, true]);
      // The original and both translations each keep a share of the body's room.
      const translated = await indexed(withTranslations.id, [firstWord(korean), firstWord(french), firstWord(arabic), 'fr', 'ar']);
      assert.deepEqual(translated.found, [true, true, true, true, true]);
      if (driver === 'sqlite') {
        for (const { bytes } of [shortWords, translated]) assert.ok(bytes! <= MAX_DOCUMENT_BYTES && bytes! > MAX_DOCUMENT_BYTES - 1_000, `${bytes} bytes`);
      } else {
        // The vector as PostgreSQL keeps it (the datum, not its compressed copy): well under the 1 MB of lexemes and positions it allows.
        const sizes: { size: number }[] = await opened.db.query(`SELECT pg_column_size(document || ''::tsvector) AS size FROM search_entry WHERE subject_id IN ($1, $2)`, [long.id, withTranslations.id]);
        for (const { size } of sizes) assert.ok(size < 1_048_575, `${size} bytes`);
      }
    });
  });
}
