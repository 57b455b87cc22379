import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import Redis from 'ioredis';
import { createApiKey, revokeApiKey, type NewApiKey } from '../src/store/keys';
import { Role } from '../src/shared/viewer';
import { DRIVERS } from './helpers/drivers';
import {
  assertHttpError,
  persisted,
  postBatch,
  postOperation,
  postRaw,
  queryOfDepth,
  sha256,
  startConfiguredGateway,
  waitFor,
  type ConfiguredGateway,
} from './helpers/http';
import { startTestGateway, type GraphQLResponse, type TestGateway } from './helpers/server';

const REDIS_URL = 'redis://127.0.0.1:6379';

const GBR_QUERY = '{ memberNation(code: "GBR") { code name } }';
const GBR = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };

/** Costs 1 + 20 × 2 = 41: a page of 20 members, each an edge and a node. */
const TWENTY_MEMBERS = '{ memberNations(first: 20) { edges { node { code } } } }';

const CREATE_CAMPAIGN = 'mutation ($input: CampaignInput!) { createCampaign(input: $input) { slug title } }';
const CREATE_MEMBER = 'mutation ($input: MemberNationInput!) { createMemberNation(input: $input) { code name kind } }';

/** A different, valid campaign each call, so that allowed creations never collide. */
function campaignInput(): { slug: string; hashtag: string; title: string; summary: string } {
  const suffix = randomBytes(4).toString('hex');
  return { slug: `protection-${suffix}`, hashtag: `Protection${suffix}`, title: 'Protection test', summary: 'Made by tests/protection.test.ts.' };
}

/** A different, valid member each call: two to sixteen letters. */
function memberInput(): { code: string; name: string; kind: string } {
  const letters = [...randomBytes(6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
  return { code: `ZZ${letters}`, name: `Testland ${letters}`, kind: 'COUNTRY' };
}

/** `count` aliased scalar fields under one root field. */
function aliasedFields(count: number): string {
  return `{ memberNation(code: "GBR") { ${Array.from({ length: count }, (_, i) => `a${i}: code`).join(' ')} } }`;
}

/** `count` root fields, each an aliased member lookup. */
function rootFields(count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `m${i}: memberNation(code: "GBR") { code }`).join(' ')} }`;
}

const ENTITIES_WITH_FEED = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on MemberNation { code feed(first: 10) { edges { node { title } } } } } }';

/** `count` representations of the same member. */
function representations(count: number): { __typename: string; code: string }[] {
  return Array.from({ length: count }, () => ({ __typename: 'MemberNation', code: 'GBR' }));
}

/**
 * Asserts a GraphQL error raised while executing a field: `{ data: null,
 * errors: [{ message, locations, path, extensions: { code } }] }`, nothing else.
 */
function assertFieldError(response: GraphQLResponse, path: string[], code: string): void {
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const [error] = response.body.errors ?? [];
  assert.equal(typeof error?.message, 'string');
  assert.notEqual(error.message, '');
  assert.deepEqual(response.body, { data: null, errors: [{ message: error.message, locations: (error as { locations?: unknown }).locations, path, extensions: { code } }] });
  assert.ok((error as { locations?: unknown[] }).locations?.length, 'the error has locations');
}

/**
 * Asserts a refusal by the protection rules: HTTP 400 and exactly
 * `{ errors: [{ message, extensions: { code: 'QUERY_TOO_COMPLEX', measure, value, limit } }] }`,
 * with a message that names both numbers. Returns the measured value.
 */
function assertTooComplex(response: GraphQLResponse, measure: string, limit: number): number {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  const [error] = response.body.errors ?? [];
  const value = error?.extensions?.value as number;
  assert.equal(typeof value, 'number');
  assert.ok(value > limit, `${measure} ${value} should be above ${limit}`);
  assert.deepEqual(response.body, { errors: [{ message: error.message, extensions: { code: 'QUERY_TOO_COMPLEX', measure, value, limit } }] });
  assert.match(error.message, new RegExp(`\\b${value}\\b`));
  assert.match(error.message, new RegExp(`\\b${limit}\\b`));
  assert.equal(response.extensions, undefined, 'a refused operation reports no cost');
  return value;
}

/** A normal query still answers 200 with the right data. */
async function assertStillServes(gateway: { post: TestGateway['post'] }, headers: Record<string, string> = {}): Promise<void> {
  const response = await gateway.post(GBR_QUERY, undefined, headers);
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, GBR);
}

/** A documentation-range IPv6 address no other test run uses: a caller of its own for the rate limiter. */
function uniqueAddress(): string {
  const hex = randomBytes(8).toString('hex').match(/.{4}/g)!;
  return `2001:db8:${hex.join(':')}`;
}

/** The RateLimit-* headers of a response, as numbers. */
function rateLimitOf(response: { headers: Headers }): { limit: number; remaining: number; reset: number } {
  const number = (name: string) => {
    const value = response.headers.get(name);
    assert.match(value ?? '', /^\d+$/, `${name} should be a whole number, got ${value}`);
    return Number(value);
  };
  return { limit: number('ratelimit-limit'), remaining: number('ratelimit-remaining'), reset: number('ratelimit-reset') };
}

for (const driver of DRIVERS) {
  describe(`API keys [${driver}]`, () => {
    let gw: ConfiguredGateway;
    const keyFor = (role: Role, extra: Partial<NewApiKey> = {}) => createApiKey(gw.gateway.db, { name: `${role.toLowerCase()} ${randomUUID()}`, role, ...extra });
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
    const placeholder = () => (driver === 'postgres' ? '$1' : '?');

    before(async () => {
      // No key cache, so that revocation takes effect on the next request.
      gw = await startConfiguredGateway({ API_KEY_CACHE_SECONDS: '0' }, driver);
    });
    after(() => gw?.stop());

    it('answers a wrong key with 401 UNAUTHENTICATED and www-authenticate, in either header', async () => {
      const wrong = `cg_${randomBytes(24).toString('base64url')}`;
      for (const headers of [bearer(wrong), { 'x-api-key': wrong }, bearer('not-even-our-format'), { 'x-api-key': 'x'.repeat(500) }]) {
        const response = await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', ...headers });
        assertHttpError(response, 401, 'UNAUTHENTICATED');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="coalition-graph"$/, JSON.stringify(headers));
      }
    });

    it('answers a malformed Authorization header (Basic, or Bearer without a key) with 401', async () => {
      for (const authorization of ['Basic dXNlcjpwYXNzd29yZA==', 'Bearer', 'Bearer a b', 'cg_abc']) {
        const response = await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', authorization });
        assertHttpError(response, 401, 'UNAUTHENTICATED');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer\b/, authorization);
      }
    });

    it('accepts a valid key as Authorization: Bearer (any case) and as x-api-key', async () => {
      const { secret } = await keyFor(Role.PARTNER);
      for (const headers of [bearer(secret), { authorization: `bearer ${secret}` }, { 'x-api-key': secret }]) {
        const response = await gw.post(GBR_QUERY, undefined, headers);
        assert.equal(response.status, 200, JSON.stringify(headers));
        assert.deepEqual(response.body, GBR);
      }
    });

    it('refuses a revoked key with 401 on the very next request (API_KEY_CACHE_SECONDS=0)', async () => {
      const { key, secret } = await keyFor(Role.PARTNER);
      assert.deepEqual((await gw.post(GBR_QUERY, undefined, bearer(secret))).body, GBR);
      await revokeApiKey(gw.gateway.db, key.id);
      for (const headers of [bearer(secret), { 'x-api-key': secret }]) {
        const response = await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', ...headers });
        assertHttpError(response, 401, 'UNAUTHENTICATED');
        assert.ok(response.headers.get('www-authenticate'));
      }
    });

    it('refuses a key with 401 once its expiry has passed, and accepts one that has not expired', async () => {
      const expiresAt = new Date(Date.now() + 50);
      const { secret: expiring } = await keyFor(Role.PARTNER, { expiresAt });
      const { secret: lasting } = await keyFor(Role.PARTNER, { expiresAt: new Date(Date.now() + 3_600_000) });
      await waitFor('the expiry to pass', () => Date.now() > expiresAt.getTime() + 5);
      const response = await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', ...bearer(expiring) });
      assertHttpError(response, 401, 'UNAUTHENTICATED');
      assert.deepEqual((await gw.post(GBR_QUERY, undefined, bearer(lasting))).body, GBR);
    });

    it('records last_used_at on the key after a keyed request', async () => {
      const { key, secret } = await keyFor(Role.PARTNER);
      const lastUsed = async () => ((await gw.gateway.db.query(`SELECT last_used_at FROM api_key WHERE id = ${placeholder()}`, [key.id])) as { last_used_at: unknown }[])[0]?.last_used_at;
      assert.equal(await lastUsed(), null, 'a new key was never used');
      assert.deepEqual((await gw.post(GBR_QUERY, undefined, bearer(secret))).body, GBR);
      const recorded = await waitFor('last_used_at to be recorded', lastUsed);
      assert.ok(!Number.isNaN(new Date(recorded as string).getTime()), `last_used_at is a time: ${String(recorded)}`);
    });

    it('answers an anonymous mutation with UNAUTHENTICATED at the mutation’s path, and writes nothing', async () => {
      const input = campaignInput();
      assertFieldError(await gw.post(CREATE_CAMPAIGN, { input }), ['createCampaign'], 'UNAUTHENTICATED');
      assertFieldError(await gw.post(CREATE_MEMBER, { input: memberInput() }), ['createMemberNation'], 'UNAUTHENTICATED');
      assert.deepEqual((await gw.post('query ($s: String!) { campaign(slug: $s) { slug } }', { s: input.slug })).body, { data: { campaign: null } });
    });

    it('answers a partner key on an editor mutation (createCampaign) with FORBIDDEN at its path, and writes nothing', async () => {
      const { secret } = await keyFor(Role.PARTNER);
      const input = campaignInput();
      assertFieldError(await gw.post(CREATE_CAMPAIGN, { input }, bearer(secret)), ['createCampaign'], 'FORBIDDEN');
      assert.deepEqual((await gw.post('query ($s: String!) { campaign(slug: $s) { slug } }', { s: input.slug })).body, { data: { campaign: null } });
    });

    it('lets an editor create a campaign but answers its createMemberNation with FORBIDDEN at its path', async () => {
      const { secret } = await keyFor(Role.EDITOR);
      const input = campaignInput();
      const created = await gw.post(CREATE_CAMPAIGN, { input }, bearer(secret));
      assert.equal(created.status, 200);
      assert.deepEqual(created.body, { data: { createCampaign: { slug: input.slug, title: input.title } } });
      const member = memberInput();
      assertFieldError(await gw.post(CREATE_MEMBER, { input: member }, bearer(secret)), ['createMemberNation'], 'FORBIDDEN');
      assert.deepEqual((await gw.post('query ($c: String!) { memberNation(code: $c) { code } }', { c: member.code })).body, { data: { memberNation: null } });
    });

    it('lets an admin run both the editor and the admin mutation', async () => {
      const { secret } = await keyFor(Role.ADMIN);
      const campaign = campaignInput();
      const member = memberInput();
      const createdCampaign = await gw.post(CREATE_CAMPAIGN, { input: campaign }, bearer(secret));
      assert.equal(createdCampaign.status, 200);
      assert.deepEqual(createdCampaign.body, { data: { createCampaign: { slug: campaign.slug, title: campaign.title } } });
      const createdMember = await gw.post(CREATE_MEMBER, { input: member }, bearer(secret));
      assert.equal(createdMember.status, 200);
      assert.deepEqual(createdMember.body, { data: { createMemberNation: member } });
      assert.deepEqual((await gw.post('query ($c: String!) { memberNation(code: $c) { code name kind } }', { c: member.code })).body, { data: { memberNation: member } });
    });
  });
}

describe('query limits at their defaults', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway('sqlite');
  });
  after(() => gw?.stop());

  it('runs a query exactly 15 levels deep, and refuses one 16 deep with 400 QUERY_TOO_COMPLEX depth 16 of 15', async () => {
    const atLimit = await gw.post(queryOfDepth(15));
    assert.equal(atLimit.status, 200);
    assert.equal(atLimit.body.errors, undefined, JSON.stringify(atLimit.body.errors));
    assert.ok(atLimit.body.data?.campaign, 'the campaign is there');
    assert.equal(assertTooComplex(await gw.post(queryOfDepth(16)), 'depth', 15), 16);
    await assertStillServes(gw);
  });

  it('answers the full introspection query (15 levels deep itself) with the schema, at cost 0', async () => {
    const response = await gw.post(getIntrospectionQuery());
    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined);
    assert.equal(response.body.data.__schema.queryType.name, 'Query');
    assert.deepEqual(response.extensions, { cost: { cost: 0, limit: 10_000 } });
  });

  it('runs 50 aliases, and refuses 51 with 400 QUERY_TOO_COMPLEX aliases 51 of 50', async () => {
    const atLimit = await gw.post(aliasedFields(50));
    assert.equal(atLimit.status, 200);
    assert.deepEqual(atLimit.body, { data: { memberNation: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, 'GBR'])) } });
    assert.equal(assertTooComplex(await gw.post(aliasedFields(51)), 'aliases', 50), 51);
  });

  it('runs 20 root fields, and refuses 21 with 400 QUERY_TOO_COMPLEX "root fields" 21 of 20', async () => {
    const atLimit = await gw.post(rootFields(20));
    assert.equal(atLimit.status, 200);
    assert.deepEqual(atLimit.body, { data: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}`, { code: 'GBR' }])) });
    assert.equal(assertTooComplex(await gw.post(rootFields(21)), 'root fields', 20), 21);
  });

  it('refuses 100 members × their feeds of 100 with 400 QUERY_TOO_COMPLEX cost above 10000', async () => {
    const response = await gw.post('{ memberNations(first: 100) { edges { node { feed(first: 100) { edges { node { title } } } } } } }');
    assertTooComplex(response, 'cost', 10_000);
    await assertStillServes(gw);
  });

  it('charges _entities by its representations: 200 cost 100 times what 2 cost, beyond the root field', async () => {
    const two = await gw.post(ENTITIES_WITH_FEED, { r: representations(2) });
    const many = await gw.post(ENTITIES_WITH_FEED, { r: representations(200) });
    for (const [response, count] of [[two, 2], [many, 200]] as const) {
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { data: { _entities: Array.from({ length: count }, () => ({ code: 'GBR', feed: { edges: [] } })) } });
    }
    const [small, large] = [two.extensions?.cost?.cost, many.extensions?.cost?.cost] as number[];
    assert.ok(small > 2, `2 representations with a feed each cost ${small}`);
    assert.equal(large - 1, 100 * (small - 1), `200 representations cost ${large}, 2 cost ${small}`);
  });

  it('reports { cost, limit } in extensions for every executed operation', async () => {
    const query = await gw.post(GBR_QUERY);
    assert.deepEqual(query.extensions, { cost: { cost: 1, limit: 10_000 } });
    const page = await gw.post(TWENTY_MEMBERS);
    assert.deepEqual(page.extensions, { cost: { cost: 41, limit: 10_000 } });
    const refusedMutation = await gw.post(CREATE_CAMPAIGN, { input: campaignInput() });
    assert.deepEqual(refusedMutation.extensions, { cost: { cost: 1, limit: 10_000 } });
    const typename = await gw.post('{ __typename }');
    assert.deepEqual(typename.extensions, { cost: { cost: 0, limit: 10_000 } });
  });

  it('runs a batch of 2 (and of 10) and answers with an array of results in order', async () => {
    const two = await postBatch(gw.url, [{ query: '{ __typename }' }, { query: GBR_QUERY }]);
    assert.equal(two.status, 200);
    assert.deepEqual(two.body, [
      { data: { __typename: 'Query' }, extensions: { cost: { cost: 0, limit: 10_000 } } },
      { ...GBR, extensions: { cost: { cost: 1, limit: 10_000 } } },
    ]);
    const ten = await postBatch(gw.url, Array.from({ length: 10 }, (_, i) => ({ query: `{ memberNation(code: "GBR") { code } n${i}: __typename }` })));
    assert.equal(ten.status, 200);
    assert.deepEqual(
      ten.body,
      Array.from({ length: 10 }, (_, i) => ({ data: { memberNation: { code: 'GBR' }, [`n${i}`]: 'Query' }, extensions: { cost: { cost: 1, limit: 10_000 } } })),
    );
  });

  it('refuses a batch of 11 (and an empty batch) with 400 BAD_REQUEST naming the limit', async () => {
    const eleven = await postBatch(gw.url, Array.from({ length: 11 }, () => ({ query: GBR_QUERY })));
    const message = assertHttpError(eleven, 400, 'BAD_REQUEST');
    assert.match(message, /\b10\b/);
    assert.match(message, /\b11\b/);
    assertHttpError(await postBatch(gw.url, []), 400, 'BAD_REQUEST');
    await assertStillServes(gw);
  });

  it('runs a document of exactly 16384 characters, and refuses 16385 with 413 PAYLOAD_TOO_LARGE', async () => {
    const atLimit = GBR_QUERY.padEnd(16_384, ' ');
    const response = await gw.post(atLimit);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, GBR);
    const over = await postRaw(gw.url, JSON.stringify({ query: `${atLimit} ` }));
    const message = assertHttpError(over, 413, 'PAYLOAD_TOO_LARGE');
    assert.match(message, /\b16385\b/);
    assert.match(message, /\b16384\b/);
    await assertStillServes(gw);
  });

  it('refuses a fragment cycle with 400 GRAPHQL_VALIDATION_FAILED, and keeps serving', async () => {
    const response = await gw.post('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    assert.equal(response.status, 400);
    const [error] = response.body.errors ?? [];
    assert.deepEqual(response.body, { errors: [{ message: error?.message, locations: (error as { locations?: unknown }).locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    assert.match(error.message, /^Cannot spread fragment "A" within itself via "B"\.$/);
    await assertStillServes(gw);
  });

  it(
    'answers a missing, null or mistyped variable with 400 BAD_USER_INPUT, as it would without the cost rule',
    async () => {
      const query = 'query ($code: String!) { memberNation(code: $code) { code } }';
      for (const variables of [{}, { code: null }, { code: 5 }]) {
        const response = await gw.post(query, variables);
        const [error] = response.body.errors ?? [];
        assert.equal(response.status, 400, `${JSON.stringify(variables)}: ${JSON.stringify(response.body)}`);
        assert.deepEqual(response.body, { errors: [{ message: error?.message, locations: [{ line: 1, column: 8 }], extensions: { code: 'BAD_USER_INPUT' } }] });
        assert.match(error.message, /^Variable "\$code"/);
      }
      await assertStillServes(gw);
    },
  );

  it('sends no RateLimit headers: rate limits are off by default under NODE_ENV=test', async () => {
    const response = await gw.post(GBR_QUERY);
    assert.equal(response.status, 200);
    for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy']) assert.equal(response.headers.get(name), null, name);
  });
});

describe('query limits set through MAX_* variables', () => {
  let gw: ConfiguredGateway;
  before(async () => {
    gw = await startConfiguredGateway({
      MAX_DEPTH: '5',
      MAX_COST: '500',
      MAX_ALIASES: '3',
      MAX_ROOT_FIELDS: '2',
      MAX_BATCH: '2',
      MAX_QUERY_LENGTH: '1000',
      MAX_TOKENS: '100',
      MAX_BODY_BYTES: '10000',
    });
  });
  after(() => gw?.stop());

  it('refuses depth 6 of 5, yet answers an introspection query 7 levels deep (introspection is exempt)', async () => {
    assertTooComplex(await gw.post(queryOfDepth(6)), 'depth', 5);
    const introspection = await gw.post('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }');
    assert.equal(introspection.status, 200);
    assert.equal(introspection.body.errors, undefined, JSON.stringify(introspection.body.errors));
    assert.ok(introspection.body.data.__schema.types.length > 10);
  });

  it('refuses _entities with 200 representations for cost, while 2 run', async () => {
    const two = await gw.post(ENTITIES_WITH_FEED, { r: representations(2) });
    assert.equal(two.status, 200);
    assert.equal(two.extensions?.cost?.limit, 500);
    assertTooComplex(await gw.post(ENTITIES_WITH_FEED, { r: representations(200) }), 'cost', 500);
  });

  it('refuses 4 aliases of 3 and 3 root fields of 2', async () => {
    assertTooComplex(await gw.post(aliasedFields(4)), 'aliases', 3);
    assertTooComplex(await gw.post(rootFields(3)), 'root fields', 2);
    assert.deepEqual((await gw.post(rootFields(2))).body, { data: { m0: { code: 'GBR' }, m1: { code: 'GBR' } } });
  });

  it('refuses a batch of 3 of 2, a 1001-character document, a body over 10000 bytes and a document over 100 tokens', async () => {
    assertHttpError(await postBatch(gw.url, Array.from({ length: 3 }, () => ({ query: GBR_QUERY }))), 400, 'BAD_REQUEST');
    assertHttpError(await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY.padEnd(1001, ' ') })), 413, 'PAYLOAD_TOO_LARGE');
    assertHttpError(await postRaw(gw.url, JSON.stringify({ query: GBR_QUERY, variables: { pad: 'x'.repeat(10_000) } })), 413, 'PAYLOAD_TOO_LARGE');
    const tokens = await gw.post(`{ ${'a { '.repeat(40)}b${' }'.repeat(40)} }`);
    assert.equal(tokens.status, 400);
    assert.equal(tokens.body.errors?.length, 1);
    assert.equal(tokens.body.errors?.[0].extensions?.code, 'GRAPHQL_PARSE_FAILED');
    assert.match(tokens.body.errors![0].message, /\b100 tokens\b/);
    await assertStillServes(gw);
  });
});

describe('rate limits (RATE_LIMIT=on, anonymous=300, partner=1000)', () => {
  let trusting: ConfiguredGateway;
  let untrusting: ConfiguredGateway;
  const from = (address: string) => ({ 'x-forwarded-for': address });

  before(async () => {
    const limits = { RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=300,partner=1000' };
    trusting = await startConfiguredGateway({ ...limits, TRUSTED_PROXIES: 'loopback' });
    untrusting = await startConfiguredGateway(limits);
  });
  after(async () => {
    await trusting?.stop();
    await untrusting?.stop();
  });

  it('sends RateLimit-Limit, -Remaining and -Reset, and spends each operation’s cost, not 1 per request', async () => {
    const caller = from(uniqueAddress());
    const page = await trusting.post(TWENTY_MEMBERS, undefined, caller);
    assert.equal(page.status, 200);
    const pageCost = page.extensions!.cost!.cost;
    assert.ok(pageCost > 1, `the page costs ${pageCost}`);
    const first = rateLimitOf(page);
    assert.deepEqual({ limit: first.limit, remaining: first.remaining }, { limit: 300, remaining: 300 - pageCost });
    assert.ok(first.reset >= 1 && first.reset <= 60, `ratelimit-reset ${first.reset}`);
    assert.equal(page.headers.get('ratelimit-policy'), '300;w=60');

    const small = await trusting.post(GBR_QUERY, undefined, caller);
    assert.deepEqual(small.body, GBR);
    assert.equal(rateLimitOf(small).remaining, 300 - pageCost - small.extensions!.cost!.cost);
  });

  it('answers with 429 RATE_LIMITED and Retry-After once the budget is spent, and other callers go on', async () => {
    const caller = from(uniqueAddress());
    let remaining = 300;
    for (let i = 0; i < 10 && remaining >= 41; i++) {
      const response = await trusting.post(TWENTY_MEMBERS, undefined, caller);
      assert.equal(response.status, 200);
      remaining = rateLimitOf(response).remaining;
    }
    assert.equal(remaining, 300 - 7 * 41);
    const limited = await trusting.post(TWENTY_MEMBERS, undefined, caller);
    assert.equal(limited.status, 429);
    const [error] = limited.body.errors ?? [];
    assert.deepEqual(limited.body, { errors: [{ message: error?.message, extensions: { code: 'RATE_LIMITED', cost: 41, limit: 300 } }] });
    assert.match(error.message, /^Rate limit exceeded/);
    const retryAfter = limited.headers.get('retry-after');
    assert.match(retryAfter ?? '', /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `retry-after ${retryAfter}`);
    assert.equal(rateLimitOf(limited).limit, 300);

    await assertStillServes(trusting, from(uniqueAddress()));
  });

  it(
    'spends nothing on a refused operation: after a 429, a query that fits the points left still runs',
    async () => {
      const caller = from(uniqueAddress());
      for (let i = 0; i < 7; i++) assert.equal((await trusting.post(TWENTY_MEMBERS, undefined, caller)).status, 200);
      assert.equal((await trusting.post(TWENTY_MEMBERS, undefined, caller)).status, 429);
      const small = await trusting.post(GBR_QUERY, undefined, caller);
      assert.equal(small.status, 200, JSON.stringify(small.body));
      assert.deepEqual(small.body, GBR);
      assert.equal(rateLimitOf(small).remaining, 300 - 7 * 41 - 1);
    },
  );

  it('gives a partner key its own budget, apart from the anonymous callers at the same address', async () => {
    const address = from(uniqueAddress());
    let status = 200;
    for (let i = 0; i < 10 && status === 200; i++) status = (await trusting.post(TWENTY_MEMBERS, undefined, address)).status;
    assert.equal(status, 429, 'the anonymous budget at this address is spent');
    const { secret } = await createApiKey(trusting.gateway.db, { name: `partner ${randomUUID()}`, role: Role.PARTNER });
    const keyed = await trusting.post(TWENTY_MEMBERS, undefined, { ...address, authorization: `Bearer ${secret}` });
    assert.equal(keyed.status, 200);
    const budget = rateLimitOf(keyed);
    assert.deepEqual({ limit: budget.limit, remaining: budget.remaining }, { limit: 1000, remaining: 1000 - 41 });
    assert.equal((await trusting.post(TWENTY_MEMBERS, undefined, address)).status, 429, 'the anonymous budget is still spent');
  });

  it('ignores X-Forwarded-For without TRUSTED_PROXIES: two forwarded addresses share the loopback budget', async () => {
    const a = await untrusting.post(GBR_QUERY, undefined, from(uniqueAddress()));
    const b = await untrusting.post(GBR_QUERY, undefined, from(uniqueAddress()));
    assert.equal(rateLimitOf(b).remaining, rateLimitOf(a).remaining - 1);
  });

  it('honours X-Forwarded-For from a trusted proxy: two forwarded addresses have a budget each', async () => {
    const a = await trusting.post(GBR_QUERY, undefined, from(uniqueAddress()));
    const b = await trusting.post(GBR_QUERY, undefined, from(uniqueAddress()));
    assert.equal(rateLimitOf(a).remaining, 299);
    assert.equal(rateLimitOf(b).remaining, 299);
  });
});

describe('rate limits and persisted queries shared through Redis by two gateways', () => {
  let a: ConfiguredGateway;
  let b: ConfiguredGateway;
  let redis: Redis;
  const ownKeys: string[] = [];

  before(async () => {
    const env = { RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=300', TRUSTED_PROXIES: 'loopback', REDIS_URL };
    a = await startConfiguredGateway(env);
    b = await startConfiguredGateway(env);
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    // A gateway counts in memory until its Redis connection is up; wait until each one's counter lands in Redis.
    for (const gateway of [a, b]) {
      await waitFor('the gateway to count in Redis', async () => {
        const address = uniqueAddress();
        ownKeys.push(`coalition-graph:rate:anonymous:ip:${address}`);
        await gateway.post('{ __typename }', undefined, { 'x-forwarded-for': address });
        return (await redis.exists(ownKeys.at(-1)!)) === 1;
      });
    }
  });
  after(async () => {
    // Only what this run wrote; nothing else in Redis is touched.
    if (ownKeys.length) await redis?.del(...ownKeys);
    redis?.disconnect();
    await a?.stop();
    await b?.stop();
  });

  it('continues one caller’s remaining points from gateway A on gateway B and back', async () => {
    const address = uniqueAddress();
    ownKeys.push(`coalition-graph:rate:anonymous:ip:${address}`);
    const caller = { 'x-forwarded-for': address };
    const onA = await a.post(TWENTY_MEMBERS, undefined, caller);
    const onB = await b.post(TWENTY_MEMBERS, undefined, caller);
    const onAAgain = await a.post(GBR_QUERY, undefined, caller);
    assert.deepEqual([onA.status, onB.status, onAAgain.status], [200, 200, 200]);
    assert.deepEqual(
      [rateLimitOf(onA).remaining, rateLimitOf(onB).remaining, rateLimitOf(onAAgain).remaining],
      [300 - 41, 300 - 82, 300 - 83],
    );
    assert.equal(await redis.exists(`coalition-graph:rate:anonymous:ip:${address}`), 1, 'the counter is in Redis');
  });

  it('knows on gateway B a persisted query registered on gateway A', async () => {
    const query = `query SharedPersisted_${randomBytes(6).toString('hex')} { memberNation(code: "GBR") { code name } }`;
    const apqKey = `coalition-graph:apq:apq:${sha256(query)}`;
    ownKeys.push(apqKey);
    const caller = { 'x-forwarded-for': uniqueAddress() };
    ownKeys.push(`coalition-graph:rate:anonymous:ip:${caller['x-forwarded-for']}`);
    const unknown = await postOperation(b.url, { extensions: persisted(query) }, caller);
    assert.deepEqual(unknown.body, { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    const registered = await postOperation(a.url, { query, extensions: persisted(query) }, caller);
    assert.deepEqual(registered.body, GBR);
    const byHash = await waitFor('the registration to reach Redis', async () => {
      const response = await postOperation(b.url, { extensions: persisted(query) }, caller);
      return response.body.data ? response : undefined;
    });
    assert.equal(byHash.status, 200);
    assert.deepEqual(byHash.body, GBR);
    assert.equal(await redis.exists(apqKey), 1, 'the query is in Redis');
  });
});

describe('persisted queries', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway('sqlite');
  });
  after(() => gw?.stop());

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, then runs the query sent with it, then by its hash alone', async () => {
    const query = `query Apq_${randomBytes(6).toString('hex')} { memberNation(code: "GBR") { code name } }`;
    const unknown = await postOperation(gw.url, { extensions: persisted(query) });
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body, { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    const registered = await postOperation(gw.url, { query, extensions: persisted(query) });
    assert.equal(registered.status, 200);
    assert.deepEqual(registered.body, GBR);
    const byHash = await postOperation(gw.url, { extensions: persisted(query) });
    assert.equal(byHash.status, 200);
    assert.deepEqual(byHash.body, GBR);
    assert.deepEqual(byHash.extensions, { cost: { cost: 1, limit: 10_000 } });
  });

  describe('a partner key bound to an allow-list', () => {
    const ALLOWED = 'query PartnerIraq { memberNation(code: "IRQ") { code name } }';
    const IRQ = { data: { memberNation: { code: 'IRQ', name: 'Iraq' } } };
    const OTHERS = [GBR_QUERY, '{ __typename }', '{ __schema { queryType { name } } }', 'mutation { deleteMemberNation(code: "IRQ") }'];
    let headers: Record<string, string>;

    before(async () => {
      const { secret } = await createApiKey(gw.gateway.db, { name: 'Allow-listed partner', role: Role.PARTNER, allowedOperations: [sha256(ALLOWED)] });
      headers = { authorization: `Bearer ${secret}` };
    });

    it('runs the allowed operation by its full text', async () => {
      const response = await gw.post(ALLOWED, undefined, headers);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, IRQ);
    });

    it('runs the allowed operation by its hash alone once registered', async () => {
      const registered = await postOperation(gw.url, { query: ALLOWED, extensions: persisted(ALLOWED) }, headers);
      assert.deepEqual(registered.body, IRQ);
      const byHash = await postOperation(gw.url, { extensions: persisted(ALLOWED) }, headers);
      assert.equal(byHash.status, 200);
      assert.deepEqual(byHash.body, IRQ);
    });

    it('answers any other operation (a query, introspection, a mutation) with FORBIDDEN and runs nothing', async () => {
      for (const query of OTHERS) {
        const response = await gw.post(query, undefined, headers);
        const [error] = response.body.errors ?? [];
        assert.deepEqual(response.body, { errors: [{ message: error?.message, extensions: { code: 'FORBIDDEN', queryHash: sha256(query) } }] }, query);
        assert.equal(response.extensions, undefined, 'nothing ran, so nothing was charged');
      }
      assert.deepEqual((await gw.post('{ memberNation(code: "IRQ") { code } }')).body, { data: { memberNation: { code: 'IRQ' } } }, 'the mutation did not run');
    });

    it('answers that refusal with 403, not a server error', async () => {
      for (const query of OTHERS) {
        const response = await gw.post(query, undefined, headers);
        assert.equal(response.status, 403, query);
      }
    });

    it('refuses another query sent under the allowed hash with 400, without running it', async () => {
      const response = await postOperation(gw.url, { query: GBR_QUERY, extensions: persisted(ALLOWED) }, headers);
      assert.equal(response.status, 400);
      assert.equal(response.body.errors?.length, 1);
      assert.equal(response.body.errors?.[0].message, 'provided sha does not match query');
      assert.equal('data' in response.body, false);
      assert.equal(response.extensions, undefined);
    });

    it('gives that refusal the code BAD_REQUEST', async () => {
      const response = await postOperation(gw.url, { query: GBR_QUERY, extensions: persisted(ALLOWED) }, headers);
      assert.deepEqual(response.body, { errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }] });
    });
  });
});
