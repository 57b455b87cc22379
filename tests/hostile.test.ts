import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { getIntrospectionQuery } from 'graphql';
import { assertHttpError, postRaw, queryOfDepth, type RawResponse } from './helpers/http';
import { startTestGateway, type TestGateway } from './helpers/server';

const GBR_QUERY = '{ memberNation(code: "GBR") { code name } }';
const GBR = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };

/** How much the server process may grow over the whole battery; generous, to catch leaks of whole bodies, not noise. */
const MAX_RSS_GROWTH_BYTES = 200 * 1024 * 1024;

/** A current GraphQL client: it accepts GraphQL over HTTP's own media type, so refusals keep their 4xx codes. */
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' };

/** A full garbage collection, for the heap figure printed beside the RSS (the process is not started with --expose-gc). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

const MB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

interface ErrorBody {
  errors?: { message?: unknown; extensions?: { code?: unknown } }[];
  data?: unknown;
}

/** The codes of a response's errors, for the diagnostics. */
function codesOf(response: RawResponse): string[] {
  const body = response.json as ErrorBody | ErrorBody[] | undefined;
  const bodies = Array.isArray(body) ? body : body ? [body] : [];
  return bodies.flatMap((b) => (b.errors ?? []).map((e) => String(e.extensions?.code)));
}

/**
 * What every hostile request must get: never a 5xx; a 4xx, or a 200 whose body
 * has errors, each with an `extensions.code`; in both cases a JSON body whose
 * errors all carry a code. Prints the status and codes as a diagnostic.
 */
function assertRefusedCleanly(t: TestContext, response: RawResponse): void {
  t.diagnostic(`HTTP ${response.status} ${codesOf(response).join(', ') || '(no error code)'}`);
  assert.ok(response.status < 500, `a server error: ${response.status} ${response.text.slice(0, 300)}`);
  assert.ok(response.status >= 400 || response.status === 200, `unexpected status ${response.status}`);
  const body = response.json as ErrorBody | undefined;
  assert.ok(body && Array.isArray(body.errors) && body.errors.length > 0, `no errors in ${response.text.slice(0, 300)}`);
  for (const error of body.errors!) {
    assert.equal(typeof error.extensions?.code, 'string', `an error without a code: ${JSON.stringify(error)}`);
  }
}

/** Asserts a GraphQL request error with locations: `{ errors: [{ message, locations, extensions: { code } }] }`. */
function assertDocumentError(response: RawResponse, status: number, code: string): string {
  assert.equal(response.status, status);
  const [error] = ((response.json as ErrorBody).errors ?? []) as { message: string; locations?: unknown }[];
  assert.deepEqual(response.json, { errors: [{ message: error?.message, locations: error?.locations, extensions: { code } }] });
  return error.message;
}

const json = (value: unknown) => JSON.stringify(value);

describe('a hostile battery against one real gateway', () => {
  let gw: TestGateway;
  let rssBefore: number;
  let heapBefore: number;

  before(async () => {
    gw = await startTestGateway('sqlite');
    // Warm up: the first requests load code and fill caches that are not growth.
    for (let i = 0; i < 3; i++) await postRaw(gw.url, json({ query: getIntrospectionQuery() }));
    collectGarbage();
    ({ rss: rssBefore, heapUsed: heapBefore } = process.memoryUsage());
  });
  after(() => gw?.stop());

  /** Every case ends by checking that a normal query still answers 200 with data. */
  async function assertStillServes(): Promise<void> {
    const response = await gw.post(GBR_QUERY);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, GBR);
  }

  it('malformed JSON → 400 BAD_REQUEST', async (t) => {
    const response = await postRaw(gw.url, '{"query": "{ __typename }"', JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it('a JSON body sent as text/plain → 400 BAD_REQUEST', async (t) => {
    const response = await postRaw(gw.url, json({ query: GBR_QUERY }), { 'content-type': 'text/plain' });
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it('an empty body → 400 BAD_REQUEST', async (t) => {
    const response = await postRaw(gw.url, '', JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it('a 1 MB query → 413 PAYLOAD_TOO_LARGE', async (t) => {
    const response = await postRaw(gw.url, json({ query: `{ __typename }${' '.repeat(1_000_000 - 14)}` }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 413, 'PAYLOAD_TOO_LARGE');
    await assertStillServes();
  });

  it('a 10 MB query → 413 PAYLOAD_TOO_LARGE', async (t) => {
    const response = await postRaw(gw.url, json({ query: `{ __typename }${' '.repeat(10_000_000 - 14)}` }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 413, 'PAYLOAD_TOO_LARGE');
    await assertStillServes();
  });

  it('a valid query nested 500 levels deep → 400 QUERY_TOO_COMPLEX depth 500', async (t) => {
    const response = await postRaw(gw.url, json({ query: queryOfDepth(500) }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assert.equal(response.status, 400);
    const message = (response.json as ErrorBody).errors?.[0]?.message;
    assert.deepEqual(response.json, { errors: [{ message, extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: 500, limit: 15 } }] });
    await assertStillServes();
  });

  it('10,000 aliases → 413 PAYLOAD_TOO_LARGE (the document is over 16384 characters)', async (t) => {
    const query = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const response = await postRaw(gw.url, json({ query }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 413, 'PAYLOAD_TOO_LARGE');
    await assertStillServes();
  });

  it('a batch of 1,000 operations → 400 BAD_REQUEST', async (t) => {
    const response = await postRaw(gw.url, json(Array.from({ length: 1_000 }, () => ({ query: GBR_QUERY }))), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it('a fragment cycle → 400 GRAPHQL_VALIDATION_FAILED', async (t) => {
    const response = await postRaw(gw.url, json({ query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assert.match(assertDocumentError(response, 400, 'GRAPHQL_VALIDATION_FAILED'), /^Cannot spread fragment "A" within itself/);
    await assertStillServes();
  });

  it('an introspection query that loops through fields and types → 400 GRAPHQL_VALIDATION_FAILED', async (t) => {
    const query = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const response = await postRaw(gw.url, json({ query }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assert.equal(assertDocumentError(response, 400, 'GRAPHQL_VALIDATION_FAILED'), 'Maximum introspection depth exceeded');
    await assertStillServes();
  });

  it(
    'variables of the wrong type → 400 BAD_USER_INPUT',
    async (t) => {
      const response = await postRaw(gw.url, json({ query: 'query ($code: String!) { memberNation(code: $code) { code } }', variables: { code: { not: 'a string' } } }), JSON_HEADERS);
      try {
        assertRefusedCleanly(t, response);
        assert.match(assertDocumentError(response, 400, 'BAD_USER_INPUT'), /^Variable "\$code" got invalid value/);
      } finally {
        await assertStillServes();
      }
    },
  );

  it('an unknown operation name → 400 OPERATION_RESOLUTION_FAILURE', async (t) => {
    const response = await postRaw(gw.url, json({ query: 'query Known { __typename }', operationName: 'Unknown' }), JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'OPERATION_RESOLUTION_FAILURE');
    await assertStillServes();
  });

  it('invalid UTF-8 bytes between the JSON tokens → 400 BAD_REQUEST', async (t) => {
    const body = Buffer.concat([Buffer.from(`{"query": ${json(GBR_QUERY)}`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('}')]);
    const response = await postRaw(gw.url, body, JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it('invalid UTF-8 bytes inside the GraphQL document → 400 BAD_REQUEST before parsing', async (t) => {
    const body = Buffer.concat([Buffer.from('{"query": "{ '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' }"}')]);
    const response = await postRaw(gw.url, body, JSON_HEADERS);
    assertRefusedCleanly(t, response);
    assertHttpError(response, 400, 'BAD_REQUEST');
    await assertStillServes();
  });

  it(
    'invalid UTF-8 bytes inside a JSON string value → 400 BAD_REQUEST, not silently replaced',
    async (t) => {
      const body = Buffer.concat([Buffer.from('{"query": "{ memberNation(code: \\"GB'), Buffer.from([0xff, 0xfe]), Buffer.from('\\") { code } }"}')]);
      const response = await postRaw(gw.url, body, JSON_HEADERS);
      try {
        assertRefusedCleanly(t, response);
        assertHttpError(response, 400, 'BAD_REQUEST');
      } finally {
        await assertStillServes();
      }
    },
  );

  it('200 concurrent introspection queries → every one answered 200 with the schema', async (t) => {
    // Each answer is checked as it arrives and then dropped, so that the client does not hold 200 schemas.
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await postRaw(gw.url, json({ query: getIntrospectionQuery() }), JSON_HEADERS);
        const body = response.json as { data?: { __schema?: { queryType?: { name?: string } } }; errors?: unknown };
        assert.equal(body.errors, undefined);
        assert.equal(body.data?.__schema?.queryType?.name, 'Query');
        return response.status;
      }),
    );
    const byStatus = new Map<number, number>();
    for (const status of statuses) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    t.diagnostic(`statuses: ${[...byStatus].map(([status, count]) => `${count} × HTTP ${status}`).join(', ')}`);
    assert.deepEqual([...byStatus], [[200, 200]]);
    await assertStillServes();
  });

  it(`grew the server process by less than ${MAX_RSS_GROWTH_BYTES / 1024 / 1024} MB over the battery`, async (t) => {
    const rssAfter = process.memoryUsage().rss;
    const growth = rssAfter - rssBefore;
    t.diagnostic(`rss before ${MB(rssBefore)}, after ${MB(rssAfter)}: growth ${MB(growth)} (the high-water mark of the battery)`);
    collectGarbage();
    const { heapUsed } = process.memoryUsage();
    t.diagnostic(`heap used after a full GC: before ${MB(heapBefore)}, after ${MB(heapUsed)}: growth ${MB(heapUsed - heapBefore)} (what is still held)`);
    assert.ok(growth < MAX_RSS_GROWTH_BYTES, `rss grew by ${MB(growth)}`);
    await assertStillServes();
  });
});
