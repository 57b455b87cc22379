import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { FeedFilter } from '../src/feed/feed.inputs';
import { Locale, localeOfLanguage } from '../src/shared/content/locale';
import { NODE_ID } from '../src/shared/content/content.entity';
import { contentReader } from '../src/shared/content/content.reader';
import { ContentType } from '../src/shared/content/content-status';
import { encodeGlobalId } from '../src/shared/node/global-id';
import { listOptions } from '../src/shared/pagination/page.loader';
import { encodeCursor } from '../src/shared/pagination/cursor';
import { pageRequest, pageRequestJson } from '../src/shared/pagination/keyset';
import { validateArgument } from '../src/shared/validation';
import { SocialPost } from '../src/social-posts/social-post.entity';
import { openedDatabase } from './helpers/drivers';

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

describe('remembered per-request answers', () => {
  it('a first page is one frozen request per direction and size, so that a nested list writes its key once for all parents', () => {
    const kinds = ['date', 'string'] as const;
    const first5 = pageRequest({ first: 5 }, kinds);
    assert.equal(pageRequest({ first: 5 }, kinds), first5);
    assert.ok(Object.isFrozen(first5));
    assert.deepEqual(first5, { backward: false, size: 5, from: null });
    assert.deepEqual(pageRequest({ last: 5 }, kinds), { backward: true, size: 5, from: null });
    assert.notEqual(pageRequest({ last: 5 }, kinds), first5);
    assert.deepEqual(pageRequest({}, kinds), { backward: false, size: 20, from: null });
    // A page after a cursor is its own request, with the position decoded.
    const after = pageRequest({ first: 5, after: encodeCursor([new Date('2026-01-01T00:00:00.000Z'), 'x']) }, kinds);
    assert.notEqual(after, first5);
    assert.equal(after.size, 5);
    assert.equal(after.from?.length, 2);
    // The batch key's JSON: the same whether written with the shared page or now.
    assert.equal(pageRequestJson(first5), JSON.stringify(first5));
    assert.equal(pageRequestJson(after), JSON.stringify(after));
  });

  describe('a content item read for a response keeps its global id once encoded', () => {
    const opened = openedDatabase('sqlite');
    const id = '3f8f2c1e-6a3b-4c8e-9d2a-1b2c3d4e5f60';

    it('encodes it once, the same as encoded afresh', () => {
      const reader = contentReader(opened.db);
      const projection = reader.projection([ContentType.SOCIAL_POST], ['id', 'type', 'title']);
      const [item] = reader.hydrate<SocialPost>([{ id, type: ContentType.SOCIAL_POST, title: 'A post' }], projection);
      const written = item.nodeId;
      assert.equal(written, encodeGlobalId('SocialPost', id));
      assert.equal(item.nodeId, written);
      // Kept: a nested page that repeats the item does not encode it again (shown by changing the id, which read items never do).
      item.id = 'changed';
      assert.equal(item.nodeId, written);
      // Kept in the symbol-keyed slot, which JSON leaves out.
      assert.deepEqual(Object.getOwnPropertySymbols(item), [NODE_ID]);
      assert.deepEqual(JSON.parse(JSON.stringify(item)), { id: 'changed', type: ContentType.SOCIAL_POST, title: 'A post' });
    });

    it('an item made any other way encodes its id on every read, so that one given its id later is not stale', () => {
      const post = new SocialPost();
      post.type = ContentType.SOCIAL_POST;
      post.id = id;
      assert.equal(post.nodeId, encodeGlobalId('SocialPost', id));
      post.id = '00000000-0000-4000-8000-000000000000';
      assert.equal(post.nodeId, encodeGlobalId('SocialPost', '00000000-0000-4000-8000-000000000000'));
    });
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

  it('validates every time a class with a rule that is not a function of the value alone', async () => {
    // A constraint whose verdict changes between calls (as one reading the clock or the database could).
    let calls = 0;
    @ValidatorConstraint({ name: 'everyOtherCall' })
    class EveryOtherCall implements ValidatorConstraintInterface {
      validate(): boolean {
        return calls++ % 2 === 0;
      }
    }
    class Changing {
      @Validate(EveryOtherCall)
      note?: string;
    }
    const input = () => Object.assign(new Changing(), { note: 'same' });
    await validateArgument(input());
    await assert.rejects(validateArgument(input()), (error: { extensions: { code: string; fields: { field: string }[] } }) => {
      assert.equal(error.extensions.code, 'BAD_USER_INPUT');
      assert.deepEqual(error.extensions.fields.map((f) => f.field), ['note']);
      return true;
    });
    await validateArgument(input());
    assert.equal(calls, 3);
  });
});

