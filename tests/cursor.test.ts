import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, type KeyValue } from '../src/shared/pagination/cursor';
import { encodeGlobalId } from '../src/shared/node/global-id';

/** Cursors clients already hold must keep working: the format is base64url of `k1:` and the JSON array of the key's values. */
describe('keyset cursors', () => {
  it('encode as base64url of k1: and the JSON of the values, dates as ISO text', () => {
    const values = [new Date('2019-10-08T11:30:00Z'), 'a1b2', 7, 'quote " back\\slash é ع \u2028'];
    const expected = Buffer.from(`k1:${JSON.stringify(['2019-10-08T11:30:00.000Z', 'a1b2', 7, 'quote " back\\slash é ع \u2028'])}`, 'utf8').toString('base64url');
    assert.equal(encodeCursor(values), expected);
    assert.equal(encodeCursor([]), Buffer.from('k1:[]').toString('base64url'));
  });

  it('encode the same bytes whether built in place (ASCII, dates in years 0–9999) or the general way (anything else)', () => {
    const reference = (values: KeyValue[]) =>
      Buffer.from(`k1:${JSON.stringify(values.map((value) => (value instanceof Date ? value.toISOString() : value)))}`, 'utf8').toString('base64url');
    const cases: KeyValue[][] = [
      [new Date('2019-10-08T11:30:00.123Z'), '4b1d0e6a-2f9c-4c1e-9f3e-8d6c2a1b0c9d'],
      [new Date(-62_167_219_200_000), new Date(253_402_300_799_999), 0, -1.5, 1e21, Number.NaN],
      ['Iraq', 'IRQ', 'a b ~ !', ''],
      ['quote "', 'back\\slash', 'tab\t', 'é', 'ع', '\u007f'],
      [new Date(253_402_300_800_000), 'year 10000 is written with six digits'],
      ['x'.repeat(600)],
      [new Date(Date.UTC(2000, 1, 29, 23, 59, 59, 999)), 7, 'z'.repeat(200), 'y'.repeat(200)],
    ];
    for (const values of cases) {
      assert.equal(encodeCursor(values), reference(values), JSON.stringify(values).slice(0, 80));
      // A build that fails part-way leaves nothing behind for the next one.
      assert.equal(encodeCursor(['ok', 1]), reference(['ok', 1]));
    }
    assert.throws(() => encodeCursor([new Date(Number.NaN)]), RangeError, 'an invalid date is refused, as toISOString refuses it');
  });

  it('decode to the values they were made from, for the kinds of the connection’s key', () => {
    const values = [new Date('2026-12-02T21:00:00.123Z'), 'id "with" quotes', 42];
    assert.deepEqual(decodeCursor(encodeCursor(values), ['date', 'string', 'number'], 'after'), values);
  });
});

describe('global ids', () => {
  it('are base64url of Type:localId, built in place or the general way alike', () => {
    for (const localId of ['4b1d0e6a-2f9c-4c1e-9f3e-8d6c2a1b0c9d', 'IRQ', 'é', 'ع', 'x'.repeat(600), '']) {
      assert.equal(encodeGlobalId('MemberNation', localId), Buffer.from(`MemberNation:${localId}`, 'utf8').toString('base64url'));
    }
  });
});
