import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../src/shared/pagination/cursor';

/** Cursors clients already hold must keep working: the format is base64url of `k1:` and the JSON array of the key's values. */
describe('keyset cursors', () => {
  it('encode as base64url of k1: and the JSON of the values, dates as ISO text', () => {
    const values = [new Date('2019-10-08T11:30:00Z'), 'a1b2', 7, 'quote " back\\slash é ع \u2028'];
    const expected = Buffer.from(`k1:${JSON.stringify(['2019-10-08T11:30:00.000Z', 'a1b2', 7, 'quote " back\\slash é ع \u2028'])}`, 'utf8').toString('base64url');
    assert.equal(encodeCursor(values), expected);
    assert.equal(encodeCursor([]), Buffer.from('k1:[]').toString('base64url'));
  });

  it('decode to the values they were made from, for the kinds of the connection’s key', () => {
    const values = [new Date('2026-12-02T21:00:00.123Z'), 'id "with" quotes', 42];
    assert.deepEqual(decodeCursor(encodeCursor(values), ['date', 'string', 'number'], 'after'), values);
  });
});
