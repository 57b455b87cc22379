import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enrich } from '../src/ingest/enrich';
import { contentHashOf } from '../src/store/upsert';
import { SourceKind } from '../src/shared/content/source-kind';
import { ContentType } from '../src/shared/content/content-status';

describe('enrich', () => {
  const context = {
    sourceName: 'register',
    kind: SourceKind.CSV,
    documentUrl: 'https://partner.example/projects.csv',
    fetchedAt: new Date('2026-12-01T00:00:00Z'),
    memberCodes: new Set(['IRQ', 'FRA']),
  };

  it('keeps an item whose source names a non-member, reporting the code as a warning, not a skipped entry', () => {
    const { inputs, errors } = enrich(
      [{ externalId: 'p-1', type: ContentType.DIGEST_ARTICLE, title: 'Schools reopen', summary: 'Classes resume.', publishedAt: new Date('2026-11-30T00:00:00Z'), nations: ['irq', 'XXX'], fields: {} }],
      context,
    );
    assert.equal(inputs.length, 1);
    assert.deepEqual(inputs[0].nations, ['IRQ']);
    assert.deepEqual(errors, [{ position: 'item p-1', message: 'not coalition members, ignored: XXX', externalId: 'p-1', warning: true }]);
  });

  it('drops what no column may hold from every text a connector hands over, and a document address past its column', () => {
    const draft = {
      externalId: 'p\u0000-3',
      type: ContentType.SOCIAL_POST,
      title: 'Schools\u0000 reopen',
      summary: 'Classes\u0001 resume.',
      body: '<p>Classes\u0000 resume.</p>',
      url: 'https://partner.example/p-3',
      language: 'en',
      publishedAt: new Date('2026-11-30T00:00:00Z'),
      tags: ['schools\u0000'],
      fields: { platform: 'TWITTER', authorHandle: 'partner\u0000', text: 'Classes\u0000 resume.\nLine two \ud800.', hashtags: ['school\u0000s'], mentions: [], links: [] },
    };
    const [input] = enrich([draft], { ...context, documentUrl: `https://partner.example/${'x'.repeat(2_100)}` }).inputs;
    assert.deepEqual(
      [input.source?.externalId, input.title, input.summary, input.body, input.tags, input.fields, input.source?.url],
      [
        'p-3',
        'Schools reopen',
        'Classes resume.',
        '<p>Classes resume.</p>',
        ['schools'],
        { platform: 'TWITTER', authorHandle: 'partner', text: 'Classes resume.\nLine two .', hashtags: ['schools'], mentions: [], links: [] },
        null,
      ],
    );
  });

  it('guesses the language of an item whose source declares none, outside its content hash; a declared one is content', () => {
    const draft = { externalId: 'p-2', type: ContentType.DIGEST_ARTICLE, title: 'Les écoles rouvrent à Mossoul', summary: 'Les enfants retournent en classe après des années de guerre.', publishedAt: new Date('2026-11-30T00:00:00Z'), fields: {} };
    const [guessed] = enrich([draft], context).inputs;
    assert.equal(guessed.language, undefined);
    assert.equal(guessed.detectedLanguage, 'fr');
    // The guess derives from title and summary, which the hash has: the hash is the one of an item with no language.
    assert.equal(contentHashOf(guessed), contentHashOf({ ...guessed, detectedLanguage: undefined }));
    const [declared] = enrich([{ ...draft, language: 'fr' }], context).inputs;
    assert.equal(declared.language, 'fr');
    assert.notEqual(contentHashOf(declared), contentHashOf(guessed));
  });
});
