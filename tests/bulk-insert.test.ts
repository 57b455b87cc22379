import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { ContentType } from '../src/shared/content/content-status';
import { AuditEntry } from '../src/store/audit-entry.entity';
import { insertRows } from '../src/store/bulk-insert';
import { CONTENT_CLASSES } from '../src/store/content-rows';
import { DRIVERS, openedDatabase } from './helpers/drivers';

type Fill = 'every field given' | 'its nullable fields null' | 'its nullable and defaulted fields left out';

/** A value for every column a row of `target` can be given, by the column's type; where nullable (or with a default), as `fill` says. */
function filled(db: DataSource, target: Function, fill: Fill): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of db.getMetadata(target).columns) {
    if (column.isDiscriminator || column.isVersion || column.isCreateDate || column.isUpdateDate) continue;
    const optional = column.isNullable || column.default !== undefined;
    if (fill === 'its nullable and defaulted fields left out' && optional) continue;
    row[column.propertyName] = fill === 'its nullable fields null' && column.isNullable ? null : valueFor(column);
  }
  return row;
}

function valueFor(column: ColumnMetadata): unknown {
  const type = typeof column.type === 'function' ? column.type.name : column.type;
  if (column.propertyName === 'campaignId') return null; // a foreign key
  if (column.propertyName === 'status') return 'PUBLISHED';
  if (type === 'uuid') return randomUUID();
  if (type === 'Date' || type === 'datetime' || type === 'timestamp') return new Date('2024-02-29T12:34:56.789Z');
  if (type === 'date') return '2024-02-29';
  if (type === 'bigint') return 12_345_678_901;
  if (type === 'int' || type === 'integer' || type === 'Number') return 42;
  if (type === 'boolean' || type === 'Boolean') return true;
  if (type === 'simple-json') return { nested: ['a', 1, null], 'clé': 'valeur' };
  return `${column.propertyName} «text» 'quoted' ${column.length ? '' : 'long'}`.slice(0, Number(column.length) || 200);
}

for (const driver of DRIVERS) {
  describe(`insertRows writes what TypeORM's insert writes [${driver}]`, () => {
    const opened = openedDatabase(driver);

    for (const type of Object.values(ContentType)) {
      for (const fill of ['every field given', 'its nullable fields null', 'its nullable and defaulted fields left out'] as const) {
        it(`a ${type}, ${fill}`, async () => {
          const target = CONTENT_CLASSES[type];
          const base = filled(opened.db, target, fill);
          const sparse = fill !== 'every field given';
          const now = new Date('2025-01-02T03:04:05.678Z');
          const leftOut = fill === 'its nullable and defaulted fields left out';
          // Left out, the version and both times are the database's to fill in, as upsert leaves the times.
          const stamps = leftOut ? {} : { version: 1, createdAt: now, updatedAt: now };
          const viaTypeorm = { ...base, id: randomUUID(), slug: `orm-${type}-${fill.length}`, sourceExternalId: sparse ? null : `orm-${randomUUID()}`, ...stamps };
          const viaRows = { ...viaTypeorm, id: randomUUID(), slug: `rows-${type}-${fill.length}`, sourceExternalId: sparse ? null : `rows-${randomUUID()}` };
          await opened.db.createQueryBuilder().insert().into(target).values(viaTypeorm).updateEntity(false).execute();
          await insertRows(opened.db.manager, target, [viaRows]);
          const [one, two] = await Promise.all([viaTypeorm, viaRows].map((row) => opened.db.getRepository(target).findOneByOrFail({ id: row.id })));
          const clock = leftOut ? ['createdAt', 'updatedAt', 'created_at', 'updated_at'] : [];
          const strip = (item: object) => Object.fromEntries(Object.entries(item).filter(([key]) => !['id', 'slug', 'sourceExternalId', ...clock].includes(key)));
          assert.equal(one.type, type);
          assert.deepEqual(strip(two), strip(one));
          if (leftOut) {
            assert.equal(two.version, 1);
            for (const item of [one, two]) assert.ok(Math.abs(item.createdAt.getTime() - Date.now()) < 60_000 && item.updatedAt.getTime() === item.createdAt.getTime(), 'the database’s own time');
          }
          if (driver === 'sqlite') {
            // better-sqlite3 binds every number as a REAL; the columns' INTEGER affinity must store integers all the same.
            const types = await opened.db.query(`SELECT id, typeof(version) AS version, typeof(budget_usd) AS budget FROM content WHERE id IN ('${viaTypeorm.id}', '${viaRows.id}') ORDER BY id = '${viaRows.id}'`);
            assert.deepEqual({ ...types[1], id: null }, { ...types[0], id: null });
          }
          const raw = await opened.db.query(`SELECT * FROM content WHERE id IN ('${viaTypeorm.id}', '${viaRows.id}')`);
          const rawOf = (id: string) => strip(Object.fromEntries(Object.entries(raw.find((row: { id: string }) => row.id === id)).map(([key, value]) => [key === 'source_external_id' ? 'sourceExternalId' : key, value])));
          assert.deepEqual(rawOf(viaRows.id), rawOf(viaTypeorm.id), 'the stored columns are the same too');
        });
      }
    }

    it('audit entries, JSON and dates included', async () => {
      const at = new Date('2025-05-06T07:08:09.010Z');
      const rows = Array.from({ length: 3 }, (_, i) => ({ id: randomUUID(), at, actorKeyId: null, actorName: `actor ${i}`, action: 'CREATE', subjectType: 'DigestArticle', subjectId: `X${i}`, before: null, after: { title: `T’${i}`, list: [i, 'x'] } }));
      await insertRows(opened.db.manager, AuditEntry, rows);
      const read = await opened.db.getRepository(AuditEntry).find({ where: rows.map(({ id }) => ({ id })), order: { actorName: 'ASC' } });
      assert.deepEqual(
        read.map(({ id, at: when, actorName, after: snapshot, before: none }) => ({ id, at: when.toISOString(), actorName, after: snapshot, before: none })),
        rows.map(({ id, actorName, after: snapshot }) => ({ id, at: at.toISOString(), actorName, after: snapshot, before: null })),
      );
    });
  });
}
