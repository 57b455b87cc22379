import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { DRIVERS } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startTestGateway, type GraphQLResponse, type TestGateway } from './helpers/server';

const PROJECT = `mutation ($input: StabilisationProjectInput!) { createStabilisationProject(input: $input) { id version budgetUsd startedOn completedOn } }`;
const DIGEST = `mutation ($input: DigestArticleInput!) { createDigestArticle(input: $input) { id version publishedAt } }`;
const PUBLISH = `mutation ($id: ID!, $v: Int!, $at: DateTime) { publishContent(id: $id, expectedVersion: $v, publishedAt: $at) { version publishedAt } }`;

function project(slug: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { slug, title: 'School repairs', summary: 'Classrooms rebuilt.', countries: ['IRQ'], sector: 'education', phase: 'ONGOING', countryCode: 'IRQ', ...fields };
}

function digest(slug: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { slug, title: 'A report', summary: 'What happened.', countries: ['IRQ'], outlet: 'Test Outlet', ...fields };
}

/** A refusal by input validation: no data, one BAD_USER_INPUT at `path` naming exactly `fields`. */
function assertRefused(response: GraphQLResponse, path: string, fields: string[]): void {
  const { body } = response;
  assert.equal(body.data, null, JSON.stringify(body));
  assert.deepEqual(
    body.errors?.map((error) => [error.path, error.extensions?.code, (error.extensions?.fields as { field: string }[] | undefined)?.map((f) => f.field)]),
    [[[path], 'BAD_USER_INPUT', fields]],
  );
}

for (const driver of DRIVERS) {
  describe(`limits of edited values [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Record<string, string>;

    async function slugsLike(prefix: string): Promise<string[]> {
      const rows: { slug: string }[] = await gw.gateway.db.query(`SELECT slug FROM content WHERE slug LIKE '${prefix}%' ORDER BY slug`);
      return rows.map((row) => row.slug);
    }

    before(async () => {
      gw = await startTestGateway(driver);
      const { secret } = await createApiKey(gw.gateway.db, { name: 'editor desk', role: Role.EDITOR });
      editor = { authorization: `Bearer ${secret}` };
    });
    after(() => gw.stop());

    it('refuses a budget past 2^53 − 1 (too large to be exact, or for a bigint) with BAD_USER_INPUT naming budgetUsd, and stores nothing', async () => {
      // As literals, so that the number reaches the gateway as written: 9007199254740993 is …992 once JavaScript reads it.
      for (const budget of ['1e19', '9007199254740993', '9007199254740992', '18446744073709551616']) {
        const response = await gw.post(
          `mutation { createStabilisationProject(input: { slug: "budget-refused", title: "Big", summary: "Big budget.", countries: ["IRQ"], sector: "education", phase: ONGOING, countryCode: "IRQ", budgetUsd: ${budget} }) { id } }`,
          {},
          editor,
        );
        assertRefused(response, 'createStabilisationProject', ['budgetUsd']);
        assert.match(response.body.errors![0].message, /budgetUsd must be at most 9007199254740991/, budget);
      }
      assert.deepEqual(await slugsLike('budget-'), []);
      const largest = await gw.post(PROJECT, { input: project('budget-largest', { budgetUsd: Number.MAX_SAFE_INTEGER }) }, editor);
      assert.equal(largest.body.errors, undefined, JSON.stringify(largest.body.errors));
      assert.equal(largest.body.data.createStabilisationProject.budgetUsd, 9007199254740991);
      const read = await gw.post(`query ($id: ID!) { node(id: $id) { ... on StabilisationProject { budgetUsd } } }`, { id: largest.body.data.createStabilisationProject.id }, editor);
      assert.deepEqual(read.body, { data: { node: { budgetUsd: 9007199254740991 } } });
    });

    it('refuses days outside years 1 to 9999, and a completion before the start, with BAD_USER_INPUT naming the field, and stores nothing', async () => {
      const cases: [Record<string, unknown>, string[]][] = [
        [{ startedOn: '0000-01-01' }, ['startedOn']],
        [{ completedOn: '0000-12-31' }, ['completedOn']],
        [{ startedOn: '0000-01-01', completedOn: '0000-01-02' }, ['startedOn', 'completedOn']],
        [{ startedOn: '2019-10-10', completedOn: '2019-10-09' }, ['completedOn']],
        [{ startedOn: '9999-12-31', completedOn: '0001-01-01' }, ['completedOn']],
      ];
      for (const [fields, named] of cases) assertRefused(await gw.post(PROJECT, { input: project('dates-refused', fields) }, editor), 'createStabilisationProject', named);
      const message = (await gw.post(PROJECT, { input: project('dates-refused', { startedOn: '2019-10-10', completedOn: '2019-10-09' }) }, editor)).body.errors?.[0].message;
      assert.equal(message, 'Invalid input: completedOn: completedOn must not be before startedOn');
      assert.deepEqual(await slugsLike('dates-'), []);

      const widest = await gw.post(PROJECT, { input: project('dates-widest', { startedOn: '0001-01-01', completedOn: '9999-12-31' }) }, editor);
      assert.equal(widest.body.errors, undefined, JSON.stringify(widest.body.errors));
      const { id } = widest.body.data.createStabilisationProject;
      const sameDay = await gw.post(PROJECT, { input: project('dates-same-day', { startedOn: '2019-10-10', completedOn: '2019-10-10' }) }, editor);
      assert.equal(sameDay.body.errors, undefined, JSON.stringify(sameDay.body.errors));
      const read = await gw.post(`query ($id: ID!) { node(id: $id) { ... on StabilisationProject { startedOn completedOn } } }`, { id }, editor);
      assert.deepEqual(read.body, { data: { node: { startedOn: '0001-01-01', completedOn: '9999-12-31' } } });

      // An update is held to the same rules, and changes nothing when refused.
      const update = `mutation ($id: ID!, $input: StabilisationProjectInput!) { updateStabilisationProject(id: $id, expectedVersion: 1, input: $input) { version } }`;
      assertRefused(await gw.post(update, { id, input: project('dates-widest', { startedOn: '2020-01-01', completedOn: '2019-12-31' }) }, editor), 'updateStabilisationProject', ['completedOn']);
      const again = await gw.post(`query ($id: ID!) { node(id: $id) { ... on StabilisationProject { version startedOn completedOn } } }`, { id }, editor);
      assert.deepEqual(again.body, { data: { node: { version: 1, startedOn: '0001-01-01', completedOn: '9999-12-31' } } });
    });

    it('refuses a publication time outside years 1 to 9999 (UTC) in an input or to publishContent, and pages past the earliest and latest allowed', async () => {
      for (const publishedAt of ['0000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:59:59.999-00:01']) {
        assertRefused(await gw.post(DIGEST, { input: digest('published-refused', { publishedAt }) }, editor), 'createDigestArticle', ['publishedAt']);
      }
      assert.deepEqual(await slugsLike('published-'), []);

      const earliest = await gw.post(DIGEST, { input: digest('published-earliest', { publishedAt: '0001-01-01T00:00:00Z' }) }, editor);
      assert.equal(earliest.body.errors, undefined, JSON.stringify(earliest.body.errors));
      const latest = (await gw.post(DIGEST, { input: digest('published-latest') }, editor)).body.data.createDigestArticle;
      for (const at of ['0000-06-01T00:00:00Z', '+010000-01-01T00:00:00Z', '9999-12-31T23:59:59.999-01:00']) {
        const refused = await gw.post(PUBLISH, { id: latest.id, v: latest.version, at }, editor);
        if (at.startsWith('+')) {
          // Not a DateTime at all: refused by the scalar before the resolver.
          assert.equal(refused.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT', at);
          continue;
        }
        assert.deepEqual(
          { data: refused.body.data, errors: refused.body.errors?.map((error) => [error.path, error.message, error.extensions]) },
          { data: null, errors: [[['publishContent'], 'publishedAt must be between 0001-01-01 and 9999-12-31', { code: 'BAD_USER_INPUT', argument: 'publishedAt' }]] },
          at,
        );
      }
      const published = await gw.post(PUBLISH, { id: latest.id, v: latest.version, at: '9999-12-31T23:59:59.999Z' }, editor);
      assert.deepEqual(published.body, { data: { publishContent: { version: 2, publishedAt: '9999-12-31T23:59:59.999Z' } } });
      const first = earliest.body.data.createDigestArticle;
      const publishedFirst = await gw.post(PUBLISH, { id: first.id, v: first.version, at: '0001-01-01T00:00:00Z' }, editor);
      assert.deepEqual(publishedFirst.body, { data: { publishContent: { version: 2, publishedAt: '0001-01-01T00:00:00.000Z' } } });

      // Each item's own cursor reads back: the page after the latest, and the page before the earliest.
      const page = `query ($after: String, $before: String, $first: Int, $last: Int) { feed(first: $first, last: $last, after: $after, before: $before) { edges { cursor node { slug } } } }`;
      const newest = (await gw.post(page, { first: 1 })).body.data.feed.edges[0];
      assert.equal(newest.node.slug, 'published-latest');
      const afterNewest = await gw.post(page, { first: 1, after: newest.cursor });
      assert.equal(afterNewest.body.errors, undefined, JSON.stringify(afterNewest.body.errors));
      const oldest = (await gw.post(page, { last: 1 })).body.data.feed.edges[0];
      assert.equal(oldest.node.slug, 'published-earliest');
      const beforeOldest = await gw.post(page, { last: 1, before: oldest.cursor });
      assert.equal(beforeOldest.body.errors, undefined, JSON.stringify(beforeOldest.body.errors));
      assert.equal(beforeOldest.body.data.feed.edges.length, 1);
    });

    it('keeps a campaign’s hashtag unique regardless of case, accented letters included (CONFLICT naming hashtag)', async () => {
      const create = `mutation ($input: CampaignInput!) { createCampaign(input: $input) { id version hashtag } }`;
      const campaign = (slug: string, hashtag: string) => ({ input: { slug, hashtag, title: 'École ouverte', summary: 'Schools open again.' } });
      const first = await gw.post(create, campaign('ecole-ouverte', 'ÉcoleOuverte'), editor);
      assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
      for (const [i, hashtag] of ['écoleouverte', 'ÉCOLEOUVERTE', 'éCOLEoUVERTE'].entries()) {
        const taken = await gw.post(create, campaign(`ecole-taken-${i}`, hashtag), editor);
        assert.deepEqual(
          { data: taken.body.data, errors: taken.body.errors?.map((error) => [error.path, error.message, error.extensions]) },
          { data: null, errors: [[['createCampaign'], 'Another campaign already has this hashtag', { code: 'CONFLICT', field: 'hashtag' }]] },
          hashtag,
        );
      }
      // Without the accent it is another word, as posts are matched to campaigns.
      const other = await gw.post(create, campaign('ecole-sans-accent', 'ecoleouverte'), editor);
      assert.equal(other.body.errors, undefined, JSON.stringify(other.body.errors));

      const update = `mutation ($id: ID!, $v: Int!, $input: CampaignInput!) { updateCampaign(id: $id, expectedVersion: $v, input: $input) { version hashtag } }`;
      const { id, version } = other.body.data.createCampaign;
      const onto = await gw.post(update, { id, v: version, ...campaign('ecole-sans-accent', 'ÉCOLEouverte') }, editor);
      assert.deepEqual(onto.body.errors?.map((error) => [error.path, error.extensions]), [[['updateCampaign'], { code: 'CONFLICT', field: 'hashtag' }]]);
      // A campaign may change the case of its own hashtag.
      const own = first.body.data.createCampaign;
      const recased = await gw.post(update, { id: own.id, v: own.version, ...campaign('ecole-ouverte', 'écoleOUVERTE') }, editor);
      assert.deepEqual(recased.body, { data: { updateCampaign: { version: own.version + 1, hashtag: 'écoleOUVERTE' } } });
      // The longest hashtag, of the one letter whose lowercase is two characters (İ, i̇), fits its key.
      const longest = await gw.post(create, campaign('ecole-istanbul', 'İ'.repeat(100)), editor);
      assert.equal(longest.body.errors, undefined, JSON.stringify(longest.body.errors));
      // Each write keeps the hashtag's key (the database's unique index is on it) in step with the hashtag.
      const rows: { hashtag: string; key: string }[] = await gw.gateway.db.query(`SELECT hashtag AS "hashtag", hashtag_key AS "key" FROM campaign WHERE slug LIKE 'ecole%' ORDER BY slug`);
      assert.deepEqual(rows, [
        { hashtag: 'İ'.repeat(100), key: 'i̇'.repeat(100) },
        { hashtag: 'écoleOUVERTE', key: 'écoleouverte' },
        { hashtag: 'ecoleouverte', key: 'ecoleouverte' },
      ]);
    });

    it('lets in one of two campaigns created at the same moment with one hashtag in different cases (or one slug); the other gets the same CONFLICT', async () => {
      const create = `mutation ($input: CampaignInput!) { createCampaign(input: $input) { slug hashtag } }`;
      const campaign = (slug: string, hashtag: string) => ({ input: { slug, hashtag, title: 'Race', summary: 'Created twice at once.' } });
      const creates = async () => Number((await gw.gateway.db.query(`SELECT COUNT(*) AS "n" FROM audit_entry WHERE subject_type = 'Campaign' AND action = 'CREATE'`))[0].n);
      const rounds = [
        { field: 'hashtag', first: campaign('race-ecole-a', 'ÉcoleCourse'), second: campaign('race-ecole-b', 'écoleCOURSE') },
        { field: 'slug', first: campaign('race-slug', 'RaceSlugA'), second: campaign('race-slug', 'RaceSlugB') },
      ];
      for (const { field, first, second } of rounds) {
        const createdBefore = await creates();
        const responses = await atOnce(() => [gw.post(create, first, editor), gw.post(create, second, editor)]);
        const won = responses.filter((response) => response.body.data?.createCampaign);
        assert.equal(won.length, 1, JSON.stringify(responses.map((response) => response.body)));
        const lost = responses.find((response) => !response.body.data?.createCampaign)!;
        assert.deepEqual(
          { data: lost.body.data, errors: lost.body.errors?.map((error) => [error.path, error.message, error.extensions]) },
          { data: null, errors: [[['createCampaign'], `Another campaign already has this ${field}`, { code: 'CONFLICT', field }]] },
        );
        const stored: { slug: string; hashtag: string }[] = await gw.gateway.db.query(
          `SELECT slug AS "slug", hashtag AS "hashtag" FROM campaign WHERE slug IN ('${first.input.slug}', '${second.input.slug}')`,
        );
        assert.deepEqual(stored, [won[0].body.data.createCampaign]);
        assert.equal(await creates(), createdBefore + 1, 'the loser’s audit entry rolled back with it');
      }
    });

    /**
     * Runs `requests` so that each reads the campaigns before any writes one.
     * On PostgreSQL another session holds the table in SHARE mode (reads go
     * on, writes wait) until both are waiting to insert. On SQLite a
     * process's transactions take turns (and across processes SQLite refuses
     * a write whose reads another process's commit made stale), so the second
     * always sees the first: there they are simply sent together.
     */
    async function atOnce<T>(requests: () => Promise<T>[]): Promise<T[]> {
      if (driver !== 'postgres') return Promise.all(requests());
      const database = gw.database as { url: string; schema: string };
      const holder = new Client({ connectionString: database.url, options: `-c search_path=${database.schema}` });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE campaign IN SHARE MODE');
        const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const sent = requests();
        const blocked = `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`;
        await waitFor('both writes to wait for the table', async () => ((await gw.gateway.db.query(blocked, [rows[0].pid])) as unknown[]).length === sent.length || undefined, {
          tries: 500,
          intervalMs: 10,
        });
        await holder.query('COMMIT');
        return await Promise.all(sent);
      } finally {
        await holder.query('ROLLBACK').catch(() => {});
        await holder.end();
      }
    }
  });
}
