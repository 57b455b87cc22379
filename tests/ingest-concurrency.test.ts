import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryRunner } from 'typeorm';
import { RunTrigger, type IngestRun } from '../src/ingest/ingest-run.entity';
import { CONCURRENT_RUNS } from '../src/ingest/service';
import { Content } from '../src/shared/content/content.entity';
import { DRIVERS } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { ingestFixture, type IngestGateway } from './helpers/ingest';
import { rss } from './helpers/upstream';

const DATE = 'Mon, 30 Nov 2026 09:00:00 GMT';

for (const driver of DRIVERS) {
  describe(`ingest runs side by side [${driver}]`, () => {
    const fixture = ingestFixture(driver);

    it(`runs ${CONCURRENT_RUNS} sources at once: the second is fetched while the first is still being answered`, async () => {
      const { upstream, gw } = fixture;
      assert.equal(CONCURRENT_RUNS, 2);
      let releaseFirst!: () => void;
      const firstHeld = new Promise<boolean>((resolve) => (releaseFirst = () => resolve(true)));
      // The first source answers only once the second has been asked for (or after 10 s, so that a one-at-a-time runner fails the test rather than hanging).
      let heldUntilSecond = false;
      upstream.on('/first.rss', async (_request, response) => {
        heldUntilSecond = await Promise.race([firstHeld, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ guid: 'f-1', title: 'Demining resumes in Raqqa', link: 'https://wire.example/f-1', date: DATE }]));
      });
      upstream.on('/second.rss', (_request, response) => {
        releaseFirst();
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ guid: 's-1', title: 'Schools reopen in Mosul', link: 'https://wire.example/s-1', date: DATE }]));
      });
      await gw.addSource({ name: 'side-a', kind: 'FEED', url: upstream.url('/first.rss'), type: 'DIGEST_ARTICLE' });
      await gw.addSource({ name: 'side-b', kind: 'FEED', url: upstream.url('/second.rss'), type: 'DIGEST_ARTICLE' });
      const runs: IngestRun[] = [];
      const progress: string[] = [];
      await gw.gateway.services.ingest.runEach(['side-a', 'side-b'], RunTrigger.CLI, (name, line) => progress.push(`${name}: ${line}`), (_name, run) => runs.push(run));
      assert.ok(heldUntilSecond, 'the second source was not fetched while the first waited for its answer');
      assert.deepEqual(
        runs.map((run) => [run.sourceName, run.outcome, run.created]).sort(),
        [
          ['side-a', 'SUCCEEDED', 1],
          ['side-b', 'SUCCEEDED', 1],
        ],
      );
      // Progress comes named by source.
      assert.ok(progress.includes('side-a: document 1: 1 item, 0 skipped'), progress.join('\n'));
      assert.ok(progress.includes('side-b: document 1: 1 item, 0 skipped'), progress.join('\n'));
    });

    it('stops starting runs when one cannot start (its source is gone), lets the one going on end, then says why', async () => {
      const { upstream, gw } = fixture;
      upstream.serve('/kept.rss', rss([{ guid: 'k-1', title: 'Stabilisation projects open in Anbar', link: 'https://wire.example/k-1', date: DATE }]));
      await gw.addSource({ name: 'kept', kind: 'FEED', url: upstream.url('/kept.rss'), type: 'DIGEST_ARTICLE' });
      await gw.addSource({ name: 'after', kind: 'FEED', url: upstream.url('/kept.rss'), type: 'DIGEST_ARTICLE' });
      const ended: string[] = [];
      await assert.rejects(
        gw.gateway.services.ingest.runEach(['kept', 'vanished', 'after'], RunTrigger.CLI, () => {}, (name) => ended.push(name)),
        /vanished/,
      );
      assert.deepEqual(ended, ['kept']);
      assert.deepEqual(await gw.runsOf('after'), []);
    });

    if (driver === 'postgres') {
      /**
       * Runs `write` in a transaction held open on a connection of its own,
       * starts the source's run, waits until the run is blocked on that
       * transaction, then commits it: the run has read the rows as they were
       * and meets the other writer's commit half way. Returns the ended run.
       */
      async function runAcross(gw: IngestGateway, source: string, write: (other: QueryRunner) => Promise<unknown>) {
        const other = gw.gateway.db.createQueryRunner();
        await other.connect();
        try {
          await other.startTransaction();
          await write(other);
          const [{ pid }] = (await other.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
          const run = gw.runSource(source);
          await waitFor(
            'the run to wait on the other writer',
            async () => ((await gw.gateway.db.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`, [pid])) as unknown[]).length > 0 || undefined,
            { tries: 200, intervalMs: 25 },
          );
          await other.commitTransaction();
          const ended = await run;
          assert.equal(ended.outcome, 'SUCCEEDED', ended.message ?? '');
          return ended;
        } finally {
          if (other.isTransactionActive) await other.rollbackTransaction();
          await other.release();
        }
      }

      /** A source serving `entries`, run once: returns its first item. */
      async function sourceWith(name: string, entries: Parameters<typeof rss>[0]) {
        const { upstream, gw } = fixture;
        upstream.serve(`/${name}.rss`, rss(entries));
        await gw.addSource({ name, kind: 'FEED', url: upstream.url(`/${name}.rss`), type: 'DIGEST_ARTICLE' });
        assert.equal((await gw.runSource(name)).created, entries.length);
        return gw.gateway.db.getRepository(Content).findOneByOrFail({ sourceName: name, sourceExternalId: entries[0].guid });
      }

      it('writes a batch again when another writer commits one of its new slugs between its look-up and its insert', async () => {
        const { upstream, gw } = fixture;
        upstream.serve('/race.rss', rss([{ guid: 'race-1', title: 'Coalition partners meet in Baghdad', link: 'https://wire.example/race-1', date: DATE }]));
        await gw.addSource({ name: 'race', kind: 'FEED', url: upstream.url('/race.rss'), type: 'DIGEST_ARTICLE' });
        const slug = 'coalition-partners-meet-in-baghdad';
        // Another writer inserts a digest article with that slug: the run's insert waits on it, then breaks the unique index.
        const ended = await runAcross(gw, 'race', async (other) => {
          const columns = ((await other.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'content' AND table_schema = current_schema() ORDER BY ordinal_position`)) as { column_name: string }[]).map(
            (row) => row.column_name,
          );
          const values = columns.map((column) =>
            column === 'id' ? 'gen_random_uuid()' : column === 'slug' ? `'${slug}'` : column === 'source_name' || column === 'source_external_id' ? 'NULL' : `"${column}"`,
          );
          await other.query(`INSERT INTO content (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${values.join(', ')} FROM content WHERE type = 'DIGEST_ARTICLE' LIMIT 1`);
        });
        assert.equal(ended.created, 1);
        const item = await gw.gateway.db.getRepository(Content).findOneByOrFail({ sourceName: 'race', sourceExternalId: 'race-1' });
        assert.match(item.slug, new RegExp(`^${slug}-[0-9a-f]{8}$`));
        assert.equal(await gw.gateway.db.getRepository(Content).countBy({ slug }), 1);
      });

      it('never overwrites an editor’s change that commits between a batch reading the item and updating it: the batch goes again and holds the source’s version', async () => {
        const { upstream, gw } = fixture;
        const entry = { guid: 'desk-1', title: 'Water plant reopens in Fallujah', link: 'https://wire.example/desk-1', date: DATE };
        const item = await sourceWith('desk-race', [entry]);
        // The source changes the item, and an editor changes it too: the run reads the item as it was and waits to update it.
        upstream.serve('/desk-race.rss', rss([{ ...entry, title: 'Water plant in Fallujah back in service' }]));
        const ended = await runAcross(gw, 'desk-race', (editor) =>
          editor.query(`UPDATE content SET title = 'Fallujah water plant: the desk’s title', edited_at = now(), version = version + 1 WHERE id = $1`, [item.id]),
        );
        assert.deepEqual([ended.updated, ended.held], [0, 1]);
        const after = await gw.gateway.db.getRepository(Content).findOneByOrFail({ id: item.id });
        assert.deepEqual([after.title, after.version], ['Fallujah water plant: the desk’s title', item.version + 1]);
      });

      it('never publishes again an item an editor withdraws while the batch that would publish it again is written', async () => {
        const { gw } = fixture;
        const item = await sourceWith('back-race', [{ guid: 'back-1', title: 'Bakeries reopen in Tabqa', link: 'https://wire.example/back-1', date: DATE }]);
        // As the gateway withdraws what its source stopped listing.
        await gw.gateway.db.query(`UPDATE content SET status = 'DRAFT', source_withdrawn_at = now(), version = version + 1 WHERE id = $1`, [item.id]);
        // The desk withdraws it for good (unpublishContent on a draft forgets the source's withdrawal) while the run would publish it again.
        const ended = await runAcross(gw, 'back-race', (editor) => editor.query(`UPDATE content SET source_withdrawn_at = NULL, version = version + 1 WHERE id = $1`, [item.id]));
        assert.deepEqual([ended.unchanged, ended.republished], [1, 0]);
        const after = await gw.gateway.db.getRepository(Content).findOneByOrFail({ id: item.id });
        assert.deepEqual([after.status, after.sourceWithdrawnAt], ['DRAFT', null]);
      });
    }
  });
}
