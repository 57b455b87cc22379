import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { ContentSource } from '../src/ingest/source.entity';
import { claimSource, createSource, keepClaim, LEASE_MS } from '../src/ingest/sources';
import { ENTITIES } from '../src/server/modules';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';
import { CLI_ACTOR } from '../src/store/session';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { waitFor } from './helpers/http';

for (const driver of DRIVERS) {
  describe(`a run's claim on its source [${driver}]`, () => {
    let database: DatabaseConfig;
    let db: DataSource;

    before(async () => {
      database = freshDatabase(driver);
      db = await openDatabase(database, { entities: ENTITIES });
    });
    after(async () => {
      await db?.destroy();
      if (database) await dropDatabase(database);
    });

    const leaseOf = async (name: string) => (await db.getRepository(ContentSource).findOneByOrFail({ name })).leaseUntil!.getTime();

    it('is renewed on a timer while the run holds it, whatever the run is doing (a long fetch renews nothing itself)', async () => {
      const source = await createSource(db, CLI_ACTOR, { name: 'slow', kind: SourceKind.FEED, url: 'https://wire.example/slow.rss', targetType: ContentType.DIGEST_ARTICLE }, false);
      assert.equal(await claimSource(db, source.id, 'me'), true);
      const claimed = await leaseOf('slow');
      const claim = keepClaim(db, source.id, 'me', 20);
      try {
        // Renewed without anything else happening: each renewal sets the lease a full LEASE_MS from its own time.
        await waitFor('the claim to be renewed', async () => (await leaseOf('slow')) > claimed + 30 || undefined, { tries: 100, intervalMs: 20 });
        assert.ok((await leaseOf('slow')) <= Date.now() + LEASE_MS);
        assert.equal(claim.held, true);
        // Another process takes the source over (the claim had lapsed): the next renewal finds it gone.
        await db.getRepository(ContentSource).update({ id: source.id }, { leaseOwner: 'other' });
        await waitFor('the claim to be found lost', () => !claim.held || undefined, { tries: 100, intervalMs: 20 });
      } finally {
        await claim.stop();
      }
    });

    it('is renewed no more once the run stops keeping it', async () => {
      const source = await createSource(db, CLI_ACTOR, { name: 'done', kind: SourceKind.FEED, url: 'https://wire.example/done.rss', targetType: ContentType.DIGEST_ARTICLE }, false);
      assert.equal(await claimSource(db, source.id, 'me'), true);
      const claim = keepClaim(db, source.id, 'me', 20);
      const claimed = await leaseOf('done');
      await waitFor('the claim to be renewed', async () => (await leaseOf('done')) > claimed || undefined, { tries: 100, intervalMs: 20 });
      // A renewal already sent settles before stop() resolves; nothing more after.
      await claim.stop();
      const stopped = await leaseOf('done');
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(await leaseOf('done'), stopped);
    });
  });
}
