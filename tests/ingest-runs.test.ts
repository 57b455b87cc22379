import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChangeEntry } from '../src/changes/change.entity';
import { RunTrigger } from '../src/ingest/ingest-run.entity';
import { Content } from '../src/shared/content/content.entity';
import { AuditEntry } from '../src/store/audit-entry.entity';
import { DRIVERS } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startIngestGateway, tableOf, writeStatements, type IngestGateway } from './helpers/ingest';
import { requestStatements } from './helpers/request-statements';
import { rss, startUpstream, type RssEntry, type Upstream } from './helpers/upstream';

/** Three good entries and three that cannot be used, at positions 4, 5 and 6. */
const GOOD: RssEntry[] = [
  { guid: 'wire-1', title: 'Schools reopen in west Mosul', link: 'https://wire.example/1', date: 'Thu, 13 Mar 2025 10:00:00 GMT', description: 'Twelve schools reopened in the Old City of Mosul.' },
  { guid: 'wire-2', title: 'Demining resumes near Raqqa', link: 'https://wire.example/2', date: 'Wed, 12 Mar 2025 09:00:00 GMT', description: 'Clearance teams are back in the fields north of Raqqa.' },
  { guid: 'wire-3', title: 'Ministers meet in Brussels', link: 'https://wire.example/3', date: 'Tue, 11 Mar 2025 08:00:00 GMT', description: 'Coalition ministers met to review stabilisation funding.' },
];
const BAD: RssEntry[] = [
  { guid: 'wire-4', link: 'https://wire.example/4', date: 'Mon, 10 Mar 2025 08:00:00 GMT', description: 'An entry without a title.' },
  { guid: 'wire-5', title: 'An entry without a date', link: 'https://wire.example/5', description: 'No pubDate.' },
  { guid: 'wire-6', title: 'An entry with an ftp link', link: 'ftp://wire.example/6', date: 'Sun, 09 Mar 2025 08:00:00 GMT', description: 'Not http.' },
];

const FEED_ITEMS = `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on DigestArticle { id title summary version status outlet source { name kind externalId url contentHash fetchedAt } } } }`;

async function itemsOf(gw: IngestGateway, sourceName: string): Promise<Content[]> {
  return gw.gateway.db.getRepository(Content).find({ where: { sourceName }, order: { sourceExternalId: 'ASC' } });
}

async function contentChanges(gw: IngestGateway): Promise<ChangeEntry[]> {
  return gw.gateway.db.getRepository(ChangeEntry).find({ where: { subject: 'CONTENT' }, order: { seq: 'ASC' } });
}

for (const driver of DRIVERS) {
  describe(`ingest runs end to end [${driver}]`, () => {
    let upstream: Upstream;
    let gw: IngestGateway;

    before(async () => {
      upstream = await startUpstream();
      gw = await startIngestGateway(driver);
    });
    after(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    describe('a feed becomes digest articles', () => {
      it('records the run: start, end, outcome, HTTP status, counts and each skipped entry with its position', async () => {
        upstream.serve('/wire.rss', rss([...GOOD, ...BAD]));
        await gw.addSource({ name: 'wire', kind: 'FEED', url: upstream.url('/wire.rss'), type: 'DIGEST_ARTICLE', options: { outlet: 'Wire Service' } });
        const run = await gw.runSource('wire');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.equal(run.trigger, RunTrigger.GRAPHQL);
        assert.equal(run.httpStatus, 200);
        assert.ok(run.endedAt && Date.parse(run.endedAt) >= Date.parse(run.startedAt));
        assert.deepEqual(
          { documents: run.documents, created: run.created, updated: run.updated, unchanged: run.unchanged, skipped: run.skipped, held: run.held, withdrawn: run.withdrawn, errorCount: run.errorCount, message: run.message },
          { documents: 1, created: 3, updated: 0, unchanged: 0, skipped: 3, held: 0, withdrawn: 0, errorCount: 3, message: null },
        );
        assert.deepEqual(
          run.errors.map((error) => error.position),
          ['entry 4', 'entry 5', 'entry 6'],
        );
        assert.match(run.errors[0].message, /No title/);
        assert.match(run.errors[1].message, /No date/);
        assert.match(run.errors[2].message, /ftp:\/\/wire\.example\/6.*not an http/);
        assert.deepEqual(
          run.errors.map((error) => error.externalId),
          ['wire-4', 'wire-5', 'wire-6'],
        );
      });

      it('stores the good entries as published digest articles with their provenance', async () => {
        const items = await itemsOf(gw, 'wire');
        assert.deepEqual(
          items.map((item) => item.sourceExternalId),
          ['wire-1', 'wire-2', 'wire-3'],
        );
        const data = await gw.ok(FEED_ITEMS, { ids: items.map((item) => item.nodeId) });
        assert.deepEqual(
          data.nodes.map((node: any) => [node.title, node.status, node.outlet, node.version, node.source.name, node.source.kind, node.source.externalId, node.source.url]),
          [
            ['Schools reopen in west Mosul', 'PUBLISHED', 'Wire Service', 1, 'wire', 'FEED', 'wire-1', upstream.url('/wire.rss')],
            ['Demining resumes near Raqqa', 'PUBLISHED', 'Wire Service', 1, 'wire', 'FEED', 'wire-2', upstream.url('/wire.rss')],
            ['Ministers meet in Brussels', 'PUBLISHED', 'Wire Service', 1, 'wire', 'FEED', 'wire-3', upstream.url('/wire.rss')],
          ],
        );
        for (const node of data.nodes) assert.match(node.source.contentHash, /^[0-9a-f]{64}$/);
      });

      it('lists the source with its last fetch and the run under ingestRuns(source:)', async () => {
        const data = await gw.ok(`{ sources { name kind url targetType publishAs every lastFetchedAt } }`);
        const source = data.sources.find((s: any) => s.name === 'wire');
        assert.equal(source.kind, 'FEED');
        assert.equal(source.targetType, 'DIGEST_ARTICLE');
        assert.notEqual(source.lastFetchedAt, null);
        assert.equal((await gw.runsOf('wire')).length, 1);
      });
    });

    describe('idempotency', () => {
      it('a second run of an unchanged source writes only its run record and the source’s fetch state', async () => {
        const versionsBefore = (await itemsOf(gw, 'wire')).map((item) => [item.id, item.version, item.sourceFetchedAt?.toISOString()]);
        const changesBefore = (await contentChanges(gw)).length;
        const auditsBefore = await gw.gateway.db.getRepository(AuditEntry).count();
        // Run in process, without GraphQL requests whose key bookkeeping would be counted too.
        gw.sql.reset();
        const run = await gw.gateway.services.ingest.run('wire', RunTrigger.CLI);
        const writes = writeStatements(requestStatements(gw.sql));
        assert.equal(run.outcome, 'SUCCEEDED');
        assert.deepEqual([run.created, run.updated, run.unchanged, run.skipped], [0, 0, 3, 3]);
        const tables = [...new Set(writes.map(tableOf))].sort();
        assert.deepEqual(tables, ['change_log', 'content_source', 'ingest_run'], writes.join('\n'));
        // The change-log entry is the source's (so other processes' schedulers learn the run ended), never content's.
        assert.equal((await contentChanges(gw)).length, changesBefore);
        assert.equal(await gw.gateway.db.getRepository(AuditEntry).count(), auditsBefore);
        assert.deepEqual(
          (await itemsOf(gw, 'wire')).map((item) => [item.id, item.version, item.sourceFetchedAt?.toISOString()]),
          versionsBefore,
        );
      });

      it('a changed entry gets a new version, one audit entry and one change-log event', async () => {
        const changed = [{ ...GOOD[0], title: 'Schools reopen in west Mosul, pupils return' }, GOOD[1], GOOD[2]];
        upstream.serve('/wire.rss', rss([...changed, ...BAD]));
        const [first] = await itemsOf(gw, 'wire');
        const changesBefore = await contentChanges(gw);
        const auditsBefore = await gw.gateway.db.getRepository(AuditEntry).count();
        const run = await gw.runSource('wire');
        assert.equal(run.outcome, 'SUCCEEDED');
        assert.deepEqual([run.created, run.updated, run.unchanged, run.skipped], [0, 1, 2, 3]);
        const after = (await itemsOf(gw, 'wire'))[0];
        assert.equal(after.title, 'Schools reopen in west Mosul, pupils return');
        assert.equal(after.version, first.version + 1);
        assert.notEqual(after.contentHash, first.contentHash);
        const newChanges = (await contentChanges(gw)).slice(changesBefore.length);
        assert.deepEqual(
          newChanges.map((change) => [change.kind, change.subjectId]),
          [['UPDATED', first.id]],
        );
        const audits = await gw.gateway.db.getRepository(AuditEntry).find({ where: { subjectId: first.nodeId }, order: { at: 'ASC' } });
        assert.deepEqual(
          audits.map((audit) => audit.action),
          ['CREATE', 'UPDATE'],
        );
        assert.equal(await gw.gateway.db.getRepository(AuditEntry).count(), auditsBefore + 1);
      });
    });

    describe('conditional requests and failures', () => {
      it('sends the validators back and ends a 304 as UNCHANGED with no item written', async () => {
        const body = rss(GOOD);
        upstream.on('/etag.rss', (request, response) => {
          if (request.headers['if-none-match'] === '"v1"') return void response.writeHead(304, { etag: '"v1"' }).end();
          response.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"', 'last-modified': 'Thu, 13 Mar 2025 12:00:00 GMT' }).end(body);
        });
        await gw.addSource({ name: 'etag-wire', kind: 'FEED', url: upstream.url('/etag.rss'), type: 'DIGEST_ARTICLE' });
        const first = await gw.runSource('etag-wire');
        assert.equal(first.outcome, 'SUCCEEDED');
        assert.equal(first.created, 3);
        assert.equal(upstream.hits('/etag.rss')[0].headers['if-none-match'], undefined);

        const changesBefore = (await contentChanges(gw)).length;
        gw.sql.reset();
        const second = await gw.gateway.services.ingest.run('etag-wire', RunTrigger.CLI);
        const writes = writeStatements(requestStatements(gw.sql));
        const sent = upstream.hits('/etag.rss')[1].headers;
        assert.equal(sent['if-none-match'], '"v1"');
        assert.equal(sent['if-modified-since'], 'Thu, 13 Mar 2025 12:00:00 GMT');
        assert.equal(second.outcome, 'UNCHANGED');
        assert.equal(second.httpStatus, 304);
        assert.deepEqual([second.documents, second.created, second.updated, second.unchanged, second.skipped], [0, 0, 0, 0, 0]);
        assert.deepEqual([...new Set(writes.map(tableOf))].sort(), ['change_log', 'content_source', 'ingest_run'], writes.join('\n'));
        assert.equal((await contentChanges(gw)).length, changesBefore);
        const runs = await gw.runsOf('etag-wire');
        assert.equal(runs[0].outcome, 'UNCHANGED');
      });

      it('fits values longer than their columns instead of failing the run: a 300-character id, a 400-character title, a 3,000-character link, a 100-character tag, a bogus language, a 600-character ETag', async () => {
        const longId = `urn:wire:${'x'.repeat(291)}`;
        const longTitle = `Stabilisation ${'é'.repeat(386)}`;
        const longTag = 't'.repeat(100);
        const etag = `"${'e'.repeat(598)}"`;
        const longLink = `https://wire.example/${'l'.repeat(3000)}`;
        const document = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Long wire</title><link>https://wire.example/</link><description>Long</description><language>not-a-language-tag-of-any-kind-at-all</language>
<item><title>${longTitle}</title><link>${longLink}</link><guid isPermaLink="false">${longId}</guid><pubDate>Thu, 13 Mar 2025 10:00:00 GMT</pubDate><description>Long values.</description><category>${longTag}</category></item>
</channel></rss>`;
        upstream.on('/long.rss', (_request, response) => void response.writeHead(200, { 'content-type': 'application/rss+xml', etag }).end(document));
        await gw.addSource({ name: 'long-wire', kind: 'FEED', url: upstream.url('/long.rss'), type: 'DIGEST_ARTICLE' });
        const run = await gw.runSource('long-wire');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.equal(run.created, 1);
        const [item] = await itemsOf(gw, 'long-wire');
        assert.match(item.sourceExternalId!, /^sha256:[0-9a-f]{64}$/);
        assert.equal(item.title.length, 300);
        assert.ok(item.title.endsWith('…') && item.title.startsWith('Stabilisation éé'));
        assert.deepEqual([item.url, (item as unknown as { originalUrl: string | null }).originalUrl], [null, null], 'an address too long to keep is dropped, not cut');
        const again = await gw.runSource('long-wire');
        assert.equal(again.outcome, 'SUCCEEDED', 'the ETag was not kept (it does not fit), so the document is read again');
        assert.deepEqual([again.created, again.unchanged], [0, 1], 'the same hashed id: the same item');
        assert.equal(upstream.hits('/long.rss')[1].headers['if-none-match'], undefined);
      });

      it('retries a 429 with Retry-After and a 500, then succeeds', async () => {
        upstream.on('/flaky.rss', (_request, response, n) => {
          if (n === 1) return void response.writeHead(429, { 'retry-after': '1' }).end('slow down');
          if (n === 2) return void response.writeHead(500).end('oops');
          response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ guid: 'flaky-1', title: 'Third time lucky', link: 'https://wire.example/f1', date: 'Thu, 13 Mar 2025 10:00:00 GMT' }]));
        });
        await gw.addSource({ name: 'flaky', kind: 'FEED', url: upstream.url('/flaky.rss'), type: 'DIGEST_ARTICLE' });
        const run = await gw.runSource('flaky');
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.equal(run.httpStatus, 200);
        assert.equal(run.created, 1);
        assert.equal(upstream.hits('/flaky.rss').length, 3);
      });

      it('does not retry a 404, and fails the run saying so', async () => {
        await gw.addSource({ name: 'missing', kind: 'FEED', url: upstream.url('/missing.rss'), type: 'DIGEST_ARTICLE' });
        const run = await gw.runSource('missing');
        assert.equal(run.outcome, 'FAILED');
        assert.equal(run.httpStatus, 404);
        assert.match(run.message ?? '', /HTTP 404 Not Found/);
        assert.equal(upstream.hits('/missing.rss').length, 1);
        assert.equal((await itemsOf(gw, 'missing')).length, 0);
      });

      for (const target of ['http://10.0.0.1/feed.rss', 'http://169.254.169.254/latest/meta-data/']) {
        it(`refuses a redirect to ${new URL(target).hostname} under the address rules`, async () => {
          const name = `redirect-${new URL(target).hostname.replace(/\./g, '-')}`;
          upstream.on(`/${name}`, (_request, response) => void response.writeHead(302, { location: target }).end());
          await gw.addSource({ name, kind: 'FEED', url: upstream.url(`/${name}`), type: 'DIGEST_ARTICLE' });
          const run = await gw.runSource(name);
          assert.equal(run.outcome, 'FAILED');
          assert.match(run.message ?? '', new RegExp(`${new URL(target).hostname.replace(/\./g, '\\.')}.*(refused|not allowed|private|link-local|special)`, 'i'));
          assert.equal(run.created, 0);
          assert.equal((await itemsOf(gw, name)).length, 0);
        });
      }

      it('fails an answer larger than INGEST_MAX_BYTES with a clear error and writes nothing', async () => {
        const big: RssEntry[] = Array.from({ length: 400 }, (_, i) => ({ guid: `big-${i}`, title: `Entry ${i}`, link: `https://wire.example/big/${i}`, date: 'Thu, 13 Mar 2025 10:00:00 GMT', description: 'x'.repeat(200) }));
        const body = rss(big);
        assert.ok(body.length > 64 * 1024);
        const small = await startIngestGateway(driver, { INGEST_MAX_BYTES: String(64 * 1024) });
        try {
          upstream.serve('/big.rss', body);
          await small.addSource({ name: 'big', kind: 'FEED', url: upstream.url('/big.rss'), type: 'DIGEST_ARTICLE' });
          const run = await small.runSource('big');
          assert.equal(run.outcome, 'FAILED');
          assert.match(run.message ?? '', /big\.rss.*(larger|too large|exceeds|above|limit|65536)/i);
          assert.equal(run.created, 0);
          assert.equal(await small.gateway.db.getRepository(Content).count({ where: { sourceName: 'big' } }), 0);
        } finally {
          await small.stop();
        }
      });

      it('fails a source that answers too slowly with a clear error, after its retries, and writes nothing', async (t) => {
        const quick = await startIngestGateway(driver, { INGEST_FETCH_TIMEOUT_MS: '500' });
        t.after(() => quick.stop());
        const held: import('node:http').ServerResponse[] = [];
        t.after(() => held.forEach((response) => response.destroy()));
        // No headers at all; then headers and the start of a body, and nothing more.
        upstream.on('/silent.rss', (_request, response) => void held.push(response));
        upstream.on('/stalled.rss', (_request, response) => {
          held.push(response);
          response.writeHead(200, { 'content-type': 'application/rss+xml' });
          response.write(rss(GOOD).slice(0, 200));
        });
        await quick.addSource({ name: 'silent', kind: 'FEED', url: upstream.url('/silent.rss'), type: 'DIGEST_ARTICLE' });
        await quick.addSource({ name: 'stalled', kind: 'FEED', url: upstream.url('/stalled.rss'), type: 'DIGEST_ARTICLE' });
        const silent = await quick.runSource('silent');
        assert.equal(silent.outcome, 'FAILED');
        assert.equal(silent.message, `${upstream.url('/silent.rss')}: no response headers within 500 ms (after 3 attempts)`);
        assert.equal(upstream.hits('/silent.rss').length, 3);
        const stalled = await quick.runSource('stalled');
        assert.equal(stalled.outcome, 'FAILED');
        assert.equal(stalled.message, `${upstream.url('/stalled.rss')}: no body data for 500 ms (after 3 attempts)`);
        assert.deepEqual([silent.created, stalled.created, silent.documents, stalled.documents], [0, 0, 0, 0]);
        assert.equal(await quick.gateway.db.getRepository(Content).count({ where: [{ sourceName: 'silent' }, { sourceName: 'stalled' }] }), 0);
      });

      it('writes nothing from a document that does not parse', async () => {
        upstream.serve('/broken.rss', `<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title><item><title>Half an item</title>`);
        upstream.serve('/html.rss', `<!doctype html><html><head><title>Log in</title></head><body>Please log in</body></html>`, { headers: { 'content-type': 'text/html' } });
        await gw.addSource({ name: 'broken', kind: 'FEED', url: upstream.url('/broken.rss'), type: 'DIGEST_ARTICLE' });
        await gw.addSource({ name: 'html', kind: 'FEED', url: upstream.url('/html.rss'), type: 'DIGEST_ARTICLE' });
        const broken = await gw.runSource('broken');
        const html = await gw.runSource('html');
        assert.equal(broken.outcome, 'FAILED');
        assert.notEqual(broken.message, null);
        assert.equal(html.outcome, 'FAILED');
        assert.match(html.message ?? '', /Not a feed: an HTML page \("Log in"\)/);
        assert.equal((await itemsOf(gw, 'broken')).length + (await itemsOf(gw, 'html')).length, 0);
        assert.deepEqual([broken.created, html.created], [0, 0]);
      });
    });

    describe('removing a source', () => {
      it('keeps the items it imported, with their provenance', async () => {
        const before = await itemsOf(gw, 'wire');
        assert.equal(before.length, 3);
        const data = await gw.ok(`mutation { deleteSource(name: "wire") }`);
        assert.equal(data.deleteSource, 'wire');
        const sources = await gw.ok(`{ sources { name } }`);
        assert.ok(!sources.sources.some((s: any) => s.name === 'wire'));
        const items = await itemsOf(gw, 'wire');
        assert.deepEqual(
          items.map((item) => [item.id, item.status, item.sourceName]),
          before.map((item) => [item.id, item.status, 'wire']),
        );
        const nodes = await gw.ok(FEED_ITEMS, { ids: items.map((item) => item.nodeId) });
        assert.deepEqual(
          nodes.nodes.map((node: any) => node.source.name),
          ['wire', 'wire', 'wire'],
        );
        const runSource = await gw.post(`mutation { runSource(name: "wire") { id } }`);
        assert.equal(runSource.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      });
    });

    describe('one run at a time', () => {
      it('a run asked for while one is in progress waits for it instead of starting a second', async (t) => {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        upstream.on('/slow.rss', async (_request, response) => {
          response.writeHead(200, { 'content-type': 'application/rss+xml' });
          response.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>');
          await released;
          response.end(`${rss([{ guid: 'slow-1', title: 'Slowly', link: 'https://wire.example/s1', date: 'Thu, 13 Mar 2025 10:00:00 GMT' }]).split('<channel>')[1].replace(/^<title>[^<]*<\/title>/, '')}`);
        });
        await gw.addSource({ name: 'slow', kind: 'FEED', url: upstream.url('/slow.rss'), type: 'DIGEST_ARTICLE' });
        t.after(() => release());
        const started = await gw.ok(`mutation { runSource(name: "slow") { id outcome } }`);
        assert.equal(started.runSource.outcome, 'RUNNING');
        await waitFor('the slow feed to be asked for', () => upstream.hits('/slow.rss').length === 1);
        // A second runSource returns the run in progress rather than starting another.
        const again = await gw.ok(`mutation { runSource(name: "slow") { id outcome } }`);
        assert.equal(again.runSource.id, started.runSource.id);
        release();
        const run = await waitFor('the slow run to end', async () => (await gw.runsOf('slow')).find((r) => r.outcome !== 'RUNNING'), { tries: 400, intervalMs: 50 });
        assert.equal(run.id, started.runSource.id);
        assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
        assert.equal(run.created, 1);
        assert.equal(upstream.hits('/slow.rss').length, 1);
        assert.equal((await gw.runsOf('slow')).length, 1);
      });
    });
  });
}
