import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphQLDateTime } from 'graphql-scalars';
import { DateTimeScalar, daysInMonth, isCalendarDate, isoString } from '../src/shared/date-time';

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const YEAR_0 = -62_167_219_200_000;
const YEAR_9999_END = 253_402_300_799_999;

describe('isoString', () => {
  it('writes what toISOString writes, for random instants across years 0–9999 and around 1970', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    for (let i = 0; i < 200_000; i++) {
      const time = i % 2 ? YEAR_0 + Math.floor(random() * (YEAR_9999_END - YEAR_0)) : Math.floor((random() - 0.5) * 4e12);
      const date = new Date(time);
      assert.equal(isoString(date), date.toISOString(), String(time));
    }
  });

  it('writes what toISOString writes on the edges: leap days, century years, the first and last instant of a day and of the range', () => {
    const times = [
      YEAR_0,
      YEAR_9999_END,
      0,
      -1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(1900, 2, 1),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1, 0, 1) - 1,
    ];
    for (let day = Date.UTC(1999, 0, 1); day < Date.UTC(2002, 0, 1); day += 86_400_000) times.push(day, day + 86_399_999);
    for (const time of times) assert.equal(isoString(new Date(time)), new Date(time).toISOString(), String(time));
  });

  it('leaves dates outside years 0–9999 and invalid dates to toISOString (six-digit years; a RangeError)', () => {
    for (const time of [YEAR_0 - 1, YEAR_9999_END + 1, 8.64e15, -8.64e15]) assert.equal(isoString(new Date(time)), new Date(time).toISOString());
    assert.throws(() => isoString(new Date(NaN)), RangeError);
  });
});

describe('the DateTime scalar', () => {
  it('is graphql-scalars’ DateTime to the schema (name, description, specification), parsing as it does', () => {
    assert.equal(DateTimeScalar.name, GraphQLDateTime.name);
    assert.equal(DateTimeScalar.description, GraphQLDateTime.description);
    assert.equal(DateTimeScalar.specifiedByURL, GraphQLDateTime.specifiedByURL);
    assert.deepEqual(DateTimeScalar.parseValue('2024-05-01T12:00:00Z'), GraphQLDateTime.parseValue('2024-05-01T12:00:00Z'));
    assert.throws(() => DateTimeScalar.parseValue('yesterday'), /DateTime/);
  });

  it('serialises to the text JSON.stringify gave graphql-scalars’ Date, and refuses an invalid date as it does', () => {
    const date = new Date(Date.UTC(2024, 4, 1, 9, 3, 7, 45));
    assert.equal(DateTimeScalar.serialize(date), '2024-05-01T09:03:07.045Z');
    assert.equal(JSON.stringify({ at: DateTimeScalar.serialize(date) }), JSON.stringify({ at: GraphQLDateTime.serialize(date) }));
    assert.equal(DateTimeScalar.serialize('2024-05-01T11:03:07.045+02:00'), '2024-05-01T09:03:07.045Z');
    assert.throws(() => DateTimeScalar.serialize(new Date(NaN)), /invalid Date/);
    // `infinity` in a timestamp column reaches the scalar as the number Infinity: written as null, as JSON wrote the Date it became.
    assert.equal(JSON.stringify({ at: DateTimeScalar.serialize(Infinity) }), JSON.stringify({ at: GraphQLDateTime.serialize(Infinity) }));
  });
});

describe('days of a month and calendar dates', () => {
  it('counts the days of every month of years 1–9999 as the proleptic Gregorian calendar does (Date from year 100 on, the rules below it)', () => {
    for (let year = 1; year <= 9999; year++) {
      for (let month = 1; month <= 12; month++) {
        const expected =
          year >= 100 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : month === 2 ? (year % 4 === 0 ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
        assert.equal(daysInMonth(year, month), expected, `${year}-${month}`);
      }
    }
  });

  it('gives year 0 its 29 February (Date.UTC reads year 0 as 1900, which had none) and years 100, 1900, 2100 none, 400 and 2000 theirs', () => {
    assert.deepEqual([0, 100, 400, 1900, 2000, 2024, 2100].map((year) => daysInMonth(year, 2)), [29, 28, 29, 28, 29, 29, 28]);
    assert.equal(isCalendarDate('0000-02-29'), true);
    assert.equal(isCalendarDate('1900-02-29'), false);
  });

  it('takes only real days in YYYY-MM-DD', () => {
    for (const value of ['2024-02-29', '2023-12-31', '0001-01-01', '9999-12-31']) assert.equal(isCalendarDate(value), true, value);
    for (const value of ['2023-02-29', '2024-04-31', '2024-00-10', '2024-13-01', '2024-01-00', '2024-1-01', '2024-01-01T00:00Z', '']) {
      assert.equal(isCalendarDate(value), false, value);
    }
  });
});
