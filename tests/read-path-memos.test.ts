import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedFilter } from '../src/feed/feed.inputs';
import { base64url } from '../src/shared/base64url';
import { Locale, localeOfLanguage } from '../src/shared/content/locale';
import { listOptions } from '../src/shared/pagination/page.loader';
import { validateArgument } from '../src/shared/validation';

/** The same seeded generator each run, so that a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** What every id and cursor of a page goes through: it must write exactly what the Buffer round trip wrote before. */
describe('base64url', () => {
  const buffer = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

  it('writes what Buffer writes for ASCII text of every padding length, and for the empty text', () => {
    for (const text of ['', 'a', 'ab', 'abc', 'abcd', 'SocialPost:1f0e3c1a-2b4d-4c6e-8f00-123456789abc', 'k1:["2026-12-03T13:00:00.000Z","x"]', '\u0000\u007f>>>???']) {
      assert.equal(base64url(text), buffer(text), JSON.stringify(text));
    }
    // `>` and `?` give base64's `+` and `/`: both must come out as `-` and `_`, with no padding.
    assert.equal(base64url('>>>???'), 'Pj4-Pz8_');
  });

  it('writes what Buffer writes for text outside ASCII: Latin-1, Arabic, astral characters and lone surrogates', () => {
    for (const text of ['é', 'Côte d’Ivoire', 'الموصل', '😀 ok', 'a\ud800b', '\udfff']) assert.equal(base64url(text), buffer(text), JSON.stringify(text));
  });

  it('agrees with Buffer on 20,000 random texts, mostly ASCII', () => {
    const random = lcg(20261203);
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = Math.floor(random() * 90);
      for (let j = 0; j < length; j++) text += String.fromCharCode(i % 4 === 0 ? Math.floor(random() * 0xffff) : Math.floor(random() * 128));
      assert.equal(base64url(text), buffer(text), JSON.stringify(text));
    }
  });
});

describe('remembered per-row answers', () => {
  it('a language tag gives the same locale however many other tags came before it', () => {
    assert.equal(localeOfLanguage('fr-BE'), Locale.FR);
    for (let i = 0; i < 600; i++) assert.equal(localeOfLanguage(`x${i}-YY`), null);
    assert.equal(localeOfLanguage('fr-BE'), Locale.FR);
    assert.equal(localeOfLanguage('AR_iq'), Locale.AR);
    assert.equal(localeOfLanguage(null), Locale.EN);
    assert.equal(localeOfLanguage(undefined), Locale.EN);
  });

  it('list options are one frozen object per selection and locale, so that parents asking alike share one batch key', () => {
    const properties = ['id', 'title'];
    const english = listOptions(properties, Locale.EN);
    assert.equal(listOptions(properties, Locale.EN), english);
    assert.ok(Object.isFrozen(english));
    assert.deepEqual(english, { properties, locale: Locale.EN });
    assert.notEqual(listOptions(properties, Locale.FR), english);
    assert.notEqual(listOptions(properties, undefined), english);
    assert.notEqual(listOptions(['id', 'title'], Locale.EN), english, 'another selection (even with the same names) has its own object');
    assert.deepEqual(listOptions(['id', 'title'], Locale.EN), english);
  });
});

/** Inputs that passed are remembered by their JSON; a remembered pass must never let a failing input through. */
describe('argument validation with remembered passes', () => {
  // As TypeGraphQL hands it over: an instance of the input class.
  const filter = (value: object) => Object.assign(new FeedFilter(), value);
  const refusal = async (value: object) => {
    try {
      await validateArgument(filter(value));
    } catch (error) {
      return error as { message: string; extensions: { code: string; fields: { field: string }[] } };
    }
    return null;
  };

  it('refuses a failing input every time, before and after a passing input of the same class was remembered', async () => {
    const bad = { nations: ['IRQ', 'not a code'] };
    assert.equal((await refusal(bad))?.extensions.code, 'BAD_USER_INPUT');
    assert.equal(await refusal({ nations: ['IRQ'] }), null);
    assert.equal(await refusal({ nations: ['IRQ'] }), null);
    const again = await refusal(bad);
    assert.equal(again?.extensions.code, 'BAD_USER_INPUT');
    assert.deepEqual(again?.extensions.fields.map((f) => f.field), ['nations']);
    // One more element than allowed: the remembered `types` list of four must not vouch for a list of five.
    assert.equal(await refusal({ types: ['DIGEST_ARTICLE', 'SOCIAL_POST', 'CAMPAIGN_STORY', 'STABILISATION_PROJECT'] }), null);
    assert.equal((await refusal({ types: ['DIGEST_ARTICLE', 'SOCIAL_POST', 'CAMPAIGN_STORY', 'STABILISATION_PROJECT', 'SOCIAL_POST'] }))?.extensions.code, 'BAD_USER_INPUT');
  });

  it('keeps refusing and passing correctly past the number of inputs it remembers', async () => {
    for (let i = 0; i < 1_100; i++) assert.equal(await refusal({ tags: [`tag-${i}`] }), null);
    assert.equal((await refusal({ tags: ['x'.repeat(65)] }))?.extensions.code, 'BAD_USER_INPUT');
    assert.equal(await refusal({ tags: ['tag-1'] }), null);
  });
});
