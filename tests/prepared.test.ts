import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { PreparedStatements } from '../src/db/prepared';
import { ENTITIES } from '../src/server/modules';
import { ContentStatus } from '../src/shared/content/content-status';
import { ContentReads } from '../src/shared/content/content.reads';
import { visibleContent } from '../src/shared/content/content.query';
import { loadDemoContent } from '../src/demo/demo.loader';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { SqlRecorder } from './helpers/sql-count';

describe('prepared statements [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  const database = POSTGRES_ENABLED ? freshDatabase('postgres') : null;
  const sql = new SqlRecorder();
  let db: DataSource;
  before(async () => {
    // One connection, so that every statement below meets the same session's prepared statements.
    db = await openDatabase(database!, { entities: ENTITIES, logger: sql, poolSize: 1 });
  });
  after(async () => {
    await db?.destroy();
    if (database) await dropDatabase(database);
  });

  it('keeps at most the limit per connection, deallocating the least recently used, and prepares it again when needed', async () => {
    const prepared = new PreparedStatements(db, 2);
    const names = async () => (await prepared.query(`SELECT name FROM pg_prepared_statements ORDER BY prepare_time, name`, [])).map((row) => row.name);
    assert.deepEqual(await prepared.query('SELECT $1::int + 1 AS n', [1]), [{ n: 2 }]);
    assert.deepEqual(await prepared.query('SELECT $1::int + 2 AS n', [1]), [{ n: 3 }]);
    await prepared.query('SELECT $1::int + 1 AS n', [5]); // used again: now the most recent
    assert.deepEqual(await prepared.query('SELECT $1::int + 3 AS n', [1]), [{ n: 4 }]); // evicts "+ 2"
    // Listing is a statement too: it evicts "+ 1"; what the session still holds is "+ 3" and the listing.
    const held = await names();
    assert.equal(held.length, 2, JSON.stringify(held));
    // An evicted statement is prepared again, not executed by a name the server has forgotten.
    assert.deepEqual(await prepared.query('SELECT $1::int + 2 AS n', [10]), [{ n: 12 }]);
    assert.deepEqual(await prepared.query('SELECT $1::int + 1 AS n', [10]), [{ n: 11 }]);
    assert.equal((await names()).length, 2);
  });

  it('logs each statement through TypeORM, and fails as TypeORM does', async () => {
    const prepared = new PreparedStatements(db);
    sql.reset();
    await prepared.query('SELECT 1 AS one', []);
    assert.deepEqual(sql.statements, ['SELECT 1 AS one']);
    await assert.rejects(prepared.query('SELECT * FROM no_such_table', []), (error: Error) => error.name === 'QueryFailedError');
    // The connection went back to the pool: the next statement runs.
    assert.deepEqual(await prepared.query('SELECT 2 AS two', []), [{ two: 2 }]);
  });

  it('reads content lists with one generic plan for every parent', async () => {
    await loadDemoContent(db);
    const reads = new ContentReads(db);
    for (const code of ['IRQ', 'SYR', 'IRQ', 'SYR', 'IRQ', 'SYR', 'IRQ', 'SYR']) {
      const query = visibleContent(reads, [ContentStatus.PUBLISHED]);
      await query.where(`c.country_code = ${query.opaque('code', 'text')}`, { code }).fetch({ orderBy: 'c.published_at DESC, c.id DESC', limit: 3 });
    }
    const [plans] = await db.query(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%country_code = (SELECT CAST($1 AS text))%'`,
    );
    assert.ok(Number(plans.generic_plans) >= 3, JSON.stringify(plans));
  });
});
