import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { persisted, postRaw, queryOfDepth, startConfiguredGateway, type ConfiguredGateway, type RawResponse } from './helpers/http';

/**
 * GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): which
 * status a request gets depends on the media type of the answer. An answer in
 * `application/json` to a well-formed HTTP request is 200 even when the
 * document or its variables are wrong (§6.4.1), so that legacy clients and
 * proxies see the errors; an answer in `application/graphql-response+json` keeps
 * the 4xx (§6.4.2). Refusals before GraphQL runs (size, key, rate, JSON,
 * method) keep their status whatever the client accepts.
 */

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/** The Accept headers of clients that do not know GraphQL over HTTP's own media type (undefined: no header at all). */
const LEGACY_ACCEPTS = [undefined, 'application/json', '*/*'] as const;
const GRAPHQL_RESPONSE_ACCEPT = 'application/graphql-response+json';
const ALL_ACCEPTS = [...LEGACY_ACCEPTS, GRAPHQL_RESPONSE_ACCEPT] as const;

/** Small limits, so that each refusal takes a small document; a budget of 1 point per caller per minute. */
const ENV = {
  MAX_DEPTH: '5',
  MAX_COST: '100',
  MAX_ALIASES: '3',
  MAX_ROOT_FIELDS: '2',
  MAX_TOKENS: '100',
  MAX_QUERY_LENGTH: '1000',
  MAX_BODY_BYTES: '10000',
  RATE_LIMIT: 'on',
  RATE_LIMITS: 'anonymous=1',
  TRUSTED_PROXIES: 'loopback',
};

/** A caller of its own for the rate limiter (a documentation-range address), so that no case spends another's budget. */
function newCaller(): Record<string, string> {
  return { 'x-forwarded-for': `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}` };
}

type Accept = string | undefined;

function headersFor(accept: Accept, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', ...(accept === undefined ? {} : { accept }), ...newCaller(), ...extra };
}

const describeAccept = (accept: Accept) => (accept === undefined ? 'no Accept' : `Accept: ${accept}`);

interface ErrorBody {
  errors: { message: string; locations?: unknown; extensions: Record<string, unknown> }[];
}

/** A request refused in the GraphQL phase, with the whole body expected (message apart, matched by pattern). */
interface GraphQLPhaseCase {
  readonly name: string;
  readonly body: Record<string, unknown>;
  readonly message: RegExp;
  /** Whether the error carries `locations` (parse and validation errors do). */
  readonly locations: boolean;
  readonly extensions: Record<string, unknown>;
}

const GRAPHQL_PHASE: readonly GraphQLPhaseCase[] = [
  {
    name: 'a syntax error',
    body: { query: '{ feed {' },
    message: /^Syntax Error: Expected Name, found <EOF>\.$/,
    locations: true,
    extensions: { code: 'GRAPHQL_PARSE_FAILED' },
  },
  {
    name: 'a document over MAX_TOKENS',
    body: { query: `{ ${'a { '.repeat(40)}b${' }'.repeat(40)} }` },
    message: /\b100 tokens\b/,
    locations: true,
    extensions: { code: 'GRAPHQL_PARSE_FAILED' },
  },
  {
    name: 'a validation error',
    body: { query: '{ noSuchField }' },
    message: /^Cannot query field "noSuchField" on type "Query"\.$/,
    locations: true,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  {
    name: 'depth over MAX_DEPTH',
    body: { query: queryOfDepth(6) },
    message: /^Query depth is 6, above the limit of 5$/,
    locations: false,
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: 6, limit: 5 },
  },
  {
    name: 'cost over MAX_COST',
    body: { query: '{ memberNations(first: 100) { edges { node { code } } } }' },
    message: /^Query cost is 201, above the limit of 100$/,
    locations: false,
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'cost', value: 201, limit: 100 },
  },
  {
    name: 'aliases over MAX_ALIASES',
    body: { query: '{ memberNation(code: "GBR") { a: code b: code c: code d: code } }' },
    message: /^Query aliases is 4, above the limit of 3$/,
    locations: false,
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'aliases', value: 4, limit: 3 },
  },
  {
    name: 'root fields over MAX_ROOT_FIELDS',
    body: { query: '{ a: __typename b: __typename c: __typename }' },
    message: /^Query root fields is 3, above the limit of 2$/,
    locations: false,
    extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'root fields', value: 3, limit: 2 },
  },
  {
    name: 'an unknown operation name',
    body: { query: 'query Known { __typename }', operationName: 'Unknown' },
    message: /^Unknown operation named "Unknown"\.$/,
    locations: false,
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    name: 'variables of the wrong type',
    body: { query: 'query ($code: String!) { memberNation(code: $code) { code } }', variables: { code: 5 } },
    message: /^Variable "\$code" got invalid value 5; String cannot represent a non string value: 5$/,
    locations: true,
    extensions: { code: 'BAD_USER_INPUT' },
  },
];

/** Asserts an errors-only body: exactly `{ errors: [{ message, locations?, extensions }] }`, no `data`. */
function assertErrorsOnly(response: RawResponse, expected: GraphQLPhaseCase, context: string): void {
  const body = response.json as ErrorBody;
  const [error] = body?.errors ?? [];
  assert.equal(typeof error?.message, 'string', `${context}: ${response.text}`);
  assert.match(error.message, expected.message, context);
  assert.equal('data' in body, false, `${context}: no data`);
  const shape = { message: error.message, ...(expected.locations ? { locations: error.locations } : {}), extensions: expected.extensions };
  assert.deepEqual(body, { errors: [shape] }, context);
  if (expected.locations) assert.ok(Array.isArray(error.locations) && error.locations.length > 0, `${context}: locations`);
}

/** Asserts one of the gateway's own refusals: the status, its JSON media type, and exactly `{ errors: [{ message, extensions: { code } }] }`. */
function assertGatewayRefusal(response: RawResponse, status: number, code: string, context: string): void {
  assert.equal(response.status, status, `${context}: ${response.text}`);
  assert.equal(response.headers.get('content-type'), JSON_TYPE, context);
  const message = (response.json as ErrorBody | undefined)?.errors?.[0]?.message;
  assert.equal(typeof message, 'string', context);
  assert.notEqual(message, '', context);
  assert.deepEqual(response.json, { errors: [{ message, extensions: { code } }] }, context);
}

describe('GraphQL over HTTP: status codes by the media type of the answer', () => {
  let gw: ConfiguredGateway;

  before(async () => {
    gw = await startConfiguredGateway(ENV);
  });
  after(() => gw?.stop());

  const post = (body: unknown, accept: Accept, extra: Record<string, string> = {}) => postRaw(gw.url, JSON.stringify(body), headersFor(accept, extra));

  for (const refusal of GRAPHQL_PHASE) {
    it(`answers ${refusal.name} with 200 and errors in application/json to clients without the GraphQL media type, 400 to those with it`, async () => {
      for (const accept of LEGACY_ACCEPTS) {
        const response = await post(refusal.body, accept);
        assert.equal(response.status, 200, `${describeAccept(accept)}: ${response.text}`);
        assert.equal(response.headers.get('content-type'), JSON_TYPE, describeAccept(accept));
        assertErrorsOnly(response, refusal, describeAccept(accept));
      }
      const response = await post(refusal.body, GRAPHQL_RESPONSE_ACCEPT);
      assert.equal(response.status, 400, response.text);
      assert.equal(response.headers.get('content-type'), GRAPHQL_RESPONSE_TYPE);
      assertErrorsOnly(response, refusal, describeAccept(GRAPHQL_RESPONSE_ACCEPT));
    });
  }

  it('applies the same rule to GET: a syntax error is 200 without the GraphQL media type, 400 with it', async () => {
    const url = `${gw.url}?query=${encodeURIComponent('{ feed {')}`;
    const legacy = await fetch(url, { headers: newCaller() });
    const modern = await fetch(url, { headers: { accept: GRAPHQL_RESPONSE_ACCEPT, ...newCaller() } });
    assert.deepEqual([legacy.status, legacy.headers.get('content-type')], [200, JSON_TYPE]);
    assert.deepEqual([modern.status, modern.headers.get('content-type')], [400, GRAPHQL_RESPONSE_TYPE]);
    const expected = { errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 9 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    assert.deepEqual(await legacy.json(), expected);
    assert.deepEqual(await modern.json(), expected);
  });

  it('answers with 200 when the client lists the GraphQL media type but prefers application/json, which it then gets', async () => {
    const response = await post({ query: '{ noSuchField }' }, 'application/json, application/graphql-response+json;q=0.5');
    assert.equal(response.headers.get('content-type'), JSON_TYPE);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, {
      errors: [{ message: 'Cannot query field "noSuchField" on type "Query".', locations: [{ line: 1, column: 3 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
  });

  it('answers with 400 when the client prefers the GraphQL media type over application/json', async () => {
    const response = await post({ query: '{ noSuchField }' }, 'application/json;q=0.5, application/graphql-response+json');
    assert.equal(response.headers.get('content-type'), GRAPHQL_RESPONSE_TYPE);
    assert.equal(response.status, 400, response.text);
  });

  it('answers an unknown persisted-query hash with 200 PERSISTED_QUERY_NOT_FOUND under either media type', async () => {
    const extensions = persisted(`query Never_${randomBytes(6).toString('hex')} { __typename }`);
    const expected = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
    for (const accept of ALL_ACCEPTS) {
      const response = await post({ extensions }, accept);
      assert.equal(response.status, 200, `${describeAccept(accept)}: ${response.text}`);
      assert.equal(response.headers.get('content-type'), accept === GRAPHQL_RESPONSE_ACCEPT ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE, describeAccept(accept));
      assert.deepEqual(response.json, expected, describeAccept(accept));
    }
  });

  it('answers a valid query with 200 and data in the media type the client prefers', async () => {
    for (const accept of ALL_ACCEPTS) {
      const response = await post({ query: '{ __typename }' }, accept);
      assert.equal(response.status, 200, describeAccept(accept));
      assert.equal(response.headers.get('content-type'), accept === GRAPHQL_RESPONSE_ACCEPT ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE, describeAccept(accept));
      assert.deepEqual(response.json, { data: { __typename: 'Query' }, extensions: { cost: { cost: 0, limit: 100 } } }, describeAccept(accept));
    }
  });

  describe('refusals before GraphQL runs keep their status whatever the Accept', () => {
    for (const accept of ALL_ACCEPTS) {
      it(`413 for a body over MAX_BODY_BYTES and for a document over MAX_QUERY_LENGTH (${describeAccept(accept)})`, async () => {
        const bigBody = await post({ query: '{ __typename }', variables: { pad: 'x'.repeat(10_000) } }, accept);
        assertGatewayRefusal(bigBody, 413, 'PAYLOAD_TOO_LARGE', 'body');
        const longDocument = await post({ query: '{ __typename }'.padEnd(1001, ' ') }, accept);
        assertGatewayRefusal(longDocument, 413, 'PAYLOAD_TOO_LARGE', 'document');
      });

      it(`401 for a wrong API key, with www-authenticate (${describeAccept(accept)})`, async () => {
        const response = await post({ query: '{ __typename }' }, accept, { authorization: `Bearer cg_${randomBytes(24).toString('base64url')}` });
        assertGatewayRefusal(response, 401, 'UNAUTHENTICATED', 'key');
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="coalition-graph"');
      });

      it(`400 for malformed JSON and 405 for PUT (${describeAccept(accept)})`, async () => {
        assertGatewayRefusal(await postRaw(gw.url, '{"query": "{ __typename }"', headersFor(accept)), 400, 'BAD_REQUEST', 'malformed JSON');
        const put = await fetch(gw.url, { method: 'PUT', headers: headersFor(accept), body: JSON.stringify({ query: '{ __typename }' }) });
        const text = await put.text();
        assertGatewayRefusal({ status: put.status, headers: put.headers, text, json: JSON.parse(text) }, 405, 'METHOD_NOT_ALLOWED', 'PUT');
        assert.equal(put.headers.get('allow'), 'GET, POST, OPTIONS');
      });

      it(`429 RATE_LIMITED with Retry-After once the caller's budget is spent (${describeAccept(accept)})`, async () => {
        const caller = newCaller();
        const first = await post({ query: '{ __typename }' }, accept, caller);
        assert.equal(first.status, 200, first.text);
        const limited = await post({ query: '{ __typename }' }, accept, caller);
        assert.equal(limited.status, 429, limited.text);
        // This refusal comes from inside Apollo, so its media type is negotiated like any answer's.
        assert.equal(limited.headers.get('content-type'), accept === GRAPHQL_RESPONSE_ACCEPT ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE);
        const message = (limited.json as ErrorBody).errors[0]?.message;
        assert.match(message, /^Rate limit exceeded: this operation costs 1 of 1 points per 60 s; 0 left\. Retry after \d+ s\.$/);
        assert.deepEqual(limited.json, {
          errors: [{ message, extensions: { code: 'RATE_LIMITED', cost: 1, limit: 1 } }],
          extensions: { cost: { cost: 0, limit: 100 } },
        });
        assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
      });
    }
  });
});
