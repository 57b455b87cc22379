import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enrich } from '../src/ingest/enrich';
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
});
