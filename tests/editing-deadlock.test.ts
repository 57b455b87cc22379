import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { KeyChangeKind } from '../src/changes/change-log';
import { ConflictError } from '../src/shared/errors';
import { decodeGlobalId } from '../src/shared/node/global-id';
import { Role } from '../src/shared/viewer';
import { CLI_ACTOR, DEADLOCK_ATTEMPTS, write, type WriteSession } from '../src/store/session';
import { Editor, keyHeaders, logHead, storedChanges } from './helpers/changes';
import { DRIVERS, POSTGRES_ENABLED, openedDatabase } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startTestGateway, type TestGateway } from './helpers/server';

/** What node-postgres raises, under TypeORM's wrapper, for a transaction PostgreSQL cancelled to break a deadlock. */
function deadlock(): QueryFailedError {
  return new QueryFailedError('SELECT 1 FROM member_nation WHERE code = $1 FOR KEY SHARE', ['FRA'], Object.assign(new Error('deadlock detected'), { code: '40P01' }));
}

for (const driver of DRIVERS) {
  describe(`a write that PostgreSQL cancels to break a deadlock goes again [${driver}]`, () => {
    const opened = openedDatabase(driver);

    /** Work that records a change-log entry named by its attempt, appends it, then fails with `failure(attempt)` if it gives one. */
    function attempts(failure: (attempt: number) => Error | null) {
      const sessions: WriteSession[] = [];
      const work = async (session: WriteSession) => {
        sessions.push(session);
        const attempt = sessions.length;
        session.change({ subject: 'KEY', kind: KeyChangeKind.CREATED, subjectId: `attempt-${attempt}` });
        await session.flush();
        const error = failure(attempt);
        if (error) throw error;
        return attempt;
      };
      return { sessions, work };
    }

    it('runs it again in a new transaction and a new session: only the last attempt’s entries are kept', async () => {
      const head = await logHead(opened.db);
      const { sessions, work } = attempts((attempt) => (attempt < DEADLOCK_ATTEMPTS ? deadlock() : null));
      assert.equal(await write(opened.db, CLI_ACTOR, work), DEADLOCK_ATTEMPTS);
      assert.equal(new Set(sessions).size, DEADLOCK_ATTEMPTS);
      assert.deepEqual(
        (await storedChanges(opened.db, head)).map(({ subjectId }) => subjectId),
        [`attempt-${DEADLOCK_ATTEMPTS}`],
      );
    });

    it(`gives up after ${DEADLOCK_ATTEMPTS} attempts, throwing the last deadlock as it came, with nothing kept`, async () => {
      const head = await logHead(opened.db);
      const thrown: Error[] = [];
      const { sessions, work } = attempts(() => {
        thrown.push(deadlock());
        return thrown.at(-1)!;
      });
      await assert.rejects(write(opened.db, CLI_ACTOR, work), (error) => error === thrown.at(-1));
      assert.equal(sessions.length, DEADLOCK_ATTEMPTS);
      assert.deepEqual(await storedChanges(opened.db, head), []);
    });

    it('runs a write that failed for any other reason once', async () => {
      for (const failure of [
        new ConflictError('The item has changed'),
        new Error('boom'),
        new QueryFailedError('SELECT', [], Object.assign(new Error('could not serialize access'), { code: '40001' })),
      ]) {
        const { sessions, work } = attempts(() => failure);
        await assert.rejects(write(opened.db, CLI_ACTOR, work), (error) => error === failure);
        assert.equal(sessions.length, 1, failure.message);
      }
    });
  });
}

if (POSTGRES_ENABLED) {
  describe('an editor’s write that deadlocks with another writer [postgres]', () => {
    let gw: TestGateway;
    let editor: Editor;

    before(async () => {
      gw = await startTestGateway('postgres');
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
    });
    after(() => gw.stop());

    it('is run again once PostgreSQL cancels it: the editor gets no error, the item one new version, the log one entry', async () => {
      const item = await editor.create('DigestArticle', 'deadlocked-edit', { countries: ['IRQ'] });
      await editor.publish(item);
      const contentId = decodeGlobalId(item.id).localId;
      const head = await logHead(gw.gateway.db);
      const database = gw.database as { url: string; schema: string };
      // Another writer (an ingest batch, say) that takes a nation's row and then the item's: the opposite order of an edit, which
      // locks the item's row, then (through the tags' foreign keys) its nations'. Its own deadlock check comes long after the
      // editor's (1 s, the default), so that PostgreSQL cancels the editor's transaction rather than this one.
      const other = new Client({ connectionString: database.url, options: `-c search_path=${database.schema}` });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SET LOCAL deadlock_timeout = '10s'`);
        await other.query(`SELECT 1 FROM member_nation WHERE code = 'FRA' FOR UPDATE`);
        const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const edited = gw.post(
          `mutation ($id: ID!, $v: Int!, $input: DigestArticleInput!) { updated: updateDigestArticle(id: $id, expectedVersion: $v, input: $input) { version nations { code } } }`,
          { id: item.id, v: item.version, input: { ...item.input, title: 'Edited while another writer held France', countries: ['IRQ', 'FRA'] } },
          editor.headers,
        );
        // The edit holds the item's row and waits for France's.
        const blocked = `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`;
        await waitFor('the edit to wait for the other writer', async () => ((await gw.gateway.db.query(blocked, [rows[0].pid])) as unknown[]).length > 0 || undefined, {
          tries: 500,
          intervalMs: 10,
        });
        // Now the other writer waits for the item's row: a deadlock. This returns once PostgreSQL has cancelled the edit and rolled it back
        // (the other writer itself would fail here had it been chosen).
        await other.query('SELECT 1 FROM content WHERE id = $1 FOR UPDATE', [contentId]);
        await other.query('COMMIT');
        const { body } = await edited;
        assert.deepEqual(body, { data: { updated: { version: item.version + 1, nations: [{ code: 'FRA' }, { code: 'IRQ' }] } } });
      } finally {
        await other.query('ROLLBACK').catch(() => {});
        await other.end();
      }
      const [stored] = (await gw.gateway.db.query('SELECT version, title FROM content WHERE id = $1', [contentId])) as { version: number; title: string }[];
      assert.deepEqual(stored, { version: item.version + 1, title: 'Edited while another writer held France' });
      assert.deepEqual(
        (await storedChanges(gw.gateway.db, head)).map(({ kind, subjectId, nations }) => [kind, subjectId, nations]),
        [['UPDATED', contentId, ',FRA,IRQ,']],
      );
      const audited = (await gw.gateway.db.query(`SELECT action FROM audit_entry WHERE subject_id = $1 ORDER BY at, id`, [item.id])) as { action: string }[];
      assert.deepEqual(
        audited.map(({ action }) => action),
        ['CREATE', 'PUBLISH', 'UPDATE'],
      );
    });
  });
}
