import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DRIVERS } from './helpers/drivers';
import { postOperation, queryOfDepth, startConfiguredGateway, type ConfiguredGateway } from './helpers/http';
import { parseExposition, sampleValue, sumOf, type Exposition } from './helpers/prometheus';

/**
 * `/metrics`: Prometheus text for the addresses in METRICS_ALLOW (loopback by
 * default), 403 for others; and figures that move as the traffic sent says they
 * must, read from a parsed scrape before and after.
 */

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const HOME_PAGE = fs.readFileSync(path.resolve(__dirname, '../../schema/operations/home-page.graphql'), 'utf8');

/** Every metric family of the gateway, with its type. */
const FAMILIES: Readonly<Record<string, string>> = {
  coalition_graph_graphql_requests_total: 'counter',
  coalition_graph_graphql_request_duration_seconds: 'histogram',
  coalition_graph_graphql_errors_total: 'counter',
  coalition_graph_sql_statements_per_request: 'histogram',
  coalition_graph_dataloader_batch_size: 'histogram',
  coalition_graph_rate_limit_refusals_total: 'counter',
  coalition_graph_redis_fallbacks_total: 'counter',
  coalition_graph_database_up: 'gauge',
  coalition_graph_http_requests_total: 'counter',
  coalition_graph_db_pool_connections: 'gauge',
};

/** A caller of its own for the rate limiter (believed from the loopback proxy). */
function newCaller(): Record<string, string> {
  return { 'x-forwarded-for': `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}` };
}

async function scrapeFrom(gw: ConfiguredGateway): Promise<{ status: number; contentType: string | null; text: string; exposition: Exposition }> {
  const response = await fetch(gw.url.replace(/\/graphql$/, '/metrics'));
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), text, exposition: parseExposition(text) };
}

for (const driver of DRIVERS) {
  describe(`metrics [${driver}]`, () => {
    let gw: ConfiguredGateway;

    before(async () => {
      gw = await startConfiguredGateway({ RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=300', TRUSTED_PROXIES: 'loopback' }, driver);
    });
    after(() => gw?.stop());

    it('serves /metrics to 127.0.0.1 as Prometheus text with every family typed and described, Node’s defaults included', async () => {
      const scrape = await scrapeFrom(gw);
      assert.equal(scrape.status, 200);
      assert.equal(scrape.contentType, PROMETHEUS_TYPE);
      for (const [name, type] of Object.entries(FAMILIES)) {
        assert.equal(scrape.exposition.types.get(name), type, name);
        assert.ok(scrape.exposition.help.get(name), `${name} has a description`);
      }
      assert.equal(sampleValue(scrape.exposition, 'coalition_graph_database_up'), 1);
      for (const state of ['in_use', 'idle', 'waiting']) {
        assert.equal(typeof sampleValue(scrape.exposition, 'coalition_graph_db_pool_connections', { state }), 'number', state);
      }
      assert.ok((sampleValue(scrape.exposition, 'process_cpu_seconds_total') ?? -1) > 0);
      assert.equal(scrape.exposition.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
      assert.ok((sampleValue(scrape.exposition, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0);
    });

    it('reports no redis_up at all when no REDIS_URL is set, rather than a Redis that is down', async () => {
      const { exposition } = await scrapeFrom(gw);
      assert.equal(exposition.types.get('coalition_graph_redis_up'), undefined);
      assert.equal(sampleValue(exposition, 'coalition_graph_redis_up'), undefined);
    });

    it('moves each figure by the traffic sent: operations by name and outcome, errors by code, durations, statements, batches, refusals', async () => {
      const before = (await scrapeFrom(gw)).exposition;
      const post = (payload: Parameters<typeof postOperation>[1], caller = newCaller()) => postOperation(gw.url, payload, caller);

      for (let i = 0; i < 3; i++) {
        const home = await post({ query: HOME_PAGE, operationName: 'HomePage' });
        assert.equal(home.status, 200);
        assert.equal(home.body.errors, undefined);
        assert.equal(home.body.data.feed.edges.length, 10);
      }
      for (let i = 0; i < 2; i++) {
        const other = await post({ query: 'query Elsewhere { memberNation(code: "GBR") { code } }', operationName: 'Elsewhere' });
        assert.deepEqual(other.body, { data: { memberNation: { code: 'GBR' } } });
      }
      const refused = await post({ query: queryOfDepth(16) });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      const failed = await post({ query: '{ node(id: "nope") { id } }' });
      assert.equal(failed.status, 200);
      assert.deepEqual(failed.body.data, { node: null });
      assert.equal(failed.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const spender = newCaller();
      const expensive = '{ memberNations(first: 100) { edges { node { code } } } }';
      assert.equal((await post({ query: expensive }, spender)).status, 200, 'costs 201 of 300');
      const limited = await post({ query: expensive }, spender);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      const stories = await post({ query: '{ campaign(slug: "this-generation-learns") { stories(first: 2) { edges { node { title } } } } }' });
      assert.equal(stories.body.data.campaign.stories.edges.length, 2);

      const now = (await scrapeFrom(gw)).exposition;
      const delta = (name: string, labels: Record<string, string> = {}) => sumOf(now, name, labels) - sumOf(before, name, labels);
      const requests = 'coalition_graph_graphql_requests_total';
      assert.deepEqual(
        {
          homePageOk: delta(requests, { operation: 'HomePage', outcome: 'ok' }),
          otherOk: delta(requests, { operation: 'other', outcome: 'ok' }),
          otherRefused: delta(requests, { operation: 'other', outcome: 'refused' }),
          otherPartial: delta(requests, { operation: 'other', outcome: 'partial' }),
          anyError: delta(requests, { outcome: 'error' }),
          all: delta(requests),
        },
        // Elsewhere is no known operation, so it is "other", with the expensive query and the stories.
        { homePageOk: 3, otherOk: 4, otherRefused: 2, otherPartial: 1, anyError: 0, all: 10 },
      );
      assert.equal(sumOf(now, requests, { operation: 'Elsewhere' }), 0, 'unknown names never become labels');
      assert.deepEqual(
        {
          QUERY_TOO_COMPLEX: delta('coalition_graph_graphql_errors_total', { code: 'QUERY_TOO_COMPLEX' }),
          BAD_USER_INPUT: delta('coalition_graph_graphql_errors_total', { code: 'BAD_USER_INPUT' }),
          RATE_LIMITED: delta('coalition_graph_graphql_errors_total', { code: 'RATE_LIMITED' }),
          all: delta('coalition_graph_graphql_errors_total'),
        },
        { QUERY_TOO_COMPLEX: 1, BAD_USER_INPUT: 1, RATE_LIMITED: 1, all: 3 },
      );
      assert.equal(delta('coalition_graph_graphql_request_duration_seconds_count', { operation: 'HomePage', outcome: 'ok' }), 3);
      assert.equal(delta('coalition_graph_graphql_request_duration_seconds_count'), 10);
      assert.equal(delta('coalition_graph_graphql_request_duration_seconds_bucket', { operation: 'HomePage', outcome: 'ok', le: '+Inf' }), 3);
      assert.ok(delta('coalition_graph_graphql_request_duration_seconds_sum', { operation: 'HomePage', outcome: 'ok' }) > 0);
      // Every request that reached GraphQL is observed; the home pages cost one statement each, the stories one.
      assert.equal(delta('coalition_graph_sql_statements_per_request_count'), 10);
      assert.equal(delta('coalition_graph_sql_statements_per_request_sum'), 4);
      assert.equal(delta('coalition_graph_dataloader_batch_size_count', { loader: 'campaignBySlug' }), 1);
      assert.equal(delta('coalition_graph_dataloader_batch_size_sum', { loader: 'campaignBySlug' }), 1);
      assert.equal(delta('coalition_graph_dataloader_batch_size_count', { loader: 'storiesByCampaignId' }), 1);
      assert.equal(delta('coalition_graph_rate_limit_refusals_total', { role: 'anonymous' }), 1);
      assert.deepEqual(
        { ok: delta('coalition_graph_http_requests_total', { route: 'graphql', status: '200' }), 400: delta('coalition_graph_http_requests_total', { route: 'graphql', status: '400' }), 429: delta('coalition_graph_http_requests_total', { route: 'graphql', status: '429' }) },
        { ok: 8, 400: 1, 429: 1 },
      );
      assert.equal(sampleValue(now, 'coalition_graph_db_pool_connections', { state: 'in_use' }), 0, 'nothing holds a connection between requests');
      if (driver === 'postgres') assert.ok((sampleValue(now, 'coalition_graph_db_pool_connections', { state: 'idle' }) ?? 0) >= 1);
      else assert.equal(sampleValue(now, 'coalition_graph_db_pool_connections', { state: 'idle' }), 0, 'SQLite has no pool');
    });
  });
}

describe('metrics from an address outside METRICS_ALLOW', () => {
  let gw: ConfiguredGateway;
  before(async () => {
    gw = await startConfiguredGateway({ METRICS_ALLOW: '10.9.9.9' });
  });
  after(() => gw?.stop());

  it('answers /metrics from 127.0.0.1 with 403 FORBIDDEN as JSON, and no figures', async () => {
    const response = await fetch(gw.url.replace(/\/graphql$/, '/metrics'));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await response.json(), {
      errors: [{ message: 'Metrics are served only to the addresses in METRICS_ALLOW', extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it('still serves GraphQL and /healthz to that address', async () => {
    assert.deepEqual((await gw.post('{ __typename }')).body, { data: { __typename: 'Query' } });
    assert.equal((await fetch(gw.url.replace(/\/graphql$/, '/healthz'))).status, 200);
  });
});
