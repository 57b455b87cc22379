import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChangeEntry } from '../src/changes/change.entity';
import { RunTrigger } from '../src/ingest/ingest-run.entity';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { Content } from '../src/shared/content/content.entity';
import { DRIVERS } from './helpers/drivers';
import { startIngestGateway, tableOf, writeStatements, type IngestGateway } from './helpers/ingest';
import { requestStatements } from './helpers/request-statements';
import { rss, startUpstream, type RssEntry, type Upstream } from './helpers/upstream';

const ENTRIES: RssEntry[] = [
  { guid: 'desk-1', title: 'Water plant reopens in Fallujah', link: 'https://desk.example/1', date: 'Thu, 13 Mar 2025 10:00:00 GMT', description: 'The plant serves 80,000 people.' },
  { guid: 'desk-2', title: 'Bridge rebuilt over the Tigris', link: 'https://desk.example/2', date: 'Wed, 12 Mar 2025 10:00:00 GMT', description: 'Traffic crosses again.' },
];

const ITEM = `query ($id: ID!) { node(id: $id) { ... on DigestArticle { id title summary version status outlet source { contentHash fetchedAt } pendingRevision { title summary contentHash fetchedAt } } } }`;
const EDIT = `mutation ($id: ID!, $v: Int!, $input: DigestArticleInput!) { updateDigestArticle(id: $id, expectedVersion: $v, input: $input) { id version title } }`;

for (const driver of DRIVERS) {
  describe(`editors’ work is never overwritten by a run [${driver}]`, () => {
    let upstream: Upstream;
    let gw: IngestGateway;
    let ids: { edited: string; published: string };

    const item = async (id: string, headers = gw.editor) => (await gw.ok(ITEM, { id }, headers)).node;
    const serve = (entries: RssEntry[]) => upstream.serve('/desk.rss', rss(entries));
    const contentChangesOf = (id: string) => gw.gateway.db.getRepository(ChangeEntry).find({ where: { subject: 'CONTENT', subjectId: id }, order: { seq: 'ASC' } });

    before(async () => {
      upstream = await startUpstream();
      gw = await startIngestGateway(driver);
      serve(ENTRIES);
      await gw.addSource({ name: 'desk', kind: 'FEED', url: upstream.url('/desk.rss'), type: 'DIGEST_ARTICLE', options: { outlet: 'Desk' } });
      const run = await gw.runSource('desk');
      assert.equal(run.created, 2);
      const rows = await gw.gateway.db.getRepository(Content).find({ where: { sourceName: 'desk' }, order: { sourceExternalId: 'ASC' } });
      ids = { edited: rows[0].nodeId, published: rows[1].nodeId };
    });
    after(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    it('an editor’s change survives a run that brings the same source version again', async () => {
      const before = await item(ids.edited);
      const edited = await gw.ok(
        EDIT,
        { id: ids.edited, v: before.version, input: { slug: 'water-plant-fallujah', title: 'Fallujah water plant back in service', summary: 'Edited by the desk.', countries: ['IRQ'], outlet: 'Desk' } },
        gw.editor,
      );
      assert.equal(edited.updateDigestArticle.version, before.version + 1);
      const run = await gw.runSource('desk');
      assert.deepEqual([run.outcome, run.created, run.updated, run.unchanged, run.held], ['SUCCEEDED', 0, 0, 2, 0]);
      const after = await item(ids.edited);
      assert.equal(after.title, 'Fallujah water plant back in service');
      assert.equal(after.pendingRevision, null);
    });

    it('publishing and unpublishing alone is not an edit: the source still updates the item', async () => {
      const before = await item(ids.published);
      const unpublished = await gw.ok(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { version status } }`, { id: ids.published, v: before.version }, gw.editor);
      assert.equal(unpublished.unpublishContent.status, 'DRAFT');
      const published = await gw.ok(`mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v) { version status } }`, { id: ids.published, v: unpublished.unpublishContent.version }, gw.editor);
      assert.equal(published.publishContent.status, 'PUBLISHED');
      // Both items change at the source.
      serve([
        { ...ENTRIES[0], title: 'Water plant reopens in Fallujah after repairs', description: 'The plant serves 90,000 people.' },
        { ...ENTRIES[1], title: 'Bridge over the Tigris rebuilt and open' },
      ]);
      const run = await gw.runSource('desk');
      assert.deepEqual([run.outcome, run.created, run.updated, run.unchanged, run.held], ['SUCCEEDED', 0, 1, 0, 1]);
      const after = await item(ids.published);
      assert.equal(after.title, 'Bridge over the Tigris rebuilt and open');
      assert.equal(after.version, published.publishContent.version + 1);
      assert.equal(after.pendingRevision, null);
    });

    it('holds the source’s new version of the edited item, shown to editors only, and counts it as held', async () => {
      const held = await item(ids.edited);
      assert.equal(held.title, 'Fallujah water plant back in service');
      assert.equal(held.summary, 'Edited by the desk.');
      assert.equal(held.pendingRevision.title, 'Water plant reopens in Fallujah after repairs');
      assert.equal(held.pendingRevision.summary, 'The plant serves 90,000 people.');
      assert.match(held.pendingRevision.contentHash, /^[0-9a-f]{64}$/);
      assert.notEqual(held.pendingRevision.contentHash, held.source.contentHash);
      const anonymous = await gw.post(ITEM, { id: ids.edited }, {});
      assert.equal(anonymous.body.data.node.pendingRevision, null);
      assert.equal(anonymous.body.data.node.title, 'Fallujah water plant back in service');
      const runs = await gw.runsOf('desk');
      assert.equal(runs[0].held, 1);
    });

    it('the same source version again stays held as it was, without writing it again', async () => {
      const before = await item(ids.edited);
      gw.sql.reset();
      const run = await gw.gateway.services.ingest.run('desk', RunTrigger.CLI);
      const writes = writeStatements(requestStatements(gw.sql));
      assert.deepEqual([run.updated, run.unchanged, run.held], [0, 1, 1]);
      assert.deepEqual([...new Set(writes.map(tableOf))].sort(), ['change_log', 'content_source', 'ingest_run'], writes.join('\n'));
      const after = await item(ids.edited);
      assert.equal(after.version, before.version);
      assert.equal(after.title, before.title);
      assert.deepEqual(after.pendingRevision, before.pendingRevision);
    });

    it('acceptSourceRevision applies the held version with a new version and an UPDATED change', async () => {
      const before = await item(ids.edited);
      const row = await gw.gateway.db.getRepository(Content).findOneByOrFail({ sourceName: 'desk', sourceExternalId: 'desk-1' });
      const changesBefore = (await contentChangesOf(row.id)).length;
      const accepted = await gw.ok(`mutation ($id: ID!) { acceptSourceRevision(id: $id) { id version title } }`, { id: ids.edited }, gw.editor);
      assert.equal(accepted.acceptSourceRevision.title, 'Water plant reopens in Fallujah after repairs');
      assert.equal(accepted.acceptSourceRevision.version, before.version + 1);
      const after = await item(ids.edited);
      assert.equal(after.summary, 'The plant serves 90,000 people.');
      assert.equal(after.pendingRevision, null);
      assert.equal(after.source.contentHash, before.pendingRevision.contentHash);
      const changes = await contentChangesOf(row.id);
      assert.deepEqual(
        changes.slice(changesBefore).map((change) => change.kind),
        ['UPDATED'],
      );
      // Accepted, the item follows its source again.
      serve([{ ...ENTRIES[0], title: 'Water plant in Fallujah at full capacity', description: 'The plant serves 90,000 people.' }, { ...ENTRIES[1], title: 'Bridge over the Tigris rebuilt and open' }]);
      const run = await gw.runSource('desk');
      assert.deepEqual([run.updated, run.unchanged, run.held], [1, 1, 0]);
      assert.equal((await item(ids.edited)).title, 'Water plant in Fallujah at full capacity');
    });

    it('rejectSourceRevision keeps the editor’s text and drops the held version for good', async () => {
      const current = await item(ids.edited);
      await gw.ok(EDIT, { id: ids.edited, v: current.version, input: { slug: 'water-plant-fallujah', title: 'Fallujah plant: the desk’s headline', summary: 'Edited again.', countries: ['IRQ'], outlet: 'Desk' } }, gw.editor);
      serve([{ ...ENTRIES[0], title: 'Fallujah water plant to expand', description: 'A second line is planned.' }, { ...ENTRIES[1], title: 'Bridge over the Tigris rebuilt and open' }]);
      const heldRun = await gw.runSource('desk');
      assert.equal(heldRun.held, 1);
      const before = await item(ids.edited);
      assert.equal(before.pendingRevision.title, 'Fallujah water plant to expand');
      const rejected = await gw.ok(`mutation ($id: ID!) { rejectSourceRevision(id: $id) { id version title } }`, { id: ids.edited }, gw.editor);
      assert.equal(rejected.rejectSourceRevision.title, 'Fallujah plant: the desk’s headline');
      const after = await item(ids.edited);
      assert.equal(after.pendingRevision, null);
      assert.equal(after.title, 'Fallujah plant: the desk’s headline');
      assert.equal(after.summary, 'Edited again.');
      // The rejected version does not come back on the next run of the same source version.
      const run = await gw.runSource('desk');
      assert.deepEqual([run.updated, run.unchanged, run.held], [0, 2, 0]);
      assert.equal((await item(ids.edited)).pendingRevision, null);
    });

    it('accepting or rejecting needs a held version and the EDITOR role', async () => {
      const none = await gw.post(`mutation ($id: ID!) { acceptSourceRevision(id: $id) { id } }`, { id: ids.published }, gw.editor);
      assert.equal(none.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      const anonymous = await gw.post(`mutation ($id: ID!) { rejectSourceRevision(id: $id) { id } }`, { id: ids.edited }, {});
      assert.equal(anonymous.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      // A key, but not an editor's: the role decides, not only being signed in.
      serve([{ ...ENTRIES[0], title: 'Fallujah water plant adds a second line' }, ENTRIES[1]]);
      assert.equal((await gw.runSource('desk')).held, 1);
      const { secret } = await createApiKey(gw.gateway.db, { name: 'partner desk', role: Role.PARTNER });
      const partner = await gw.post(`mutation ($id: ID!) { acceptSourceRevision(id: $id) { id } }`, { id: ids.edited }, { authorization: `Bearer ${secret}` });
      assert.equal(partner.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.notEqual((await item(ids.edited)).pendingRevision, null, 'the held version is still held');
    });
  });
}
