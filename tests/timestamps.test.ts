import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { parseTimestamp } from '../src/db/timestamps';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';

const postgresDate = pg.types.getTypeParser(1114, 'text') as (text: string) => Date | number | null;

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Texts as PostgreSQL writes timestamps: random instants of years 1000–9999, with zero to six fraction digits, with and without `+00`. */
function texts(count: number): string[] {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const date = new Date(-30_610_224_000_000 + random() * 283_982_524_800_000);
    const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
    const digits = Math.floor(random() * 7);
    const fraction = digits ? `.${pad(Math.floor(random() * 1e6), 6).slice(0, digits)}` : '';
    out.push(base + fraction, `${base}${fraction}+00`);
  }
  return out;
}

const timeOf = (value: Date | number | null) => (value instanceof Date ? value.getTime() : value);

/** Runs `work` with the process in time zone `zone`. */
function inZone<T>(zone: string, work: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  try {
    return work();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

describe('reading timestamps', () => {
  const all = texts(20_000);
  const inUtc = inZone('UTC', () => all.map((text) => timeOf(postgresDate(text))));
  for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
    it(`gives the Date node-postgres' own parser gives in a UTC process, to the millisecond, in the process time zone ${zone}: the database holds UTC`, () => {
      inZone(zone, () => {
        all.forEach((text, n) => assert.equal(timeOf(parseTimestamp(text)), inUtc[n], text));
        // New York's spring-forward hour exists in UTC.
        assert.equal((parseTimestamp('2024-03-10 02:30:00') as Date).toISOString(), '2024-03-10T02:30:00.000Z');
      });
    });
  }

  it('reads what node-postgres reads in a UTC process for the texts it leaves to it (infinity, BC, years before 1000, other zones) and for long fractions, in any zone', () => {
    const odd = [
      'infinity',
      '-infinity',
      '0099-01-01 00:00:00',
      '0999-12-31 23:59:59.5',
      '2024-05-01 09:03:07.045+05:30',
      '2024-05-01 09:03:07-08',
      '2024-05-01 09:03:07 BC',
      '2024-05-01 09:03:07.',
      '2024-05-01 09:03:07.0451234',
      '12024-05-01 09:03:07',
      '2024-05-01',
    ];
    const expected = inZone('UTC', () => odd.map((text) => timeOf(postgresDate(text))));
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      inZone(zone, () => odd.forEach((text, n) => assert.deepEqual(timeOf(parseTimestamp(text)), expected[n], `${text} in ${zone}`)));
    }
  });
});

describe('timestamps read through the gateway’s PostgreSQL connections', { skip: !POSTGRES_ENABLED && 'TEST_POSTGRES_URL is not set' }, () => {
  const database = freshDatabase('postgres');
  let db: DataSource;
  before(async () => {
    db = await openDatabase(database, { entities: [] });
  });
  after(async () => {
    await db.destroy();
    await dropDatabase(database);
  });

  it('are the Dates a plain node-postgres client reads, for timestamp and timestamptz columns', async () => {
    const sql = `SELECT '2024-05-01 09:03:07.045678'::timestamp AS a, '2024-05-01 09:03:07'::timestamp AS b, '2024-05-01 09:03:07.5+02'::timestamptz AS c,
      'infinity'::timestamp AS d, '0050-06-01 00:00:00'::timestamp AS e, now()::timestamptz AS f`;
    const [ours] = await db.query(sql);
    const client = new pg.Client({ connectionString: (database as { url: string }).url });
    await client.connect();
    try {
      const [plain] = (await client.query(`SET TIME ZONE 'UTC'; ${sql}`).then((results) => (results as unknown as pg.QueryResult[])[1])).rows;
      for (const column of ['a', 'b', 'd', 'e']) assert.deepEqual(timeOf(ours[column]), timeOf(plain[column]), column);
      assert.ok(ours.a instanceof Date && ours.c instanceof Date && ours.f instanceof Date);
      assert.equal(ours.c.toISOString(), '2024-05-01T07:03:07.500Z');
    } finally {
      await client.end();
    }
  });

  it('are filled in by the database as UTC too, on a server whose zone is not UTC: each session’s zone is UTC', async () => {
    const name = (database as { url: string }).url.split('/').pop()!.split('?')[0];
    await db.query(`ALTER DATABASE "${name}" SET timezone TO 'America/New_York'`);
    const other = await openDatabase(database, { entities: [] });
    try {
      const [row] = await other.query(`SELECT current_setting('TimeZone') AS zone, now()::timestamp AS filled`);
      assert.equal(row.zone, 'UTC');
      // The database's own clock, read back: within a minute of this process's, not five hours off.
      assert.ok(Math.abs(row.filled.getTime() - Date.now()) < 60_000, `now() filled in as ${row.filled.toISOString()} at ${new Date().toISOString()}`);
    } finally {
      await other.destroy();
      await db.query(`ALTER DATABASE "${name}" RESET timezone`);
    }
  });

  it('are written and read as UTC whatever the process’s time zone: a Date goes in as UTC wall time and comes back the same instant', async () => {
    await db.query('CREATE TABLE zoned (at timestamp, at_tz timestamptz)');
    const instant = new Date('2024-05-01T09:03:07.045Z');
    for (const zone of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
      const saved = process.env.TZ;
      process.env.TZ = zone;
      try {
        await db.query('DELETE FROM zoned');
        await db.query('INSERT INTO zoned (at, at_tz) VALUES ($1, $2)', [instant, instant]);
        const [row] = await db.query(`SELECT at, at::text AS text, at_tz, (SELECT $1::timestamp) AS cursor_at FROM zoned`, ['2024-05-01T09:03:07.045Z']);
        assert.equal(row.text, '2024-05-01 09:03:07.045', `stored as UTC wall time in ${zone}`);
        assert.equal(row.at.toISOString(), instant.toISOString(), `read back in ${zone}`);
        assert.equal(row.at_tz.toISOString(), instant.toISOString(), `timestamptz in ${zone}`);
        // ISO text with Z in SQL (as the floor and hand-written statements pass times) is that wall time: it must meet the column's.
        assert.equal(row.cursor_at.getTime(), row.at.getTime(), `a cursor's time in ${zone}`);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    }
  });
});
