import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { STATEMENT_TIMEOUT_WARNING } from '../src/db/failures';
import { Role } from '../src/shared/viewer';
import { createApiKey, revokeApiKey } from '../src/store/keys';
import { poster } from './helpers/changes';
import { DRIVERS, type Driver } from './helpers/drivers';
import { sha256, waitFor } from './helpers/http';
import { connectLive, type LiveClient } from './helpers/live';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';

/** The reviewer's selection: the nested `translation` reads `content_translation` when the event is executed. */
const TRANSLATED = `subscription { contentChanges { kind id item { title translation(locale: AR) { title } } } }`;
const PUBLISHED = `subscription { contentPublished { id title } }`;
const CHANGES = `subscription { contentChanges { kind id } }`;

/** SQL, a stack or a driver's words: what must never reach a client. */
const INTERNALS = /SELECT|relation|no such table|content_translation|api_key|stack|at \w+ \(|\.js:\d+/i;

type Gateway = LiveGateway;

/** The real gateway on an ephemeral port over a fresh database, its log captured; rate limits off. */
function start(driver: Driver, env: Record<string, string> = {}): Promise<Gateway> {
  return startLiveGateway(driver, { RATE_LIMIT: 'off', ...env });
}

/** Renames `table` in the test's own database (its PostgreSQL schema is first on the search path), and back when `restore` is called. */
async function renamed(db: DataSource, table: string): Promise<{ restore(): Promise<void> }> {
  await db.query(`ALTER TABLE ${table} RENAME TO ${table}_x`);
  let restored = false;
  return {
    async restore() {
      if (restored) return;
      restored = true;
      await db.query(`ALTER TABLE ${table}_x RENAME TO ${table}`);
    },
  };
}

async function newKey(db: DataSource, role: Role, allowedOperations?: string[]): Promise<{ id: string; secret: string }> {
  const { key, secret } = await createApiKey(db, { name: `${role} ${Math.random().toString(36).slice(2, 8)}`, role, allowedOperations });
  return { id: key.id, secret };
}

async function listening(gw: Gateway, count: number): Promise<void> {
  await waitFor(`${count} subscriptions to listen`, () => gw.gateway.services.live.listenerCount >= count, { tries: 1000, intervalMs: 20 });
}

for (const driver of DRIVERS) {
  describe(`subscriptions: errors as over HTTP, and the key under any case of its name [${driver}]`, () => {
    let gw: Gateway;
    const clients: LiveClient[] = [];
    const open = (key?: string | Record<string, unknown>) => {
      const client = connectLive(gw.url, key);
      clients.push(client);
      return client;
    };

    before(async () => {
      gw = await start(driver);
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await gw.stop();
    });

    it('masks an unexpected database error inside an event’s fields as Internal server error (INTERNAL_SERVER_ERROR), logged once per shared execution', async () => {
      const [first, second] = [open(), open()];
      await Promise.all([first.waitForConnected(), second.waitForConnected()]);
      const base = gw.gateway.services.live.listenerCount;
      const subscriptions = [first.subscribe(TRANSLATED), second.subscribe(TRANSLATED)];
      await listening(gw, base + 2);
      const item = await gw.editor.create('DigestArticle', 'live-broken-translations');
      const table = await renamed(gw.gateway.db, 'content_translation');
      const logged = gw.lines.length;
      let text: string[];
      try {
        await gw.editor.publish(item);
        text = [];
        for (const subscription of subscriptions) {
          const [result] = await subscription.waitForResults(1, 'the publication');
          text.push(JSON.stringify(result));
          assert.equal(result.data?.contentChanges?.kind, 'PUBLISHED', JSON.stringify(result));
          assert.equal(result.data?.contentChanges?.item?.title, 'Title of live-broken-translations');
          assert.deepEqual(result.errors, [
            {
              message: 'Internal server error',
              locations: [{ line: 1, column: 54 }],
              path: ['contentChanges', 'item', 'translation'],
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ]);
        }
        // The same selection over HTTP, for comparison: the same error.
        const http = await poster(gw.url)(`query ($id: ID!) { node(id: $id) { ... on Content { title translation(locale: AR) { title } } } }`, { id: item.id });
        assert.deepEqual(
          http.body.errors?.map(({ message, extensions }) => ({ message, extensions })),
          [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        );
      } finally {
        await table.restore();
      }
      for (const sent of text) assert.doesNotMatch(sent, INTERNALS);
      // One execution for both subscribers (the same selection): one log line with the error and its stack, as the HTTP request's.
      const failures = gw.lines.slice(logged).filter((line) => line.msg === 'unexpected error while resolving');
      const paths = failures.map((line) => JSON.stringify(line.path));
      assert.deepEqual(paths.sort(), [JSON.stringify(['contentChanges', 'item', 'translation']), JSON.stringify(['node', 'translation'])]);
      for (const failure of failures) {
        assert.ok(failure.err?.stack, 'the original error and its stack are logged');
        assert.match(String(failure.err?.message), /content_translation/);
      }
      assert.equal(first.closed, null);
      assert.equal(second.closed, null);
      for (const subscription of subscriptions) subscription.unsubscribe();
    });

    it('ends a subscription whose event’s item cannot be read with SERVICE_UNAVAILABLE, and logs why once', async () => {
      const client = open();
      await client.waitForConnected();
      const item = await gw.editor.create('DigestArticle', 'live-unreadable-item');
      const translated = await poster(gw.url)(
        'mutation ($id: ID!, $input: TranslationInput!) { setTranslation(id: $id, locale: AR, input: $input) { locale } }',
        { id: item.id, input: { title: 'عنوان', summary: 'ملخص' } },
        gw.editor.headers,
      );
      assert.equal(translated.body.errors, undefined, JSON.stringify(translated.body.errors));
      const base = gw.gateway.services.live.listenerCount;
      // In Arabic: the event's item is read with its translation, from the table about to go.
      const [first, second] = [client.subscribe(`subscription { contentPublished(locale: AR) { id title } }`), client.subscribe(`subscription { contentPublished(locale: AR) { title } }`)];
      await listening(gw, base + 2);
      const table = await renamed(gw.gateway.db, 'content_translation');
      const logged = gw.lines.length;
      try {
        await gw.editor.publish(item);
        for (const subscription of [first, second]) {
          const errors = await subscription.waitForError('the subscription to end');
          assert.deepEqual(
            errors.map((error: { extensions?: { code?: string } }) => error.extensions?.code),
            ['SERVICE_UNAVAILABLE'],
          );
          assert.doesNotMatch(JSON.stringify(errors), INTERNALS);
        }
      } finally {
        await table.restore();
      }
      // Both subscribers waited on one read: its failure is logged once, with the cause.
      const failures = gw.lines.slice(logged).filter((line) => String(line.msg).includes('reading live events’ items'));
      assert.equal(failures.length, 1, JSON.stringify(gw.lines.slice(logged).map((line) => line.msg)));
      assert.match(String(failures[0].err?.message), /content_translation/);
    });

    it('closes a socket whose key cannot be checked for an unexpected reason with 4500 and “Internal server error”, and logs the error', async () => {
      const table = await renamed(gw.gateway.db, 'api_key');
      const logged = gw.lines.length;
      let live: LiveClient;
      try {
        live = open('cg_any-key-at-all');
        const closed = await live.waitForClose('the socket to be closed');
        assert.deepEqual(closed, { code: 4500, reason: 'Internal server error' });
        assert.equal(live.connected, false);
      } finally {
        await table.restore();
      }
      const failure = gw.lines.slice(logged).find((line) => line.msg === 'unexpected error while checking a WebSocket key');
      assert.ok(failure?.err?.stack, `the error and its stack are logged: ${JSON.stringify(gw.lines.slice(logged).map((line) => line.msg))}`);
      assert.match(String(failure.err.message), /api_key/);
      // The table is back: keys are checked as ever (a wrong one refused with 4403).
      assert.equal((await open('cg_any-key-at-all').waitForClose()).code, 4403);
    });

    it('takes the key from `Authorization` (any case of the name) in connection_init, as from `authorization`', async () => {
      // A wrong key under `Authorization` is a wrong key, not an anonymous caller.
      const wrong = open({ Authorization: 'Bearer cg_not-a-real-key' });
      assert.equal((await wrong.waitForClose()).code, 4403);
      assert.equal(wrong.connected, false);
      const shouting = open({ AUTHORIZATION: 'Bearer cg_not-a-real-key' });
      assert.equal((await shouting.waitForClose()).code, 4403);

      // A key bound to an allow-list, under `Authorization`: held to its list (anonymous callers are not).
      const listed = await newKey(gw.gateway.db, Role.PARTNER, [sha256(PUBLISHED)]);
      const bound = open({ Authorization: `Bearer ${listed.secret}` });
      await bound.waitForConnected();
      const refused = bound.subscribe(CHANGES);
      const errors = await refused.waitForError('the operation off the key’s list to be refused');
      assert.equal(errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(errors));
      assert.equal(errors[0].extensions.queryHash, sha256(CHANGES));
      const base = gw.gateway.services.live.listenerCount;
      const allowed = bound.subscribe(PUBLISHED);
      await listening(gw, base + 1);
      allowed.unsubscribe();

      // A partner's key under `Authorization` is that key: revoking it closes the socket.
      const partner = await newKey(gw.gateway.db, Role.PARTNER);
      const keyed = open({ Authorization: `Bearer ${partner.secret}` });
      const twice = open({ authorization: `Bearer ${partner.secret}`, Authorization: `Bearer ${partner.secret}` });
      const anonymous = open();
      await Promise.all([keyed.waitForConnected(), twice.waitForConnected(), anonymous.waitForConnected()]);
      await revokeApiKey(gw.gateway.db, partner.id);
      assert.equal((await keyed.waitForClose('the revoked key’s socket to close')).code, 4403);
      assert.equal((await twice.waitForClose('its other socket to close')).code, 4403);
      assert.equal(anonymous.closed, null);

      // Two names carrying different keys: which was meant cannot be told, and the socket is refused as a wrong key is.
      const other = await newKey(gw.gateway.db, Role.PARTNER);
      const conflicting = open({ authorization: `Bearer ${other.secret}`, Authorization: 'Bearer cg_not-a-real-key' });
      assert.equal((await conflicting.waitForClose()).code, 4403);
      assert.equal(conflicting.connected, false);
    });
  });
}

describe('subscriptions: a statement past DB_STATEMENT_TIMEOUT_MS inside an event is REQUEST_TIMEOUT, as over HTTP [postgres]', { skip: !DRIVERS.includes('postgres') && 'PostgreSQL suite not enabled' }, () => {
  it('answers the event with REQUEST_TIMEOUT at the field and logs the statement timeout’s warning, with no SQL to the client', async () => {
    const gw = await start('postgres', { DB_STATEMENT_TIMEOUT_MS: '400' });
    const live = connectLive(gw.url);
    // Holds the table's lock, so that the event's read of translations waits until PostgreSQL's statement_timeout ends it.
    const locker = new Client({ connectionString: (gw.database as { url: string }).url });
    let locked = false;
    try {
      await live.waitForConnected();
      const subscription = live.subscribe(TRANSLATED);
      await listening(gw, 1);
      const item = await gw.editor.create('DigestArticle', 'live-slow-translations');
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${(gw.database as { schema: string }).schema}".content_translation IN ACCESS EXCLUSIVE MODE`);
      locked = true;
      await gw.editor.publish(item);
      const [result] = await subscription.waitForResults(1, 'the publication');
      await locker.query('ROLLBACK');
      locked = false;
      assert.equal(result.data?.contentChanges?.item?.title, 'Title of live-slow-translations', JSON.stringify(result));
      assert.deepEqual(
        result.errors?.map(({ path, extensions }) => ({ path, extensions })),
        [{ path: ['contentChanges', 'item', 'translation'], extensions: { code: 'REQUEST_TIMEOUT' } }],
      );
      assert.doesNotMatch(JSON.stringify(result), INTERNALS);
      const warning = gw.lines.find((line) => line.msg === STATEMENT_TIMEOUT_WARNING);
      assert.deepEqual(warning?.path, ['contentChanges', 'item', 'translation']);
      assert.equal(gw.lines.find((line) => line.msg === 'unexpected error while resolving'), undefined, 'a statement timeout is no unexpected error');
      assert.equal(live.closed, null);
    } finally {
      if (locked) await locker.query('ROLLBACK').catch(() => {});
      await locker.end().catch(() => {});
      await live.dispose();
      await gw.stop();
    }
  });
});
