import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { dropDatabase, freshDatabase } from './helpers/drivers';
import { persisted, postOperation, sha256, waitFor } from './helpers/http';
import { capturingLogger, type LogLine } from './helpers/log-capture';
import { sampleValue, scrape, sumOf, type Exposition } from './helpers/prometheus';
import { OwnRedis } from './helpers/redis-server';
import type { GraphQLResponse } from './helpers/server';

/**
 * Redis holds what gateway processes share (rate-limit counters, persisted
 * queries). When it goes away, each process carries on alone: every request
 * is still answered (never 500), rate limits are counted in the process,
 * persisted queries this process has seen still answer by hash, and the outage
 * and the recovery are each logged once. The test owns its redis-server, so it
 * can kill it and start it again on the same port.
 */

const GBR_QUERY = '{ memberNation(code: "GBR") { code name } }';
const GBR = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };
/** Costs 1 + 20 × 2 = 41. */
const TWENTY_MEMBERS = '{ memberNations(first: 20) { edges { node { code } } } }';
const BUDGET = 50;

const OUTAGE = 'redis is unavailable: rate limits and persisted queries fall back to this process until it answers again';
const RECOVERY = 'redis is available: rate limits and persisted queries are shared through it';

/** A caller of its own (a documentation-range address, believed from the loopback proxy). */
function newCaller(): { 'x-forwarded-for': string } {
  return { 'x-forwarded-for': `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}` };
}

const rateKey = (caller: { 'x-forwarded-for': string }) => `coalition-graph:rate:anonymous:ip:${caller['x-forwarded-for']}`;
const apqKey = (query: string) => `coalition-graph:apq:apq:${sha256(query)}`;

function remainingOf(response: GraphQLResponse): number {
  const value = response.headers.get('ratelimit-remaining');
  assert.match(value ?? '', /^\d+$/, `ratelimit-remaining: ${value}`);
  return Number(value);
}

describe('Redis outage and recovery', () => {
  let redis: OwnRedis;
  /** The test's own view of the same Redis, to look at the keys. */
  let inspector: Redis;
  let database: DatabaseConfig;
  let gateway: RunningGateway;
  let lines: LogLine[];
  let origin: string;
  /** Registered while Redis is up; must keep answering by hash through the outage. */
  const registered = `query RedisOutage_${randomBytes(6).toString('hex')} { memberNation(code: "GBR") { code name } }`;

  const post = (query: string, headers: Record<string, string> = newCaller()) => postOperation(gateway.url, { query }, headers);
  const byHash = (query: string, headers: Record<string, string> = newCaller()) => postOperation(gateway.url, { extensions: persisted(query) }, headers);
  const fallbacks = (metrics: Exposition, component: string) => sumOf(metrics, 'coalition_graph_redis_fallbacks_total', { component });
  const logged = (msg: string, since: number) => lines.slice(since).filter((line) => line.msg === msg);

  before(async () => {
    redis = await OwnRedis.start();
    inspector = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    inspector.on('error', () => {});
    await inspector.connect();
    database = freshDatabase('sqlite');
    const capture = capturingLogger();
    lines = capture.lines;
    const config = loadConfig(
      { NODE_ENV: 'test', REDIS_URL: redis.url, RATE_LIMIT: 'on', RATE_LIMITS: `anonymous=${BUDGET}`, TRUSTED_PROXIES: 'loopback' },
      { port: 0, host: '127.0.0.1', database },
    );
    gateway = await startGateway(config, { logger: capture.logger });
    origin = `http://127.0.0.1:${gateway.port}`;
    await waitFor('the gateway to reach Redis', async () => sampleValue(await scrape(origin), 'coalition_graph_redis_up') === 1);
  });

  after(async () => {
    await gateway?.stop();
    if (database) await dropDatabase(database);
    inspector?.disconnect();
    await redis?.kill();
  });

  it('with Redis up, keeps rate-limit counters and registered persisted queries in Redis, and reports redis_up 1', async () => {
    const caller = newCaller();
    const response = await post(GBR_QUERY, caller);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, GBR);
    assert.equal(remainingOf(response), BUDGET - 1);
    assert.equal(await inspector.get(rateKey(caller)), '1', 'the caller’s spent points are in Redis');

    const registration = await postOperation(gateway.url, { query: registered, extensions: persisted(registered) }, newCaller());
    assert.deepEqual(registration.body, GBR);
    assert.equal(await inspector.get(apqKey(registered)), registered, 'the persisted query is in Redis');

    const metrics = await scrape(origin);
    assert.equal(sampleValue(metrics, 'coalition_graph_redis_up'), 1);
    assert.equal(fallbacks(metrics, 'rate_limit') + fallbacks(metrics, 'persisted_queries'), 0);
    assert.equal(logged(OUTAGE, 0).length, 0);
    assert.equal(logged(RECOVERY, 0).length, 1, 'the connection was logged once');
  });

  it('with Redis killed, answers every request, counts rate limits in the process, serves persisted queries it knows, and logs the outage once', async (t) => {
    const linesBefore = lines.length;
    const before = await scrape(origin);
    await redis.kill();

    // Ten callers, each charged once: every answer is 200 with data, never a server error.
    for (let i = 0; i < 10; i++) {
      const response = await post(GBR_QUERY);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body, GBR);
      assert.equal(remainingOf(response), BUDGET - 1);
    }

    // One caller over its budget: refused by the in-process counter.
    const caller = newCaller();
    const first = await post(TWENTY_MEMBERS, caller);
    assert.equal(first.status, 200);
    assert.equal(remainingOf(first), BUDGET - 41);
    const refused = await post(TWENTY_MEMBERS, caller);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);

    // The persisted query registered before the outage, by hash alone; and a hash nobody registered.
    const known = await byHash(registered);
    assert.equal(known.status, 200);
    assert.deepEqual(known.body, GBR);
    const unknownQuery = `query Never_${randomBytes(6).toString('hex')} { __typename }`;
    const unknown = await byHash(unknownQuery);
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body, { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    // Registering it now works too, in the process.
    const registeredDuringOutage = await postOperation(gateway.url, { query: unknownQuery, extensions: persisted(unknownQuery) }, newCaller());
    assert.deepEqual(registeredDuringOutage.body, { data: { __typename: 'Query' } });
    assert.deepEqual((await byHash(unknownQuery)).body, { data: { __typename: 'Query' } });

    const during = await scrape(origin);
    assert.equal(sampleValue(during, 'coalition_graph_redis_up'), 0);
    // One fallback per charge: 10 + 2 + the three persisted queries above that ran.
    const rateFallbacks = fallbacks(during, 'rate_limit') - fallbacks(before, 'rate_limit');
    const apqFallbacks = fallbacks(during, 'persisted_queries') - fallbacks(before, 'persisted_queries');
    t.diagnostic(`fallbacks during the outage: rate_limit ${rateFallbacks}, persisted_queries ${apqFallbacks}`);
    assert.equal(rateFallbacks, 15);
    assert.ok(apqFallbacks >= 2, `the unknown hash and the registration each fell back (${apqFallbacks})`);

    const outage = logged(OUTAGE, linesBefore);
    t.diagnostic(`outage logged as ${JSON.stringify(outage.map(({ level, reason }) => ({ level, reason })))}`);
    assert.equal(outage.length, 1, `${outage.length} outage lines for ${lines.length - linesBefore} lines`);
    assert.equal(outage[0].level, 40);
    const statuses = logged('request', linesBefore).map((line) => line.status as number);
    assert.ok(statuses.length >= 16 && statuses.every((status) => status === 200 || status === 429), `statuses: ${statuses.join(', ')}`);
    assert.deepEqual(lines.slice(linesBefore).filter((line) => line.level >= 50), [], 'nothing was logged as an error');
  });

  it('with Redis started again on the same port, rejoins it: counters back in Redis, redis_up 1, the recovery logged once', async (t) => {
    const linesBefore = lines.length;
    await redis.restart();
    const started = performance.now();
    await waitFor('the gateway to rejoin Redis', async () => sampleValue(await scrape(origin), 'coalition_graph_redis_up') === 1, { tries: 100, intervalMs: 100 });
    t.diagnostic(`rejoined ${Math.round(performance.now() - started)} ms after redis-server answered again`);

    const recovery = logged(RECOVERY, linesBefore);
    assert.equal(recovery.length, 1);
    assert.equal(recovery[0].level, 30);
    assert.equal(logged(OUTAGE, linesBefore).length, 0);

    const before = await scrape(origin);
    const caller = newCaller();
    const response = await post(TWENTY_MEMBERS, caller);
    assert.equal(response.status, 200);
    assert.equal(remainingOf(response), BUDGET - 41);
    assert.equal(await inspector.get(rateKey(caller)), '41', 'the counter is in Redis again');

    // Known by hash from the process; a new registration goes to Redis.
    assert.deepEqual((await byHash(registered)).body, GBR);
    const fresh = `query RedisBack_${randomBytes(6).toString('hex')} { memberNation(code: "GBR") { code name } }`;
    assert.deepEqual((await postOperation(gateway.url, { query: fresh, extensions: persisted(fresh) }, newCaller())).body, GBR);
    assert.equal(await inspector.get(apqKey(fresh)), fresh);

    const after = await scrape(origin);
    assert.equal(fallbacks(after, 'rate_limit'), fallbacks(before, 'rate_limit'), 'no fallback once Redis is back');
    assert.equal(fallbacks(after, 'persisted_queries'), fallbacks(before, 'persisted_queries'));
  });

  it('with Redis frozen past the command timeout and then thawed, falls back while it is frozen and rejoins it once it answers again', async (t) => {
    const linesBefore = lines.length;
    redis.pause();
    let frozen: GraphQLResponse;
    try {
      // The first charge waits for Redis' answer up to the command timeout (500 ms), then falls back.
      frozen = await post(GBR_QUERY);
      assert.equal(frozen.status, 200);
      assert.deepEqual(frozen.body, GBR);
      assert.equal(sampleValue(await scrape(origin), 'coalition_graph_redis_up'), 0);
    } finally {
      redis.resume();
    }
    const thawed = performance.now();
    // The connection never closed, so no reconnection will announce that Redis answers: the gateway has to ask.
    await waitFor('the gateway to rejoin Redis', async () => sampleValue(await scrape(origin), 'coalition_graph_redis_up') === 1, { tries: 100, intervalMs: 100 });
    t.diagnostic(`rejoined ${Math.round(performance.now() - thawed)} ms after redis-server was thawed`);

    const outage = logged(OUTAGE, linesBefore);
    t.diagnostic(`outage logged as ${JSON.stringify(outage.map(({ level, reason }) => ({ level, reason })))}`);
    assert.equal(outage.length, 1);
    assert.equal(logged(RECOVERY, linesBefore).length, 1);

    const caller = newCaller();
    const response = await post(TWENTY_MEMBERS, caller);
    assert.equal(response.status, 200);
    assert.equal(remainingOf(response), BUDGET - 41);
    assert.equal(await inspector.get(rateKey(caller)), '41', 'the counter is in Redis again');
  });
});
