import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeQueries } from '../bench/queries';
import { loadConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { exampleOperationTexts } from '../src/server/operations';
import { ContentStatus } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { insertItems } from './helpers/content';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { persisted, sha256 } from './helpers/http';

/**
 * The compiled fast path (`server/fast-path.ts`) against the normal path:
 * two gateways over one database, one with FAST_PATH=off, sent the same
 * requests. Every answer must be the same bytes (status, content type,
 * rate-limit headers, body), and the fast path must actually have answered
 * the error-free ones, and refused or handed on the others exactly as the
 * normal path does.
 */

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two requests (and `date`), left out of the comparison. */
const VARYING = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

async function send(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify(payload),
  });
  const kept: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    // RateLimit-Reset counts seconds down from each gateway's own first charge.
    if (!VARYING.has(name) && name !== 'ratelimit-reset' && name !== 'retry-after') kept[name] = value;
  });
  return { status: response.status, headers: kept, body: await response.text() };
}

/** Sends a request to both gateways (three times, so the fast path has seen it), checking the answers are identical each time. */
async function same(pair: Pair, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  let last: Answer | undefined;
  for (let i = 0; i < 3; i++) {
    const normal = await send(pair.normal.url, payload, headers);
    const fast = await send(pair.fast.url, payload, headers);
    assert.deepEqual(fast, normal, `request ${i + 1} of ${JSON.stringify(payload).slice(0, 200)}`);
    last = fast;
  }
  return last!;
}

interface Pair {
  fast: RunningGateway;
  normal: RunningGateway;
  stats(): { answered: number; fellBack: number; normal: number };
  stop(): Promise<void>;
}

async function startPair(driver: (typeof DRIVERS)[number], env: Record<string, string> = {}): Promise<Pair> {
  const database = freshDatabase(driver);
  const options = { port: 0, host: '127.0.0.1', database };
  const fast = await startGateway(loadConfig({ NODE_ENV: 'test', ...env }, options), { demoIfEmpty: true });
  const normal = await startGateway(loadConfig({ NODE_ENV: 'test', FAST_PATH: 'off', ...env }, options), { demoIfEmpty: false });
  assert.ok(fast.fastPath, 'the fast path is on by default');
  assert.equal(normal.fastPath, null);
  return {
    fast,
    normal,
    stats: () => ({ ...fast.fastPath!.stats }),
    async stop() {
      await fast.stop();
      await normal.stop();
      await dropDatabase(database);
    },
  };
}

for (const driver of DRIVERS) {
  describe(`fast path: same bytes as the normal path [${driver}]`, () => {
    let pair: Pair;
    let partner: Record<string, string>;

    before(async () => {
      pair = await startPair(driver, { RATE_LIMIT: 'on', RATE_LIMITS: 'partner=1000000,anonymous=1000000' });
      await insertItems(pair.fast.db, 240);
      const { secret } = await createApiKey(pair.fast.db, { name: `partner ${randomUUID()}`, role: Role.PARTNER });
      partner = { authorization: `Bearer ${secret}` };
    });
    after(() => pair?.stop());

    it('answers every example operation of schema/operations/ identically, and runs them on the fast path', async () => {
      const texts = exampleOperationTexts();
      assert.ok(texts.length >= 10);
      for (const query of texts) {
        const before = pair.stats();
        const answer = await same(pair, { query }, partner);
        assert.equal(answer.status, 200, query);
        const parsed = JSON.parse(answer.body);
        const name = query.split('\n').find((l) => l.startsWith('query'));
        assert.equal(parsed.errors, undefined, `${name}: ${JSON.stringify(parsed.errors)}`);
        assert.ok(pair.stats().answered >= before.answered + 2, `the fast path answered ${name}`);
      }
    });

    it('answers Q1–Q6 of the benchmark identically, on the fast path', async () => {
      const { body } = await send(pair.normal.url, { query: '{ feed(first: 40) { pageInfo { endCursor } } }' });
      const cursor = JSON.parse(body).data.feed.pageInfo.endCursor;
      const queries = makeQueries({ nationCodes: ['IRQ'], campaignSlugs: ['this-generation-learns'], feedDepth: 40, feedCursor: { gateway: cursor, postgraphile: '', floor: cursor } });
      for (const query of queries) {
        for (let n = 0; n < query.variants; n++) {
          const before = pair.stats();
          const answer = await same(pair, { query: query.text.gateway, variables: query.variables('gateway', n) }, partner);
          const parsed = JSON.parse(answer.body);
          assert.equal(parsed.errors, undefined, query.name);
          assert.ok(query.hasShape(query.normalise('gateway', parsed.data)), query.name);
          assert.ok(pair.stats().answered >= before.answered + 2, `${query.name} ran on the fast path`);
        }
      }
    });

    it('answers persisted queries sent by hash alone identically, on the fast path', async () => {
      const query = '{ memberNation(code: "IRQ") { code name region } }';
      await same(pair, { query, extensions: persisted(query) }, partner);
      const before = pair.stats();
      const answer = await same(pair, { extensions: persisted(query) }, partner);
      assert.equal(answer.status, 200);
      assert.ok(pair.stats().answered >= before.answered + 2);
    });

    it('answers introspection and federation (_service, _entities) identically', async () => {
      const cases = [
        { query: '{ __schema { queryType { name } types { name kind fields { name args { name defaultValue } } } } }' },
        { query: '{ __type(name: "MemberNation") { name fields { name type { name kind ofType { name } } } } }' },
        { query: '{ _service { sdl } }' },
        {
          query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on MemberNation { code name } ... on Campaign { slug } } }',
          variables: { r: [{ __typename: 'MemberNation', code: 'IRQ' }, { __typename: 'MemberNation', code: 'GBR' }] },
        },
      ];
      for (const payload of cases) {
        const answer = await same(pair, payload, partner);
        assert.equal(answer.status, 200, answer.body.slice(0, 300));
      }
    });

    it('hands documents with errors to the normal path and answers them identically', async () => {
      const cases = [
        { query: '{ memberNation(code: "IRQ") { nope } }' },
        { query: '{ memberNation(code: "IRQ") { code ' },
        { query: 'query ($c: String!) { memberNation(code: $c) { code } }', variables: { c: 5 } },
        { query: 'query ($c: String!) { memberNation(code: $c) { code } }' },
        { query: '{ feed(first: 5, after: "not-a-cursor") { edges { node { id } } } }' },
        { query: '{ a: memberNation(code: "IRQ") { code } } query B { __typename }' },
        { query: 'query A { __typename }', operationName: 'NotInTheDocument' },
      ];
      const before = pair.stats();
      // same() sends each three times: the later requests find the document prepared (or known not to be).
      for (const payload of cases) await same(pair, payload, partner);
      const after = pair.stats();
      assert.equal(after.answered, before.answered, 'the fast path answered none of them itself');
      assert.equal(after.normal + after.fellBack - before.normal - before.fellBack, cases.length * 3, 'each was handed to the normal path');
    });

    it('sends an operation that keeps erring straight to the normal path for a while, still answering it identically', async () => {
      const erring = { query: 'query KeepsErring { feed(first: 5, after: "bm90LWEtY3Vyc29y") { edges { node { id } } } }' };
      let before = pair.stats();
      // same() sends it three times each: twelve requests.
      for (let i = 0; i < 4; i++) await same(pair, erring, partner);
      let after = pair.stats();
      // The first only marks the text seen; the next three run here, err, and are run again by the normal path; the rest go there at once.
      assert.deepEqual([after.answered - before.answered, after.fellBack - before.fellBack, after.normal - before.normal], [0, 3, 9]);
      // Counted per caller: another key is not sent the slower way by the first one's errors.
      const { secret } = await createApiKey(pair.fast.db, { name: `partner ${randomUUID()}`, role: Role.PARTNER });
      before = pair.stats();
      await same(pair, erring, { authorization: `Bearer ${secret}` });
      after = pair.stats();
      assert.deepEqual([after.answered - before.answered, after.fellBack - before.fellBack, after.normal - before.normal], [0, 3, 0]);

      // Errors for some variables only: a run without errors ends the count, so it never rests.
      const mixed = 'query SometimesErring($after: String) { feed(first: 2, after: $after) { edges { node { id } } } }';
      // Both gateways are sent the same requests in the same order, so that their rate-limit headers agree.
      await send(pair.normal.url, { query: mixed }, partner);
      await send(pair.fast.url, { query: mixed }, partner);
      before = pair.stats();
      for (const cursor of ['bm9wZQ', 'bm9wZQ', null, 'bm9wZQ', 'bm9wZQ', null]) {
        const payload = { query: mixed, variables: { after: cursor } };
        const normal = await send(pair.normal.url, payload, partner);
        assert.deepEqual(await send(pair.fast.url, payload, partner), normal);
      }
      after = pair.stats();
      assert.deepEqual([after.answered - before.answered, after.fellBack - before.fellBack, after.normal - before.normal], [2, 4, 0]);
    });
  });

  describe(`fast path: every protection refuses there as on the normal path [${driver}]`, () => {
    let pair: Pair;
    const DRAFT_TITLE = 'fastdraft item';

    before(async () => {
      pair = await startPair(driver, { RATE_LIMIT: 'on', RATE_LIMITS: 'anonymous=300,partner=1000', MAX_DEPTH: '6', MAX_COST: '150', TRUSTED_PROXIES: 'loopback' });
      await insertItems(pair.fast.db, 30, { status: ContentStatus.DRAFT, prefix: 'fastdraft', newest: new Date('2030-01-01T00:00:00Z') });
    });
    after(() => pair?.stop());

    it('refuses a bad key before any GraphQL work (401)', async () => {
      const answer = await same(pair, { query: '{ __typename }' }, { authorization: 'Bearer cg_nope' });
      assert.equal(answer.status, 401);
    });

    it('refuses a document too deep (QUERY_TOO_COMPLEX), never compiling it', async () => {
      const deep = '{ feed(first: 1) { edges { node { nations { feed(first: 1) { edges { node { nations { code } } } } } } } } }';
      const answer = await same(pair, { query: deep });
      assert.match(answer.body, /QUERY_TOO_COMPLEX/);
      assert.match(answer.body, /depth/);
    });

    it('refuses an operation whose variables make it cost too much, after the fast path saw it', async () => {
      const query = 'query ($n: Int!) { feed(first: $n) { edges { node { id } } } }'; // 1 + 2n
      await same(pair, { query, variables: { n: 1 } });
      const before = pair.stats();
      const answer = await same(pair, { query, variables: { n: 90 } });
      assert.match(answer.body, /QUERY_TOO_COMPLEX/);
      assert.match(answer.body, /cost/);
      assert.equal(pair.stats().answered, before.answered, 'the fast path answered none of them');
    });

    it('refuses any operation but its own to a key bound to an allow-list (FORBIDDEN)', async () => {
      const allowed = 'query Allowed { memberNation(code: "IRQ") { code name } }';
      const { secret } = await createApiKey(pair.fast.db, { name: `listed ${randomUUID()}`, role: Role.PARTNER, allowedOperations: [sha256(allowed)] });
      const headers = { authorization: `Bearer ${secret}` };
      const other = '{ memberNation(code: "IRQ") { code name } }';
      await same(pair, { query: other }); // seen (and compiled) for anyone else
      const before = pair.stats();
      const refused = await same(pair, { query: other }, headers);
      assert.match(refused.body, /FORBIDDEN/);
      assert.equal(pair.stats().answered, before.answered);
      const ok = await same(pair, { query: allowed }, headers);
      assert.equal(ok.status, 200);
      assert.ok(pair.stats().answered > before.answered, 'the allowed operation ran on the fast path');
    });

    it('charges the cost to the rate limit and refuses with 429 once it is spent, charging each request once', async () => {
      const query = '{ memberNations(first: 20) { edges { node { code } } } }'; // costs 41
      const caller = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 9; i++) {
        const fast = await send(pair.fast.url, { query }, { 'x-forwarded-for': caller });
        const normal = await send(pair.normal.url, { query }, { 'x-forwarded-for': caller });
        assert.deepEqual(fast, normal, `request ${i + 1}`);
        statuses.push(fast.status);
        if (fast.status === 200) assert.equal(fast.headers['ratelimit-remaining'], String(Math.max(0, 300 - 41 * (i + 1))));
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429, 429], caller);
    });

    it('never shows drafts to a caller who may not see them, and shows no editor-only fields', async () => {
      const query = '{ feed(first: 20) { edges { node { title status pendingRevision { fetchedAt } } } } }'; // costs 61
      const answer = await same(pair, { query }, { 'x-forwarded-for': '10.8.0.1' });
      assert.equal(answer.status, 200);
      assert.ok(JSON.parse(answer.body).data.feed.edges.length > 0);
      assert.ok(!answer.body.includes(DRAFT_TITLE));
      assert.ok(!answer.body.includes('"DRAFT"'));
      // The same document for an editor, whose role shows drafts: the fast path serves each viewer what its role allows.
      const { secret } = await createApiKey(pair.fast.db, { name: `editor ${randomUUID()}`, role: Role.EDITOR });
      const before = pair.stats();
      const editor = await same(pair, { query }, { authorization: `Bearer ${secret}` });
      assert.ok(editor.body.includes(DRAFT_TITLE), `an editor sees drafts: ${editor.body.slice(0, 300)}`);
      assert.ok(pair.stats().answered >= before.answered + 3, 'on the fast path');
    });

    it('keeps the documents it prepares within a budget of text, however many long ones clients send', async () => {
      // Long texts with little to parse: a comment pads each to near the longest a query may be (16,384 characters).
      const padding = `#${'x'.repeat(16_000)}`;
      const queries = Array.from({ length: 80 }, (_, i) => `${padding}\n{ n${i}: __typename }`);
      for (const query of queries) {
        assert.equal((await send(pair.fast.url, { query })).status, 200);
        const before = pair.stats().answered;
        const answer = await send(pair.fast.url, { query });
        assert.equal(answer.status, 200);
        assert.equal(pair.stats().answered, before + 1, 'prepared on its second request, and answered on the fast path');
      }
      const sizes = pair.fast.fastPath!.cacheSizes();
      assert.ok(sizes.documentChars <= 1_048_576, `${sizes.documentChars} characters of prepared documents`);
      assert.ok(sizes.seenChars <= 1_048_576, `${sizes.seenChars} characters of texts seen once`);
      assert.ok(sizes.documents < 80, `${sizes.documents} documents kept, the oldest long ones dropped`);
      // The most recent is still prepared: a third request takes the fast path at once.
      const before = pair.stats().answered;
      assert.equal((await send(pair.fast.url, { query: queries[79] })).status, 200);
      assert.equal(pair.stats().answered, before + 1);
    });
  });

  describe(`fast path: metrics and the time limit [${driver}]`, () => {
    it('counts a fast request under its operation as the normal path does', async () => {
      const database = freshDatabase(driver);
      const gateway = await startGateway(loadConfig({ NODE_ENV: 'test' }, { port: 0, host: '127.0.0.1', database }), { demoIfEmpty: true });
      try {
        const query = 'query HomePage { feed(first: 3) { edges { node { id } } } }';
        for (let i = 0; i < 3; i++) assert.equal((await send(gateway.url, { query })).status, 200);
        assert.ok(gateway.fastPath!.stats.answered >= 1);
        const metrics = await gateway.services.metrics.scrape();
        assert.match(metrics, /operation="HomePage",outcome="ok"/);
      } finally {
        await gateway.stop();
        await dropDatabase(database);
      }
    });

    if (driver === 'postgres') {
      it('answers 503 REQUEST_TIMEOUT past REQUEST_TIMEOUT_MS on the fast path too', async () => {
        const database = freshDatabase(driver);
        const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', REQUEST_TIMEOUT_MS: '300' }, { port: 0, host: '127.0.0.1', database }), {
          demoIfEmpty: true,
          testHooks: { beforeRead: 'SELECT pg_sleep(5)' },
        });
        try {
          const query = '{ feed(first: 3) { edges { node { id title } } } }';
          gateway.fastPath!.warm([query]);
          assert.equal((await send(gateway.url, { query: '{ __typename }' })).status, 200); // the answer's content type, learnt
          const before = { ...gateway.fastPath!.stats };
          const answer = await send(gateway.url, { query });
          assert.equal(answer.status, 503);
          assert.match(answer.body, /REQUEST_TIMEOUT/);
          assert.equal(gateway.fastPath!.stats.normal, before.normal, 'the fast path took it');
        } finally {
          await gateway.stop();
          await dropDatabase(database);
        }
      });
    }
  });
}
