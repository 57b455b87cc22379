import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nationCatalogue } from '../src/member-nations/nation-catalogue';
import { parseDocument } from '../src/ingest/parse';
import type { IngestKind } from '../src/ingest/connectors';
import { ChangeEntry } from '../src/changes/change.entity';
import { ContentSource } from '../src/ingest/source.entity';
import { AuditEntry } from '../src/store/audit-entry.entity';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Content } from '../src/shared/content/content.entity';
import { SourceKind } from '../src/shared/content/source-kind';
import { DRIVERS } from './helpers/drivers';
import { startIngestGateway, type IngestGateway } from './helpers/ingest';
import { startUpstream, type Upstream } from './helpers/upstream';

const EXAMPLES = path.resolve(__dirname, '../../examples/sources');
const fixture = (name: string) => readFileSync(path.join(EXAMPLES, name));
const WP_PAGE_1 = JSON.parse(fixture('wordpress/posts-page-1.json').toString('utf8')) as { id: number }[];
const WP_PAGE_2 = JSON.parse(fixture('wordpress/posts-page-2.json').toString('utf8')) as { id: number }[];
const CAMPAIGNS = { thisgenerationlearns: 'this-generation-learns' };

/** What the connector (with enrichment) makes of a fixture on its own: the run must write exactly that. */
async function expected(gw: IngestGateway, kind: IngestKind, body: Buffer, type: ContentType, options: Record<string, unknown> = {}) {
  const memberCodes = [...(await nationCatalogue(gw.gateway.db).get()).byCode.keys()];
  return parseDocument({
    kind,
    document: { url: 'http://127.0.0.1/fixture', status: 200, contentType: null, headers: {}, body },
    context: { source: { name: 'fixture', kind, location: 'http://127.0.0.1/fixture', targetType: type, options }, documentNumber: 1, lastSuccessAt: null, fullListing: true },
    fetchedAt: new Date(),
    memberCodes,
  });
}

for (const driver of DRIVERS) {
  describe(`each kind of source through a real run [${driver}]`, () => {
    let upstream: Upstream;
    let gw: IngestGateway;
    const itemsOf = (sourceName: string) => gw.gateway.db.getRepository(Content).find({ where: { sourceName }, order: { sourceExternalId: 'ASC' } });
    const statusOf = async (sourceName: string) => Object.fromEntries((await itemsOf(sourceName)).map((item) => [item.sourceExternalId, item.status]));

    before(async () => {
      upstream = await startUpstream();
      gw = await startIngestGateway(driver);
    });
    after(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    describe('WORDPRESS', () => {
      /** What the site answers to a full listing (ordered by id) and to a listing of changes (ordered by modification). */
      let full: { pages: unknown[][] } = { pages: [] };
      let changes: { pages: unknown[][] } = { pages: [] };

      before(() => {
        upstream.on('/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
          const listing = seen.query.get('orderby') === 'id' ? full : changes;
          const page = Number(seen.query.get('page') ?? '1');
          const posts = listing.pages[page - 1];
          if (!posts) return void response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'rest_post_invalid_page_number', message: 'The page number requested is larger than the number of pages available.' }));
          response
            .writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'x-wp-total': String(listing.pages.flat().length), 'x-wp-totalpages': String(listing.pages.length) })
            .end(JSON.stringify(posts));
        });
      });

      it('reads every page X-WP-TotalPages announces, counting a post repeated on a later page once', async () => {
        // Page 2 repeats a post of page 1 (a post edited while the listing was read moves between pages); a third page follows.
        full = { pages: [WP_PAGE_1, [...WP_PAGE_2, WP_PAGE_1[0]], [{ ...WP_PAGE_2[4], id: 4700, slug: 'older-post' }]] };
        await gw.addSource({ name: 'wp', kind: 'WORDPRESS', url: upstream.origin, type: 'CAMPAIGN_STORY', options: { completeListings: true, campaignMap: CAMPAIGNS } });
        const run = await gw.runSource('wp');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        const requests = upstream.hits('/wp-json/wp/v2/posts');
        assert.deepEqual(
          requests.map((r) => [r.query.get('page'), r.query.get('orderby'), r.query.get('modified_after')]),
          [
            ['1', 'id', null],
            ['2', 'id', null],
            ['3', 'id', null],
          ],
        );
        const one = await expected(gw, SourceKind.WORDPRESS, fixture('wordpress/posts-page-1.json'), ContentType.CAMPAIGN_STORY, { campaignMap: CAMPAIGNS });
        const two = await expected(gw, SourceKind.WORDPRESS, fixture('wordpress/posts-page-2.json'), ContentType.CAMPAIGN_STORY, { campaignMap: CAMPAIGNS });
        // Pinned as the fixtures are, so that a parser that lost posts cannot make the run look right.
        assert.deepEqual([one.inputs.length, one.errors.length, two.inputs.length, two.errors.length], [4, 1, 4, 0]);
        const stories = one.inputs.length + two.inputs.length + 1;
        // Page 1's protected post is an error; the repeat of 4812 on page 2 is skipped too, and stays counted after page 3.
        const errors = one.errors.length + two.errors.length;
        assert.deepEqual(
          [run.documents, run.created, run.skipped, run.errorCount],
          [3, stories, errors + 1, errors],
        );
        assert.deepEqual(
          run.errors.map((e) => e.position),
          [...one.errors, ...two.errors].map((e) => e.position),
        );
        const items = await itemsOf('wp');
        assert.equal(items.length, stories);
        assert.ok(items.every((item) => item.type === ContentType.CAMPAIGN_STORY && item.status === ContentStatus.PUBLISHED));
        assert.ok(!items.some((item) => ['4799', '4748'].includes(item.sourceExternalId!)), 'the protected post and the draft are not imported');
      });

      it('asks only for what changed since the last success on the next run', async () => {
        const [first] = await gw.runsOf('wp');
        changes = { pages: [[{ ...WP_PAGE_1[1], title: { rendered: 'Une nouvelle école à Mossoul, mise à jour' } }]] };
        const before = upstream.hits('/wp-json/wp/v2/posts').length;
        const run = await gw.runSource('wp');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        const requests = upstream.hits('/wp-json/wp/v2/posts').slice(before);
        assert.deepEqual(
          requests.map((r) => [r.query.get('page'), r.query.get('orderby'), r.query.get('order'), r.query.get('modified_after')]),
          [['1', 'modified', 'desc', new Date(Date.parse(first.startedAt) - 3_600_000).toISOString()]],
        );
        assert.deepEqual([run.documents, run.created, run.updated, run.withdrawn], [1, 0, 1, 0]);
        const french = (await itemsOf('wp')).find((item) => item.sourceExternalId === String(WP_PAGE_1[1].id));
        assert.equal(french?.title, 'Une nouvelle école à Mossoul, mise à jour');
      });

      it('holds back a withdrawal of most of the source: a listing that lacks more than half its posts looks cut short', async () => {
        // A day later the run must list everything again (fullListingEvery, 1 day by default): move the last full listing back rather than wait.
        await gw.gateway.db.getRepository(ContentSource).update({ name: 'wp' }, { lastFullListingAt: new Date(Date.now() - 2 * 86_400_000) });
        full = { pages: [WP_PAGE_1.filter((post) => post.id !== 4786)] };
        const run = await gw.runSource('wp');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.equal(run.withdrawn, 0);
        const [held] = run.errors.filter((error) => error.position === 'listing');
        assert.match(held?.message ?? '', /^the listing lacks 6 of the source's 9 published items \(67%\), more than options\.maxWithdrawnShare \(0\.5\) allows: none of them was withdrawn/);
        assert.ok(Object.values(await statusOf('wp')).every((status) => status === ContentStatus.PUBLISHED));
      });

      it('withdraws (never deletes) the posts a later full listing no longer has', async () => {
        // The source's owner confirms the posts are gone: any share may go in one run.
        await gw.ok(`mutation ($input: SourceUpdateInput!) { updateSource(name: "wp", input: $input) { name } }`, {
          input: { options: { completeListings: true, campaignMap: CAMPAIGNS, maxWithdrawnShare: 1 } },
        });
        await gw.gateway.db.getRepository(ContentSource).update({ name: 'wp' }, { lastFullListingAt: new Date(Date.now() - 2 * 86_400_000) });
        const kept = WP_PAGE_1.filter((post) => post.id !== 4786);
        full = { pages: [kept] };
        const before = await itemsOf('wp');
        const run = await gw.runSource('wp');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        const last = upstream.hits('/wp-json/wp/v2/posts').at(-1)!;
        assert.equal(last.query.get('orderby'), 'id');
        assert.equal(last.query.get('modified_after'), null);
        const gone = ['4786', '4770', '4761', '4755', '4740', '4700'];
        assert.equal(run.withdrawn, gone.length);
        const status = await statusOf('wp');
        assert.equal(Object.keys(status).length, before.length, 'nothing is deleted');
        for (const id of gone) assert.equal(status[id], ContentStatus.DRAFT, id);
        for (const id of ['4812', '4807', '4790']) assert.equal(status[id], ContentStatus.PUBLISHED, id);
      });
    });

    describe('IATI', () => {
      it('imports the activities of an IATI file as stabilisation projects', async () => {
        upstream.serve('/iati.xml', fixture('iati-activities.xml'));
        const want = await expected(gw, SourceKind.IATI, fixture('iati-activities.xml'), ContentType.STABILISATION_PROJECT);
        assert.deepEqual([want.inputs.length, want.errors.length], [5, 1], 'five activities and one refused, as the fixture holds');
        await gw.addSource({ name: 'iati', kind: 'IATI', url: upstream.url('/iati.xml'), type: 'STABILISATION_PROJECT' });
        const run = await gw.runSource('iati');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.deepEqual([run.documents, run.created, run.errorCount], [1, want.inputs.length, want.errors.length]);
        const items = await itemsOf('iati');
        assert.deepEqual(
          items.map((item) => item.sourceExternalId),
          want.inputs.map((input) => input.source!.externalId).sort(),
        );
        const node = await gw.ok(`query ($id: ID!) { node(id: $id) { ... on StabilisationProject { title phase sector source { kind externalId } } } }`, { id: items[0].nodeId });
        assert.equal(node.node.source.kind, 'IATI');
        assert.equal(node.node.title, items[0].title);
        // Again: nothing new.
        const again = await gw.runSource('iati');
        assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, want.inputs.length]);
      });

      it('keeps an activity’s publication time when the register revises it: last-updated-datetime dates a new activity only', async () => {
        const id = 'XM-DAC-41114-PROJECT-00990001-MOS-WTP';
        const before = (await itemsOf('iati')).find((item) => item.sourceExternalId === id)!;
        assert.equal(before.publishedAt.toISOString(), '2024-03-28T14:22:05.000Z');
        const revised = fixture('iati-activities.xml')
          .toString('utf8')
          .replace('last-updated-datetime="2024-03-28T14:22:05Z"', 'last-updated-datetime="2026-11-30T09:00:00Z"')
          .replace('<narrative>Rehabilitation of the Al-Qubba water treatment plant, Mosul</narrative>', '<narrative>Al-Qubba water treatment plant, Mosul: works completed</narrative>');
        // Re-exported with a new date and nothing else: no change at all (no version, no event for partners).
        upstream.serve('/iati.xml', fixture('iati-activities.xml').toString('utf8').replace('last-updated-datetime="2024-03-28T14:22:05Z"', 'last-updated-datetime="2026-11-29T09:00:00Z"'));
        const dated = await gw.runSource('iati');
        assert.deepEqual([dated.outcome, dated.updated, dated.unchanged], ['SUCCEEDED', 0, 5]);
        upstream.serve('/iati.xml', revised);
        const run = await gw.runSource('iati');
        assert.deepEqual([run.outcome, run.updated], ['SUCCEEDED', 1]);
        const after = (await itemsOf('iati')).find((item) => item.sourceExternalId === id)!;
        assert.deepEqual([after.title, after.version, after.publishedAt.toISOString()], ['Al-Qubba water treatment plant, Mosul: works completed', before.version + 1, '2024-03-28T14:22:05.000Z']);
      });
    });

    describe('CSV', () => {
      it('imports a full snapshot, and withdraws the rows that vanish from the next one', async () => {
        const csv = fixture('projects.csv');
        upstream.serve('/projects.csv', csv, { headers: { 'content-type': 'text/csv' } });
        const want = await expected(gw, SourceKind.CSV, csv, ContentType.STABILISATION_PROJECT, { fullSnapshot: true });
        assert.deepEqual([want.inputs.length, want.errors.length], [8, 1], 'eight rows and one refused (line 7), as the fixture holds');
        await gw.addSource({ name: 'register', kind: 'CSV', url: upstream.url('/projects.csv'), type: 'STABILISATION_PROJECT', options: { fullSnapshot: true } });
        const run = await gw.runSource('register');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.deepEqual([run.created, run.errorCount, run.withdrawn], [want.inputs.length, want.errors.length, 0]);
        assert.ok((await statusOf('register'))['FFS-SY-0201'] === ContentStatus.PUBLISHED);

        const lines = csv.toString('utf8').split('\n');
        const without = lines.filter((line) => !line.startsWith('FFS-SY-0201,')).join('\n');
        assert.equal(without.split('\n').length, lines.length - 1);
        upstream.serve('/projects.csv', without, { headers: { 'content-type': 'text/csv' } });
        const next = await gw.runSource('register');
        assert.equal(next.outcome, 'SUCCEEDED', next.message ?? '');
        assert.deepEqual([next.created, next.updated, next.unchanged, next.withdrawn], [0, 0, want.inputs.length - 1, 1]);
        const status = await statusOf('register');
        assert.equal(status['FFS-SY-0201'], ContentStatus.DRAFT);
        assert.equal(Object.keys(status).length, want.inputs.length);
        assert.equal(Object.values(status).filter((s) => s === ContentStatus.PUBLISHED).length, want.inputs.length - 1);
      });

      const STATE = `query ($id: ID!) { node(id: $id) { ... on StabilisationProject { status version publishedAt source { withdrawnAt } } } }`;
      const stateOf = async (externalId: string) => {
        const item = (await itemsOf('register')).find((row) => row.sourceExternalId === externalId)!;
        return { item, node: (await gw.ok<{ node: { status: string; version: number; publishedAt: string; source: { withdrawnAt: string | null } } }>(STATE, { id: item.nodeId })).node };
      };
      const changesOf = async (id: string, after: number) =>
        (await gw.gateway.db.getRepository(ChangeEntry).find({ where: { subject: 'CONTENT', subjectId: id }, order: { seq: 'ASC' } })).filter((change) => change.seq > after).map((change) => change.kind);
      const lastSeq = async () => (await gw.gateway.db.getRepository(ChangeEntry).find({ order: { seq: 'DESC' }, take: 1 }))[0]?.seq ?? 0;
      const serveSnapshot = (withoutId?: string) => {
        const lines = fixture('projects.csv').toString('utf8').split('\n');
        upstream.serve('/projects.csv', lines.filter((line) => !withoutId || !line.startsWith(`${withoutId},`)).join('\n'), { headers: { 'content-type': 'text/csv' } });
      };

      it('publishes a row the source had dropped again when the snapshot lists it again, at its first publication time, with one PUBLISHED event', async () => {
        const withdrawn = await stateOf('FFS-SY-0201');
        assert.equal(withdrawn.node.status, 'DRAFT');
        assert.ok(withdrawn.node.source.withdrawnAt, 'the item says when its source stopped listing it');
        const seq = await lastSeq();
        serveSnapshot();
        const run = await gw.runSource('register');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.deepEqual([run.created, run.updated, run.unchanged, run.withdrawn, run.republished], [0, 0, 8, 0, 1]);
        const { node } = await stateOf('FFS-SY-0201');
        assert.deepEqual(node, { status: 'PUBLISHED', version: withdrawn.node.version + 1, publishedAt: withdrawn.node.publishedAt, source: { withdrawnAt: null } });
        assert.deepEqual(await changesOf(withdrawn.item.id, seq), ['PUBLISHED']);
        const [audit] = await gw.gateway.db.getRepository(AuditEntry).find({ where: { subjectId: withdrawn.item.nodeId }, order: { at: 'DESC' }, take: 1 });
        assert.deepEqual([audit.action, audit.actorName], ['PUBLISH', 'ingest:register']);
        // Listed again, unchanged: nothing more to do.
        const again = await gw.runSource('register');
        assert.deepEqual([again.unchanged, again.republished], [8, 0]);
        assert.deepEqual(await changesOf(withdrawn.item.id, seq), ['PUBLISHED']);
      });

      it('publishes a dropped row again with its new content when it comes back changed', async () => {
        serveSnapshot('FFS-IQ-0101');
        assert.equal((await gw.runSource('register')).withdrawn, 1);
        const withdrawn = await stateOf('FFS-IQ-0101');
        const seq = await lastSeq();
        const lines = fixture('projects.csv').toString('utf8').replace('Rehabilitation of Al-Shifa hospital, West Mosul', 'Al-Shifa hospital in West Mosul reopens');
        upstream.serve('/projects.csv', lines, { headers: { 'content-type': 'text/csv' } });
        const run = await gw.runSource('register');
        assert.deepEqual([run.updated, run.unchanged, run.republished], [1, 7, 1]);
        const { item, node } = await stateOf('FFS-IQ-0101');
        assert.equal(item.title, 'Al-Shifa hospital in West Mosul reopens');
        assert.deepEqual([node.status, node.publishedAt, node.source.withdrawnAt], ['PUBLISHED', withdrawn.node.publishedAt, null]);
        // The update of a draft is no event; its publication is one.
        assert.deepEqual(await changesOf(item.id, seq), ['PUBLISHED']);
        serveSnapshot();
        await gw.runSource('register');
      });

      it('never publishes again what an editor decided on after the source dropped it, nor what an editor withdrew', async () => {
        serveSnapshot('FFS-IQ-0103');
        assert.equal((await gw.runSource('register')).withdrawn, 1);
        const dropped = await stateOf('FFS-IQ-0103');
        // The desk looks at it, publishes it and withdraws it again: the decision is the desk's now.
        const published = await gw.ok(`mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v) { version source { withdrawnAt } } }`, { id: dropped.item.nodeId, v: dropped.node.version }, gw.editor);
        assert.equal(published.publishContent.source.withdrawnAt, null);
        await gw.ok(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { version } }`, { id: dropped.item.nodeId, v: published.publishContent.version }, gw.editor);
        // Another row the source still lists, withdrawn by the desk.
        const listed = await stateOf('FFS-SY-0202');
        await gw.ok(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { version } }`, { id: listed.item.nodeId, v: listed.node.version }, gw.editor);
        serveSnapshot();
        const run = await gw.runSource('register');
        assert.deepEqual([run.unchanged, run.republished], [8, 0]);
        const status = await statusOf('register');
        assert.deepEqual([status['FFS-IQ-0103'], status['FFS-SY-0202']], [ContentStatus.DRAFT, ContentStatus.DRAFT]);
      });
    });
  });
}
