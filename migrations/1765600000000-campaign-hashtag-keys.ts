import type { MigrationInterface, QueryRunner } from 'typeorm';
import { hashtagKey } from '../src/campaigns/hashtag-key';
import { dialectOf } from '../src/db/insert-values';

/**
 * A campaign's hashtag is unique in any case in the database itself: each
 * campaign keeps its hashtag folded in JavaScript (`campaign.hashtag_key`,
 * see `src/campaigns/hashtag-key.ts`; neither database folds `É` as
 * JavaScript does), under a unique index that replaces the case-sensitive
 * one on `hashtag`. The gateway's check before a write could not see a
 * campaign another transaction was writing at the same moment, and two
 * hashtags differing only in case got in together.
 *
 * A database that holds such a pair already (written by two such writes) is
 * refused, naming the campaigns, and left as it was: which of them posts
 * belong to is an editor's choice, not the migration's. Give one of them
 * another hashtag (`updateCampaign`) with the version before, then upgrade.
 *
 * SQLite cannot add a NOT NULL column without a default, so there the table
 * is built again, as TypeORM would (foreign keys are off while TypeORM runs
 * migrations: dropping the old table leaves its items' campaigns alone).
 */
export class CampaignHashtagKeys1765600000000 implements MigrationInterface {
  name = 'CampaignHashtagKeys1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { postgres, param } = dialectOf(queryRunner.connection);
    if (postgres) {
      // First, so that the table's lock holds off campaigns written while the keys are filled in.
      await queryRunner.query(`ALTER TABLE "campaign" ADD "hashtag_key" character varying(200)`);
    } else {
      await refuseForeignKeysOn(queryRunner);
      await queryRunner.query(SQLITE_TABLE);
      await queryRunner.query(`INSERT INTO "temporary_campaign"(${COLUMNS}, "hashtag_key") SELECT ${COLUMNS}, "hashtag" FROM "campaign"`);
    }
    const table = postgres ? 'campaign' : 'temporary_campaign';
    const campaigns = (await queryRunner.query(`SELECT "id", "slug", "hashtag" FROM "${table}" ORDER BY "slug"`)) as StoredCampaign[];
    refuseSharedHashtags(campaigns);
    for (const { id, hashtag } of campaigns) {
      await queryRunner.query(`UPDATE "${table}" SET "hashtag_key" = ${param(1)} WHERE "id" = ${param(2)}`, [hashtagKey(hashtag), id]);
    }
    if (postgres) {
      await queryRunner.query(`ALTER TABLE "campaign" ALTER COLUMN "hashtag_key" SET NOT NULL`);
      await queryRunner.query(`DROP INDEX "UQ_campaign_hashtag"`);
    } else {
      await queryRunner.query(`DROP TABLE "campaign"`);
      await queryRunner.query(`ALTER TABLE "temporary_campaign" RENAME TO "campaign"`);
      await queryRunner.query(`CREATE UNIQUE INDEX "UQ_campaign_slug" ON "campaign" ("slug")`);
      await queryRunner.query(`CREATE INDEX "IDX_campaign_title" ON "campaign" ("title", "id")`);
    }
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_campaign_hashtag_key" ON "campaign" ("hashtag_key")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // SQLite drops a column that no index names in place (its table as it was before), PostgreSQL too.
    await queryRunner.query(`DROP INDEX "UQ_campaign_hashtag_key"`);
    await queryRunner.query(`ALTER TABLE "campaign" DROP COLUMN "hashtag_key"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_campaign_hashtag" ON "campaign" ("hashtag")`);
  }
}

interface StoredCampaign {
  readonly id: string;
  readonly slug: string;
  readonly hashtag: string;
}

const COLUMNS = ['id', 'slug', 'hashtag', 'title', 'summary', 'version', 'created_at', 'updated_at'].map((column) => `"${column}"`).join(', ');

const SQLITE_TABLE =
  `CREATE TABLE "temporary_campaign" ("id" varchar PRIMARY KEY NOT NULL, "slug" varchar(160) NOT NULL, "hashtag" varchar(100) NOT NULL, "title" varchar(300) NOT NULL, "summary" text NOT NULL, ` +
  `"version" integer NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "hashtag_key" varchar(200) NOT NULL)`;

/** Throws, naming every pair, when two campaigns have one hashtag in different cases. */
function refuseSharedHashtags(campaigns: readonly StoredCampaign[]): void {
  const byKey = new Map<string, StoredCampaign>();
  const pairs: string[] = [];
  for (const campaign of campaigns) {
    const first = byKey.get(hashtagKey(campaign.hashtag));
    if (first) pairs.push(`"${first.slug}" (#${first.hashtag}) and "${campaign.slug}" (#${campaign.hashtag})`);
    else byKey.set(hashtagKey(campaign.hashtag), campaign);
  }
  if (pairs.length) {
    throw new Error(
      `Campaign hashtags must now differ in more than case, and these campaigns' do not: ${pairs.join('; ')}. ` +
        'Give one campaign of each pair another hashtag (updateCampaign) with the version before, then upgrade; nothing was changed.',
    );
  }
}

/** Building the table again with foreign keys on would set every item's campaign to null as the old table is dropped. */
async function refuseForeignKeysOn(queryRunner: QueryRunner): Promise<void> {
  const [{ foreign_keys: on }] = (await queryRunner.query('PRAGMA foreign_keys')) as { foreign_keys: number }[];
  if (on) throw new Error('SQLite foreign keys are on: run this migration through TypeORM, which turns them off while it migrates');
}
