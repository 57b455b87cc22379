import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { campaignCatalogue } from '../src/campaigns/campaign-catalogue';
import { openDatabase } from '../src/db/data-source';
import type { RunningGateway } from '../src/main';
import { nationCatalogue } from '../src/member-nations/nation-catalogue';
import { ENTITIES } from '../src/server/modules';
import { decodeGlobalId } from '../src/shared/node/global-id';
import { Role } from '../src/shared/viewer';
import { createApiKey, revokeApiKey } from '../src/store/keys';
import { KeyChangeKind } from '../src/changes/change-log';
import { CLI_ACTOR, write } from '../src/store/session';
import { Editor, keyHeaders, poster, startChildGateway, type ChildGateway } from './helpers/changes';
import { insertItems } from './helpers/content';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { postRaw, sha256, waitFor } from './helpers/http';
import { connectLive, connectMany, upgradeStatus, type LiveClient, type LiveSubscription } from './helpers/live';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { requestStatements } from './helpers/request-statements';

const PUBLISHED = `subscription { contentPublished { id title } }`;
const CHANGES = `subscription ($filter: FeedFilter) { contentChanges(filter: $filter) { kind id type item { id title } } }`;


/** A key's secret (and id), made as the CLI does. */
async function newKey(db: DataSource, role: Role, allowedOperations?: string[]): Promise<{ id: string; secret: string }> {
  const { key, secret } = await createApiKey(db, { name: `${role} ${Math.random().toString(36).slice(2, 8)}`, role, allowedOperations });
  return { id: key.id, secret };
}

/** Every error's extensions carry a code and none of the HTTP-only ones (`http`, the status Apollo reads). */
function assertPlainErrors(errors: unknown, code: string): { message: string; extensions: Record<string, unknown> }[] {
  assert.ok(Array.isArray(errors) && errors.length > 0, `an array of GraphQL errors: ${JSON.stringify(errors)}`);
  for (const error of errors as { message: unknown; extensions?: Record<string, unknown> }[]) {
    assert.equal(typeof error.message, 'string');
    assert.equal(error.extensions?.code, code, JSON.stringify(error));
    assert.equal('http' in (error.extensions ?? {}), false, `no HTTP-only extension: ${JSON.stringify(error)}`);
    assert.equal('stacktrace' in (error.extensions ?? {}), false, `no stack trace: ${JSON.stringify(error)}`);
  }
  return errors as never;
}

/** Asserts that a subscription on `live` still works: the socket survived what came before. */
async function assertSocketWorks(live: LiveClient, gw: LiveGateway, slug: string): Promise<void> {
  const base = gw.gateway.services.live.listenerCount;
  const check = live.subscribe(PUBLISHED);
  await listening(gw, base + 1);
  const item = await gw.editor.create('DigestArticle', slug);
  await gw.editor.publish(item);
  const [result] = await check.waitForResults(1, `the publication of ${slug}`);
  assert.deepEqual(result, { data: { contentPublished: { id: item.id, title: `Title of ${slug}` } } });
  assert.equal(live.closed, null);
  check.unsubscribe();
}

/** Waits until the process has `count` live listeners (subscriptions started past `onSubscribe`). */
async function listening(gw: { gateway: RunningGateway }, count: number): Promise<void> {
  await waitFor(`${count} subscriptions to listen`, () => gw.gateway.services.live.listenerCount >= count, { tries: 1000, intervalMs: 20 });
}

for (const driver of DRIVERS) {
  describe(`subscriptions over graphql-ws [${driver}]`, () => {
    let gw: LiveGateway;
    const clients: LiveClient[] = [];
    const open = (key?: string | Record<string, unknown>) => {
      const client = connectLive(gw.url, key);
      clients.push(client);
      return client;
    };

    before(async () => {
      gw = await startLiveGateway(driver, { MAX_SUBSCRIPTIONS_PER_SOCKET: '100', MAX_SOCKETS_PER_CALLER: '100' });
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await gw.stop();
    });

    it('serves each subscriber the item in its locale: the argument, else the socket’s Accept-Language, else English', async () => {
      const LOCALISED = `subscription ($locale: Locale) { contentChanges(locale: $locale) { kind item { title locale } } }`;
      const byArgument = open();
      const byHeader = connectLive(gw.url, undefined, { 'accept-language': 'ar, en;q=0.5' });
      clients.push(byHeader);
      const english = open();
      await Promise.all([byArgument, byHeader, english].map((live) => live.waitForConnected()));
      const base = gw.gateway.services.live.listenerCount;
      const [arabic, fromHeader, plain] = [byArgument.subscribe(LOCALISED, { locale: 'AR' }), byHeader.subscribe(LOCALISED), english.subscribe(LOCALISED)];
      await listening(gw, base + 3);

      const item = await gw.editor.create('DigestArticle', 'live-in-arabic');
      await gw.editor.publish(item);
      // An event's item is read when the event goes out: the publication must have gone out before the translation is written.
      for (const subscription of [arabic, fromHeader, plain]) await subscription.waitForResults(1, 'the publication');
      const translated = await poster(gw.url)(
        `mutation ($id: ID!, $input: TranslationInput!) { setTranslation(id: $id, locale: AR, input: $input) { locale } }`,
        { id: item.id, input: { title: 'عنوان مباشر', summary: 'ملخص مباشر' } },
        await keyHeaders(gw.gateway.db, Role.EDITOR),
      );
      assert.equal(translated.body.errors, undefined, JSON.stringify(translated.body.errors));

      const english_ = { title: 'Title of live-in-arabic', locale: 'EN' };
      const arabic_ = { title: 'عنوان مباشر', locale: 'AR' };
      // The publication comes before the translation: served in English (the fallback, named) to all three.
      for (const [subscription, translatedAs] of [[arabic, arabic_], [fromHeader, arabic_], [plain, english_]] as const) {
        const results = await subscription.waitForResults(2, 'the publication and the translation');
        assert.deepEqual(
          results.map((result) => (result as { data: { contentChanges: unknown } }).data.contentChanges),
          [{ kind: 'PUBLISHED', item: english_ }, { kind: 'UPDATED', item: translatedAs }],
        );
      }
    });

    it('contentPublished fires on a first publication and a publication after a withdrawal, not on updates; contentChanges carries every kind, tombstones without items', async () => {
      const live = open();
      await live.waitForConnected();
      const published = live.subscribe(PUBLISHED);
      const changes = live.subscribe(CHANGES);
      await listening(gw, 2);
      const { editor } = gw;

      // A draft is invisible: neither subscription hears of it.
      const item = await editor.create('DigestArticle', 'live-one');
      await editor.update(item, { title: 'Draft title' });
      await editor.publish(item);
      await changes.waitForResults(1, 'the publication');
      await editor.update(item, { title: 'Updated title' });
      await changes.waitForResults(2, 'the update');
      await editor.unpublish(item);
      await changes.waitForResults(3, 'the withdrawal');
      await editor.publish(item);
      await changes.waitForResults(4, 'the publication after the withdrawal');
      await editor.delete(item);
      await changes.waitForResults(5, 'the deletion');
      const sentinel = await editor.create('DigestArticle', 'live-two');
      await editor.publish(sentinel);
      await changes.waitForResults(6, 'the second item’s publication');
      await published.waitForResults(3, 'three publications');

      assert.deepEqual(published.results, [
        { data: { contentPublished: { id: item.id, title: 'Draft title' } } },
        { data: { contentPublished: { id: item.id, title: 'Updated title' } } },
        { data: { contentPublished: { id: sentinel.id, title: 'Title of live-two' } } },
      ]);
      const change = (kind: string, id: string, title: string | null) => ({
        data: { contentChanges: { kind, id, type: 'DIGEST_ARTICLE', item: title === null ? null : { id, title } } },
      });
      assert.deepEqual(changes.results, [
        change('PUBLISHED', item.id, 'Draft title'),
        change('UPDATED', item.id, 'Updated title'),
        change('UNPUBLISHED', item.id, null),
        change('PUBLISHED', item.id, 'Updated title'),
        change('DELETED', item.id, null),
        change('PUBLISHED', sentinel.id, 'Title of live-two'),
      ]);
      published.unsubscribe();
      changes.unsubscribe();
    });

    it('filters as Query.feed does; a subscriber whose filter the item leaves gets the tombstone; an editor’s key gets published content only', async () => {
      const editorKey = await newKey(gw.gateway.db, Role.EDITOR);
      const live = open(editorKey.secret);
      await live.waitForConnected();
      const base = gw.gateway.services.live.listenerCount;
      const syria = live.subscribe(`subscription { contentPublished(filter: { countries: ["SYR"] }) { id countries } }`);
      const syriaChanges = live.subscribe(CHANGES, { filter: { countries: ['SYR'] } });
      const everything = live.subscribe(CHANGES);
      await listening(gw, base + 3);
      const { editor } = gw;

      const iraq = await editor.create('DigestArticle', 'live-iraq', { countries: ['IRQ'] });
      await editor.publish(iraq);
      const syrian = await editor.create('DigestArticle', 'live-syria', { countries: ['SYR', 'IRQ'] });
      await editor.publish(syrian);
      await syriaChanges.waitForResults(1);
      // It leaves the filter: the filtered reader gets a tombstone, the unfiltered one the item.
      await editor.update(syrian, { countries: ['IRQ'] });
      await syriaChanges.waitForResults(2);
      await everything.waitForResults(3);
      const draft = await editor.create('DigestArticle', 'live-draft', { countries: ['SYR'] });
      await editor.update(draft, { title: 'Still a draft' });
      const last = await editor.create('DigestArticle', 'live-syria-last', { countries: ['SYR'] });
      await editor.publish(last);
      await syria.waitForResults(2);
      await everything.waitForResults(4);

      assert.deepEqual(syria.results, [{ data: { contentPublished: { id: syrian.id, countries: ['IRQ', 'SYR'] } } }, { data: { contentPublished: { id: last.id, countries: ['SYR'] } } }]);
      assert.deepEqual(
        syriaChanges.results.map((result) => [result.data.contentChanges.kind, result.data.contentChanges.id, result.data.contentChanges.item?.title ?? null]),
        [
          ['PUBLISHED', syrian.id, 'Title of live-syria'],
          ['UPDATED', syrian.id, null],
          ['PUBLISHED', last.id, 'Title of live-syria-last'],
        ],
      );
      assert.deepEqual(
        everything.results.map((result) => [result.data.contentChanges.kind, result.data.contentChanges.id, result.data.contentChanges.item?.title ?? null]),
        [
          ['PUBLISHED', iraq.id, 'Title of live-iraq'],
          ['PUBLISHED', syrian.id, 'Title of live-syria'],
          ['UPDATED', syrian.id, 'Title of live-syria'],
          ['PUBLISHED', last.id, 'Title of live-syria-last'],
        ],
        'the editor’s draft never reaches even an editor’s subscription',
      );
      for (const subscription of [syria, syriaChanges, everything]) subscription.unsubscribe();
    });

    it('takes the key from connection_init: a partner’s key connects, a wrong key is closed with 4403, a key revoked while connected closes its sockets', async () => {
      const partner = await newKey(gw.gateway.db, Role.PARTNER);
      const first = open(partner.secret);
      const second = open(partner.secret);
      const anonymous = open();
      await Promise.all([first.waitForConnected(), second.waitForConnected(), anonymous.waitForConnected()]);
      // The change log's reader can deliver the key's creation after its sockets opened (CI saw it once):
      // the creation's entry, read late, leaves them open.
      await write(gw.gateway.db, CLI_ACTOR, async (session) => session.change({ subject: 'KEY', kind: KeyChangeKind.CREATED, subjectId: partner.id }));
      await assertSocketWorks(first, gw, 'live-after-key-creation');
      const pending = first.subscribe(PUBLISHED);

      const wrong = open('cg_not-a-real-key');
      assert.equal((await wrong.waitForClose()).code, 4403);
      assert.equal(wrong.connected, false, 'a wrong key is never acknowledged');
      const malformed = open({ authorization: 'Basic abc' });
      assert.equal((await malformed.waitForClose()).code, 4403);
      // The right key, but not as a string: wrong, not anonymous.
      const listed = open({ authorization: [`Bearer ${partner.secret}`] });
      assert.equal((await listed.waitForClose()).code, 4403);
      assert.equal(listed.connected, false);

      await revokeApiKey(gw.gateway.db, partner.id);
      const [closedFirst, closedSecond] = await Promise.all([first.waitForClose('the revoked key’s first socket to close'), second.waitForClose('its second socket')]);
      assert.equal(closedFirst.code, 4403);
      assert.equal(closedSecond.code, 4403);
      assert.notEqual(pending.error, undefined, 'its subscription ended with the socket');
      // Other callers stay connected.
      await assertSocketWorks(anonymous, gw, 'live-after-revocation');
      const again = open(partner.secret);
      assert.equal((await again.waitForClose()).code, 4403, 'the revoked key cannot connect again');
    });

    it('refuses a socket whose key is revoked while it is being looked up, with 4403', async () => {
      const partner = await newKey(gw.gateway.db, Role.PARTNER);
      const authenticator = gw.gateway.services.authenticator;
      const original = authenticator.authenticate;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let foundValid!: () => void;
      const lookedUp = new Promise<void>((resolve) => (foundValid = resolve));
      let held = false;
      // The first lookup finds the key valid, then is held until the revocation has reached this process.
      authenticator.authenticate = async function (this: typeof authenticator, secret) {
        const viewer = await original.call(this, secret);
        if (held) return viewer;
        held = true;
        foundValid();
        await gate;
        return viewer;
      };
      try {
        const socket = open(partner.secret);
        await lookedUp;
        await revokeApiKey(gw.gateway.db, partner.id);
        // Read by this process: the same listener that told the WebSocket server dropped the key's cached copy, so HTTP refuses it.
        const post = poster(gw.url);
        await waitFor('the revocation to be read from the change log', async () => (await post('{ __typename }', {}, { authorization: `Bearer ${partner.secret}` })).status === 401);
        release();
        const closed = await socket.waitForClose('the socket to be refused');
        assert.equal(closed.code, 4403);
        assert.equal(socket.connected, false, 'never acknowledged');
      } finally {
        authenticator.authenticate = original;
        release();
      }
    });

    it('closes a socket with 4403 when its key expires, and only that socket', async () => {
      const expiresAt = new Date(Date.now() + 1500);
      const { key, secret } = await createApiKey(gw.gateway.db, { name: `expiring ${Math.random().toString(36).slice(2, 8)}`, role: Role.PARTNER, expiresAt });
      const expiring = open(secret);
      const anonymous = open();
      await Promise.all([expiring.waitForConnected(), anonymous.waitForConnected()]);
      await assertSocketWorks(expiring, gw, 'live-before-expiry');
      const pending = expiring.subscribe(PUBLISHED);
      const closed = await expiring.waitForClose('the expiring key’s socket to close');
      assert.ok(Date.now() >= expiresAt.getTime(), 'not before the expiry');
      assert.deepEqual([closed.code, closed.reason], [4403, 'Forbidden: the API key has expired']);
      assert.notEqual(pending.error, undefined, 'its subscription ended with the socket');
      await assertSocketWorks(anonymous, gw, 'live-after-expiry');
      assert.equal((await open(secret).waitForClose()).code, 4403, `the expired key ${key.id} cannot connect again`);
    });

    it('a few hundred subscribers of one selection cost the statements of one: statements per event do not grow with subscribers', async () => {
      const writer = await openDatabase(gw.database, { entities: ENTITIES });
      const selection = `subscription { contentChanges(filter: { countries: ["IRQ", "SYR", "GBR", "USA", "TUR", "FRA"] }) { kind id item { id title nations { code name } ... on DigestArticle { outlet } } } }`;
      /** Statements the gateway ran for one publication, with `subscribers` subscribed to `selection`. */
      async function statementsFor(subscribers: LiveSubscription[], slug: string): Promise<string[]> {
        const before = subscribers.map((subscription) => subscription.results.length);
        // The catalogues are read again once a minute: fresh copies now, so that no reload falls inside one measurement.
        for (const catalogue of [nationCatalogue(gw.gateway.db), campaignCatalogue(gw.gateway.db)]) {
          catalogue.clear();
          await catalogue.get();
        }
        gw.sql.reset();
        // Written from outside the gateway, so only what it does for the event is recorded.
        const [id] = await insertItems(writer, 1, { prefix: slug });
        await waitFor('every subscriber to get the event', () => subscribers.every((subscription, n) => subscription.results.length > before[n]), { tries: 1000, intervalMs: 20 });
        for (const subscription of subscribers) {
          const result = subscription.results.at(-1)!;
          assert.equal(result.data.contentChanges.kind, 'PUBLISHED');
          assert.equal(result.data.contentChanges.item.title, `${slug} item 0`, JSON.stringify(result));
          assert.ok(id);
        }
        return requestStatements(gw.sql);
      }
      try {
        const base = gw.gateway.services.live.listenerCount;
        const [one] = await connectMany(gw.url, 1);
        clients.push(one);
        const alone = [one.subscribe(selection)];
        await listening(gw, base + 1);
        const forOne = await statementsFor(alone, 'alone');

        const many = await connectMany(gw.url, 6);
        clients.push(...many);
        const crowd = [...alone, ...many.flatMap((client) => Array.from({ length: 50 }, () => client.subscribe(selection)))];
        await listening(gw, base + crowd.length);
        assert.equal(crowd.length, 301);
        const forMany = await statementsFor(crowd, 'crowd');

        assert.ok(forOne.length > 0, 'the event is read from the database');
        assert.equal(forMany.length, forOne.length, `one subscriber: ${forOne.length} statements; ${crowd.length}: ${forMany.length}\n${forMany.join('\n')}`);
        for (const subscription of crowd) subscription.unsubscribe();
      } finally {
        await writer.destroy();
      }
    });

    it('a burst of 2,500 changes in one write reaches every subscriber whole and in order, read a chunk of items per statement', async (t) => {
      const writer = await openDatabase(gw.database, { entities: ENTITIES });
      try {
        const base = gw.gateway.services.live.listenerCount;
        const [first, second] = await connectMany(gw.url, 2);
        clients.push(first, second);
        // One of every kind of reader: all changes, all publications, and a filter checked against the item as it is now.
        const all = first.subscribe(`subscription { contentChanges { kind id item { title } } }`);
        const published = first.subscribe(`subscription { contentPublished { id title } }`);
        const filtered = second.subscribe(`subscription { contentChanges(filter: { countries: ["IRQ"] }) { id item { title } } }`);
        await listening(gw, base + 3);
        gw.sql.reset();
        const burst = 2_500;
        const ids = await insertItems(writer, burst, { prefix: 'burst' });
        const titles = Array.from({ length: burst }, (_, n) => `burst item ${n}`);
        // insertItems gives item n the countries n and n+1 of its six: IRQ is the first.
        const irq = titles.filter((_, n) => n % 6 === 0 || n % 6 === 5);
        const arrived = () => [all.results.length, published.results.length, filtered.results.length];
        await waitFor(`every event (${burst}, ${burst}, ${irq.length}) to arrive`, () => arrived()[0] >= burst && arrived()[1] >= burst && arrived()[2] >= irq.length, {
          tries: 3_000,
          intervalMs: 20,
        });
        for (const subscription of [all, published, filtered]) assert.equal(subscription.error, undefined, JSON.stringify(subscription.error));
        // The change log's order of the burst, as global ids.
        const burstIds = new Set(ids.map((id) => id.toLowerCase()));
        const logged = ((await writer.query(`SELECT subject_id FROM change_log WHERE subject = 'CONTENT' ORDER BY seq`)) as { subject_id: string }[])
          .map((row) => String(row.subject_id).toLowerCase())
          .filter((id) => burstIds.has(id));
        assert.equal(logged.length, burst);
        const idsOf = (results: { data?: any }[], field: string) => results.map((result) => decodeGlobalId(result.data[field].id).localId.toLowerCase());
        assert.deepEqual(idsOf(all.results, 'contentChanges'), logged, 'every change, in the log’s order');
        assert.deepEqual(idsOf(published.results, 'contentPublished'), logged, 'every publication, in the log’s order');
        const irqIds = new Set(irq.map((title) => ids[titles.indexOf(title)].toLowerCase()));
        assert.deepEqual(idsOf(filtered.results, 'contentChanges'), logged.filter((id) => irqIds.has(id)), 'the filtered ones, in the log’s order');
        assert.deepEqual(all.results.map((result) => result.data.contentChanges.item.title).sort(), [...titles].sort());
        const reads = requestStatements(gw.sql).filter((statement) => /\bcontent_(country|tag)\b|\bFROM content c\b/.test(statement));
        // One statement per item and two per filtered item (7,500 and more) before; chunks of up to 200 ids now, whose size
        // depends on how many events the subscriptions have asked for by the time a statement goes (fewer on a loaded machine).
        assert.ok(reads.length > 0 && reads.length <= 750, `${reads.length} statements read the burst's items:\n${reads.slice(0, 5).join('\n')}`);
        t.diagnostic(`${reads.length} statements read the burst's items`);
        for (const subscription of [all, published, filtered]) subscription.unsubscribe();
      } finally {
        await writer.destroy();
      }
    });
  });
}

for (const driver of DRIVERS) {
  describe(`subscriptions at shutdown [${driver}]`, () => {
    it('sends what the change log held when shutdown began, then closes every socket with 1001', async () => {
      const gw = await startLiveGateway(driver);
      const writer = await openDatabase(gw.database, { entities: ENTITIES });
      const live = connectLive(gw.url);
      try {
        await live.waitForConnected();
        const published = live.subscribe(`subscription { contentPublished { id title nations { code } } }`);
        await listening(gw, 1);
        // Committed from outside, so the gateway learns of it only while it shuts down.
        const [id] = await insertItems(writer, 1, { prefix: 'last-word' });
        await gw.gateway.stop();
        const closed = await live.waitForClose();
        assert.equal(closed.code, 1001);
        assert.equal(published.results.length, 1, 'the last publication was sent before the socket closed');
        assert.equal(published.results[0].data.contentPublished.title, 'last-word item 0');
        assert.ok(id);
      } finally {
        await live.dispose();
        await writer.destroy();
        await gw.stop();
      }
    });
  });
}

describe('subscriptions over graphql-ws: protections apply to every subscription, and the socket survives a refused one [sqlite]', () => {
  let gw: LiveGateway;
  const clients: LiveClient[] = [];
  const open = (key?: string | Record<string, unknown>) => {
    const client = connectLive(gw.url, key);
    clients.push(client);
    return client;
  };

  before(async () => {
    gw = await startLiveGateway('sqlite', {
      MAX_DEPTH: '4',
      MAX_ALIASES: '1',
      MAX_COST: '60',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      MAX_SOCKETS_PER_CALLER: '2',
      CORS_ORIGINS: 'https://app.example',
      RATE_LIMIT: 'on',
      // Only admins are held tight here, so that the other tests' partner and editor keys never meet the limit.
      RATE_LIMITS: 'admin=5',
    });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await gw.stop();
  });

  it('refuses an upgrade from an Origin not in CORS_ORIGINS, and accepts one from a listed origin or with none', async () => {
    assert.equal(await upgradeStatus(gw.url, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(gw.url, { origin: 'https://app.example' }), 101);
    assert.equal(await upgradeStatus(gw.url, {}), 101);
  });

  it('answers a syntax error, a validation error, a query, introspection and each limit with an error for that subscription alone; the socket stays open', async () => {
    const partner = await newKey(gw.gateway.db, Role.PARTNER);
    const live = open(partner.secret);
    await live.waitForConnected();
    const refused = async (query: string, code: string) => {
      const subscription = live.subscribe(query);
      const errors = assertPlainErrors(await subscription.waitForError(`the refusal of ${query}`), code);
      assert.equal(live.closed, null, `the socket stays open after ${query}`);
      return errors[0];
    };
    await refused('subscription { contentPublished { id ', 'GRAPHQL_PARSE_FAILED');
    await refused('subscription { contentPublished { noSuchField } }', 'GRAPHQL_VALIDATION_FAILED');
    await refused('{ __schema { types { name } } }', 'BAD_REQUEST');
    await refused('subscription { __schema { types { name } } }', 'GRAPHQL_VALIDATION_FAILED');
    const depth = await refused('subscription { contentPublished { nations { feed(first: 1) { edges { node { id } } } } } }', 'QUERY_TOO_COMPLEX');
    assert.deepEqual({ ...depth.extensions, value: undefined }, { code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: undefined, limit: 4 });
    const aliases = await refused('subscription { contentPublished { a: id b: title } }', 'QUERY_TOO_COMPLEX');
    assert.deepEqual(aliases.extensions, { code: 'QUERY_TOO_COMPLEX', measure: 'aliases', value: 2, limit: 1 });
    const cost = await refused('subscription { contentPublished { nations { feed(first: 100) { totalCount } } } }', 'QUERY_TOO_COMPLEX');
    assert.equal(cost.extensions.measure, 'cost');
    assert.equal(cost.extensions.limit, 60);
    await assertSocketWorks(live, gw, 'live-after-refusals');
  });

  it('holds a key bound to an allow-list to its persisted operations, over the socket as over HTTP', async () => {
    const allowed = `subscription { contentPublished { id title } }`;
    const key = await newKey(gw.gateway.db, Role.PARTNER, [sha256(allowed)]);
    const live = open(key.secret);
    await live.waitForConnected();
    const other = live.subscribe(CHANGES);
    const [error] = assertPlainErrors(await other.waitForError(), 'FORBIDDEN');
    assert.equal(error.extensions.queryHash, sha256(CHANGES));
    assert.equal(live.closed, null);
    await assertSocketWorks(live, gw, 'live-allow-listed');
  });

  it('charges each subscription to its caller’s rate limit: past it, RATE_LIMITED with retryAfter, and the socket stays open', async () => {
    const admin = await newKey(gw.gateway.db, Role.ADMIN);
    const live = open(admin.secret);
    await live.waitForConnected();
    const query = 'subscription { contentPublished { nations { code } } }';
    let refusal: any;
    let accepted = 0;
    for (let n = 0; n < 10 && refusal === undefined; n++) {
      const base = gw.gateway.services.live.listenerCount;
      const subscription = live.subscribe(query);
      await waitFor('the subscription to start or be refused', () => gw.gateway.services.live.listenerCount > base || subscription.error !== undefined);
      if (subscription.error !== undefined) {
        refusal = subscription.error;
        break;
      }
      accepted++;
      subscription.unsubscribe();
      await waitFor('the subscription to end', () => gw.gateway.services.live.listenerCount === base);
    }
    assert.ok(accepted >= 1, 'the first subscriptions fit in the limit');
    assert.ok(accepted < 5, `${accepted} subscriptions accepted within 5 points`);
    const [error] = assertPlainErrors(refusal, 'RATE_LIMITED');
    assert.ok(Number(error.extensions.retryAfter) >= 1, JSON.stringify(error));
    assert.equal(live.closed, null);
  });

  it('charges an anonymous caller’s subscriptions to the same budget as its HTTP requests: one limit per address', async () => {
    const tight = await startLiveGateway('sqlite', { RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=3' });
    const live = connectLive(tight.url);
    try {
      await live.waitForConnected();
      // The address's whole budget, spent over HTTP (each operation costs at least one point).
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) statuses.push((await postRaw(tight.url, JSON.stringify({ query: '{ __typename }' }))).status);
      assert.equal(statuses.filter((status) => status === 200).length, 3, `statuses ${statuses}`);
      const subscription = live.subscribe('subscription { contentPublished { id } }');
      const [error] = assertPlainErrors(await subscription.waitForError('the subscription to be refused'), 'RATE_LIMITED');
      assert.equal(error.extensions.limit, 3);
      assert.equal(live.closed, null);
    } finally {
      await live.dispose();
      await tight.stop();
    }
  });

  it('caps subscriptions per socket (MAX_SUBSCRIPTIONS_PER_SOCKET) and sockets per key or address (MAX_SOCKETS_PER_CALLER)', async () => {
    const key = await newKey(gw.gateway.db, Role.PARTNER);
    const first = open(key.secret);
    await first.waitForConnected();
    const base = gw.gateway.services.live.listenerCount;
    const kept = [first.subscribe(PUBLISHED), first.subscribe(CHANGES)];
    await listening(gw, base + 2);
    const third = first.subscribe(PUBLISHED);
    const [error] = assertPlainErrors(await third.waitForError('the third subscription’s refusal'), 'RATE_LIMITED');
    assert.equal(error.extensions.limit, 2);
    assert.equal(first.closed, null);
    // The two kept subscriptions still run.
    const item = await gw.editor.create('DigestArticle', 'live-capped');
    await gw.editor.publish(item);
    await kept[0].waitForResults(1);
    await kept[1].waitForResults(1);
    // Ending one frees its place.
    kept[0].unsubscribe();
    await waitFor('the ended subscription to be released', () => gw.gateway.services.live.listenerCount === base + 1);
    const replacement = first.subscribe(PUBLISHED);
    await listening(gw, base + 2);
    assert.equal(replacement.error, undefined);

    const second = open(key.secret);
    await second.waitForConnected();
    const surplus = open(key.secret);
    const closed = await surplus.waitForClose('the third socket of one key to close');
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /2 open sockets/);
    // Anonymous callers are counted by address: two sockets, then refused.
    const anonymous = [open(), open()];
    await Promise.all(anonymous.map((client) => client.waitForConnected()));
    assert.equal((await open().waitForClose('a third anonymous socket from one address to close')).code, 4403);
    // A closed socket frees its place.
    await second.dispose();
    await second.waitForClose();
    const later = open(key.secret);
    await waitFor('a socket in the freed place', () => later.connected || later.closed);
    assert.equal(later.closed, null, 'a closed socket gives its place back');
  });
});

describe('subscriptions across gateway processes', () => {
  for (const driver of DRIVERS) {
    it(`[${driver}] a publication through one process reaches a subscriber of another; SIGTERM closes sockets with 1001`, async () => {
      const database = freshDatabase(driver);
      let a: ChildGateway | undefined;
      let b: ChildGateway | undefined;
      const clients: LiveClient[] = [];
      let db: DataSource | undefined;
      try {
        a = await startChildGateway(database);
        b = await startChildGateway(database);
        db = await openDatabase(database, { entities: ENTITIES });
        const editor = new Editor(a.post, await keyHeaders(db, Role.EDITOR));
        const onB = connectLive(b.url);
        clients.push(onB);
        await onB.waitForConnected();
        const published = onB.subscribe(PUBLISHED);
        // B's subscription runs once an event reaches it: publish warm-up items until one does.
        for (let n = 0; published.results.length === 0; n++) {
          assert.ok(n < 20, 'no warm-up publication reached process B');
          const warm = await editor.create('DigestArticle', `warm-up-${n}`);
          await editor.publish(warm);
          await waitFor('a warm-up publication on B', () => published.results.length > 0, { tries: 50, intervalMs: 20 }).catch(() => undefined);
        }
        const item = await editor.create('DigestArticle', 'across-processes');
        await editor.publish(item);
        await waitFor('process B’s subscriber to get the publication made through process A', () => published.results.some((result) => result.data?.contentPublished?.id === item.id), {
          tries: 500,
          intervalMs: 20,
        });
        assert.deepEqual(published.results.at(-1), { data: { contentPublished: { id: item.id, title: 'Title of across-processes' } } });

        b.child.kill('SIGTERM');
        const closed = await onB.waitForClose('process B’s socket to close on SIGTERM');
        assert.equal(closed.code, 1001);
        const child = b.child;
        await waitFor('process B to exit', () => child.exitCode !== null || child.signalCode !== null, { tries: 500, intervalMs: 20 });
        assert.equal(child.exitCode, 0, `exits cleanly after SIGTERM: ${child.signalCode} ${b.stderr()}`);
      } finally {
        await Promise.all(clients.map((client) => client.dispose()));
        await Promise.all([a?.stop(), b?.stop()]);
        await db?.destroy();
        await dropDatabase(database);
      }
    });
  }
});
