import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import type { PgPool, PooledClient } from '../src/db/pg';
import { StatementScope } from '../src/db/statement-scope';
import { POSTGRES_ENABLED } from './helpers/drivers';
import { waitFor } from './helpers/http';

/**
 * A cancelled scope stops what its statements run on PostgreSQL even when the
 * first cancel request does not take: PostgreSQL ignores one that reaches a
 * backend still reading the statement (as when a request times out just as its
 * statement is sent, which failed a loaded CI run: one 30 s sleep ran on).
 * The statement below catches the first cancellation and sleeps again, so
 * only a second request ends it.
 */
describe('a statement scope', () => {
  it('counts statements until cancelled, then refuses them, saying why; a second cancel changes nothing', () => {
    const scope = new StatementScope();
    scope.begin();
    scope.begin();
    assert.equal(scope.statements, 2);
    assert.equal(scope.cancelled, false);
    scope.cancel('the request ran past its time limit');
    scope.cancel('another reason');
    assert.equal(scope.cancelled, true);
    const refusal = { name: 'ScopeCancelledError', message: 'The request was cancelled (the request ran past its time limit) before this statement ran' };
    assert.throws(() => scope.begin(), refusal);
    assert.throws(() => scope.attach({} as never), refusal);
    assert.equal(scope.statements, 2, 'a refused statement is not counted');
    assert.equal(scope.wasCancelledAgain({} as never), false, 'no connection was sent a second cancel request');
    const unexplained = new StatementScope();
    unexplained.cancel();
    assert.throws(() => unexplained.begin(), { message: 'The request was cancelled before this statement ran' });
  });
});

describe('cancelling a statement scope [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  let pool: Pool;
  /** What node warned of meanwhile: node-postgres' Client.cancel reads a property it deprecates, so the scope sends the request itself. */
  const warnings: string[] = [];
  const warned = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  before(() => {
    pool = new Pool({ connectionString: process.env.TEST_POSTGRES_URL, max: 2 });
    process.on('warning', warned);
  });
  after(async () => {
    process.off('warning', warned);
    await pool?.end();
  });

  it('sends the cancel request again while the statement runs on, and stops once it has ended', async () => {
    const client = (await pool.connect()) as unknown as PooledClient;
    const scope = new StatementScope(pool as unknown as PgPool);
    const watch = (await pool.connect()) as unknown as PooledClient;
    try {
      scope.attach(client);
      const stubborn = client.query(
        `DO $$ BEGIN PERFORM pg_sleep(30); EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(30); END $$`,
      );
      const outcome = stubborn.then(() => 'finished', (error: { code?: string }) => error.code ?? 'failed');
      const pid = (client as unknown as { processID: number }).processID;
      await waitFor('the sleep to start', async () => {
        const { rows } = await watch.query({ text: `SELECT state FROM pg_stat_activity WHERE pid = $1`, values: [pid] });
        return rows[0]?.state === 'active';
      });

      scope.cancel('test');
      // One cancel request only moves it to the second sleep; the scope must send another.
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([outcome, new Promise((resolve) => (timer = setTimeout(resolve, 20_000, 'still sleeping')))]);
      clearTimeout(timer);
      assert.equal(ended, '57014', 'the statement ends as cancelled (query_canceled), not by running out its sleeps');
      scope.detach(client);
      assert.throws(() => scope.attach(client), { name: 'ScopeCancelledError', message: 'The request was cancelled (test) before this statement ran' });
      // A pool drops such a connection (PreparedStatements does): a cancel request may still be on its way to it.
      assert.equal(scope.wasCancelledAgain(client), true);

      // The connection is usable, and no late cancel request from the scope hits its next statement.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual((await client.query('SELECT pg_sleep(1), 1 AS n')).rows.map((row) => row.n), [1]);
    } finally {
      client.release();
      watch.release();
    }
  });

  it('sends one cancel request for a statement that stops at the first, and the connection may be kept', async () => {
    const client = (await pool.connect()) as unknown as PooledClient;
    const scope = new StatementScope(pool as unknown as PgPool);
    try {
      scope.attach(client);
      const sleep = client.query('SELECT pg_sleep(30)').then(() => 'finished', (error: { code?: string }) => error.code ?? 'failed');
      const pid = (client as unknown as { processID: number }).processID;
      const watch = (await pool.connect()) as unknown as PooledClient;
      try {
        await waitFor('the sleep to start', async () => {
          const { rows } = await watch.query({ text: `SELECT state FROM pg_stat_activity WHERE pid = $1`, values: [pid] });
          return rows[0]?.state === 'active';
        });
      } finally {
        watch.release();
      }
      scope.cancel('test');
      assert.equal(await sleep, '57014');
      scope.detach(client);
      // Past the first pause: no second request was due, as nothing ran on.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(scope.wasCancelledAgain(client), false);
      assert.deepEqual(warnings, [], 'cancelling warned of nothing');
    } finally {
      client.release();
    }
  });
});
