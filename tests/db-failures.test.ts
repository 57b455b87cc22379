import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isDeadlock, isSqliteBusy, isUniqueViolation } from '../src/db/failures';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { DRIVERS, openedDatabase } from './helpers/drivers';

const SLUG_INDEX = { name: 'UQ_content_type_slug', table: 'content', columns: ['type', 'slug'] } as const;
const SOURCE_INDEX = { name: 'UQ_content_source', table: 'content', columns: ['source_name', 'source_external_id'] } as const;

function article(externalId: string, slug: string): UpsertInput {
  return {
    type: ContentType.DIGEST_ARTICLE,
    slug,
    title: `Article ${externalId}`,
    summary: 'A summary.',
    publishedAt: new Date('2026-11-30T09:00:00Z'),
    status: ContentStatus.PUBLISHED,
    countries: [],
    tags: [],
    fields: { outlet: 'Wire', originalUrl: null },
    source: { name: 'wire', kind: SourceKind.FEED, externalId, url: 'https://wire.example/feed', fetchedAt: new Date('2026-11-30T10:00:00Z') },
  };
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the statement to fail');
}

for (const driver of DRIVERS) {
  describe(`what a failed write says, as the database says it [${driver}]`, () => {
    const opened = openedDatabase(driver);

    it('tells a broken slug index from another unique index and from other errors', async () => {
      await write(opened.db, CLI_ACTOR, (session) => upsertContent(session, [article('a', 'one-slug')]));
      const slugTaken = await failure(write(opened.db, CLI_ACTOR, (session) => upsertContent(session, [article('b', 'one-slug')])));
      assert.ok(isUniqueViolation(slugTaken, SLUG_INDEX), String(slugTaken));
      assert.ok(!isUniqueViolation(slugTaken, SOURCE_INDEX));
      assert.ok(!isDeadlock(slugTaken) && !isSqliteBusy(slugTaken));
      const syntax = await failure(opened.db.query('SELEC 1'));
      assert.ok(!isUniqueViolation(syntax, SLUG_INDEX) && !isDeadlock(syntax) && !isSqliteBusy(syntax));
    });

    if (driver === 'sqlite') {
      it('tells a write refused because another connection committed since this transaction read (SQLITE_BUSY_SNAPSHOT)', async () => {
        await opened.db.query('CREATE TABLE probe (v INTEGER)');
        const other = new Database((opened.database as { path: string }).path);
        const runner = opened.db.createQueryRunner();
        try {
          await runner.startTransaction();
          await runner.query('SELECT count(*) FROM probe');
          other.prepare('INSERT INTO probe VALUES (1)').run();
          const refused = await failure(runner.query('INSERT INTO probe VALUES (2)'));
          assert.ok(isSqliteBusy(refused), String(refused));
          assert.ok(!isUniqueViolation(refused, SLUG_INDEX));
        } finally {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
          other.close();
        }
      });
    } else {
      it('tells a transaction PostgreSQL cancelled to break a deadlock (40P01)', async () => {
        await opened.db.query('CREATE TABLE probe (id integer PRIMARY KEY)');
        await opened.db.query('INSERT INTO probe VALUES (1), (2)');
        const [first, second] = [opened.db.createQueryRunner(), opened.db.createQueryRunner()];
        try {
          await first.startTransaction();
          await second.startTransaction();
          await first.query('UPDATE probe SET id = id WHERE id = 1');
          await second.query('UPDATE probe SET id = id WHERE id = 2');
          // Each now waits for the other's row: PostgreSQL cancels one of them after deadlock_timeout.
          const outcomes = await Promise.allSettled([first.query('UPDATE probe SET id = id WHERE id = 2'), second.query('UPDATE probe SET id = id WHERE id = 1')]);
          const cancelled = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
          assert.equal(cancelled.length, 1);
          assert.ok(isDeadlock(cancelled[0].reason), String(cancelled[0].reason));
          assert.ok(!isUniqueViolation(cancelled[0].reason, SLUG_INDEX) && !isSqliteBusy(cancelled[0].reason));
        } finally {
          for (const runner of [first, second]) {
            if (runner.isTransactionActive) await runner.rollbackTransaction();
            await runner.release();
          }
        }
      });
    }
  });
}
