import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseCost } from '../bench/measure';
import { POSTGRES_ENABLED, POSTGRES_URL } from './helpers/drivers';

/**
 * The benchmark's measure of what statements cost PostgreSQL on their own
 * (`databaseCost`), against the real server: it reads the backend's CPU time
 * and tells a statement whose plan is reused from one planned on every
 * execution.
 */
describe('bench: database cost of statements [postgres]', { skip: !POSTGRES_ENABLED && 'TEST_POSTGRES_URL is not set' }, () => {
  const statements = [
    { text: 'SELECT count(*) FROM generate_series(1, $1::int) AS g(n) WHERE g.n % 7 = 0', values: [2000] },
    { text: 'SELECT $1::text AS echo', values: ['x'] },
  ];

  it('measures the backend’s CPU per run of all the statements, with their plans reused', async () => {
    const cost = await databaseCost(POSTGRES_URL!, statements, 200);
    assert.equal(cost.runs, 200);
    assert.equal(cost.executions, 400, 'PostgreSQL executed each statement once per run');
    assert.ok(Number.isFinite(cost.cpuUs) && cost.cpuUs > 0, `CPU ${cost.cpuUs} µs`);
    assert.equal(cost.replanned, 0, 'PostgreSQL reuses a plan for statements like these after warming');
  });

  it('counts every execution PostgreSQL planned afresh', async () => {
    const url = new URL(POSTGRES_URL!);
    url.searchParams.set('options', '-c plan_cache_mode=force_custom_plan');
    const cost = await databaseCost(url.toString(), statements, 50);
    assert.equal(cost.executions, 100);
    assert.equal(cost.replanned, 100, 'every timed execution, and none of the warm-up runs');
  });

  it('costs more for more work, so that the figure measures the statements', async () => {
    const small = await databaseCost(POSTGRES_URL!, [{ text: 'SELECT count(*) FROM generate_series(1, $1::int)', values: [10] }], 200);
    const large = await databaseCost(POSTGRES_URL!, [{ text: 'SELECT count(*) FROM generate_series(1, $1::int)', values: [200_000] }], 200);
    assert.ok(large.cpuUs > small.cpuUs * 5, `${large.cpuUs} against ${small.cpuUs} µs`);
  });
});
