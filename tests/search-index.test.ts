import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { ContentType } from '../src/shared/content/content-status';
import { createCampaign } from '../src/store/catalogue';
import { indexContent } from '../src/store/search-index';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
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
