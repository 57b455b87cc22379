import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postOperation } from './helpers/http';
import { startMainProcess, type MainProcess } from './helpers/main-process';

/**
 * Fragments that spread one another several times make a document of a few
 * kilobytes stand for billions of fields (`fragment H0 on Content { ...H1 ...H1 }`,
 * H1 the same with H2, and so on, 40 levels). graphql-js executes them once per
 * name, but anything that walks the document spread by spread takes
 * exponential time. The protection rules must measure such a document in time
 * proportional to its size, and refuse it.
 *
 * The gateway runs in a child process: a walk of every path would block its
 * event loop for ever, and each request here must then fail on its own
 * deadline (AbortSignal) instead of hanging the test run.
 */

/** Long enough for any machine to answer a 3 KB document; a walk of 2^40 paths would take days. */
const DEADLINE_MS = 60_000;

const GBR_QUERY = '{ memberNation(code: "GBR") { code name } }';
const GBR = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };

/** `count` fragments on `type`, each spreading the next `fanOut` times beside `wrap`; the last one selects `leaf`. */
function fanOut(prefix: string, type: string, count: number, spreads: (next: string) => string, leaf: string): string {
  const fragments = Array.from({ length: count }, (_, i) => `fragment ${prefix}${i} on ${type} { ${spreads(`...${prefix}${i + 1}`)} }`);
  return `${fragments.join(' ')} fragment ${prefix}${count} on ${type} { ${leaf} }`;
}

describe('fragments that fan out', () => {
  let child: MainProcess;
  const post = (query: string) => postOperation(`${child.origin}/graphql`, { query }, {}, AbortSignal.timeout(DEADLINE_MS));

  before(async () => {
    child = await startMainProcess({ NODE_ENV: 'test' });
  });
  after(() => child?.stop(1_000));

  /** A normal query still answers 200 with the right data: the process was not left busy. */
  async function assertStillServes(): Promise<void> {
    const response = await post(GBR_QUERY);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, GBR);
  }

  it('refuses a query whose fragments fan out two ways at one level over 40 levels (2^40 fields) with 400 QUERY_TOO_COMPLEX, rather than running it uncosted', async (t) => {
    const query = `{ feed(first: 1) { edges { node { ...H0 } } } } ${fanOut('H', 'Content', 40, (next) => `${next} ${next}`, 'title')}`;
    const started = performance.now();
    const response = await post(query);
    t.diagnostic(`answered ${response.status} in ${Math.round(performance.now() - started)} ms`);
    assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
    assert.deepEqual(response.body, {
      errors: [
        {
          message: 'Query has more than 10000 fields once its fragments are expanded, above the limit of 10000',
          extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'fields', limit: 10_000 },
        },
      ],
    });
    assert.equal(response.extensions, undefined, 'a refused operation reports no cost');
    await assertStillServes();
  });

  it('refuses a query whose fragments fan out two ways and nest over 40 levels with 400 QUERY_TOO_COMPLEX depth 162, measured without walking every path', async (t) => {
    const nest = (next: string) => `stories(first: 1) { edges { node { campaign { ${next} } } } }`;
    const query = `{ campaign(slug: "this-generation-learns") { ...F0 } } ${fanOut('F', 'Campaign', 40, (next) => `a: ${nest(next)} b: ${nest(next)}`, 'slug')}`;
    const started = performance.now();
    const response = await post(query);
    t.diagnostic(`answered ${response.status} in ${Math.round(performance.now() - started)} ms`);
    assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
    // campaign, then 40 × (stories, edges, node, campaign), then slug.
    assert.deepEqual(response.body, {
      errors: [{ message: 'Query depth is 162, above the limit of 15', extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: 162, limit: 15 } }],
    });
    await assertStillServes();
  });

  it('refuses root fields that fan out through fragments on Query over 40 levels with 400 QUERY_TOO_COMPLEX root fields', async () => {
    const query = `{ ...R0 } ${fanOut('R', 'Query', 40, (next) => `${next} ${next}`, '__typename')}`;
    const response = await post(query);
    assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
    const value = 2 ** 40;
    assert.deepEqual(response.body, {
      errors: [{ message: `Query root fields is ${value}, above the limit of 20`, extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'root fields', value, limit: 20 } }],
    });
    await assertStillServes();
  });

  it('still runs a query that spreads one fragment a few times, with its cost counted once per field', async () => {
    const query = '{ memberNation(code: "GBR") { ...N ...N ... on MemberNation { ...N } } } fragment N on MemberNation { code name }';
    const response = await post(query);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, GBR);
    assert.deepEqual(response.extensions, { cost: { cost: 1, limit: 10_000 } });
  });
});
