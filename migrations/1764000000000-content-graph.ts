import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The content graph: one `content` table for all four content types (the feed is
 * one index scan), campaigns, the 81 member nations, and the tag tables that
 * link items to nations, countries and free tags.
 *
 * The SQL is what TypeORM derives from the entities for each driver, kept
 * verbatim so that the schema diff against the entities stays empty (a test
 * checks it). Each keyset order has an index whose columns match it:
 * `(…, published_at, id)` is read backwards for "newest first".
 */
export class ContentGraph1764000000000 implements MigrationInterface {
  name = 'ContentGraph1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = queryRunner.connection.driver.options.type === 'postgres' ? POSTGRES_UP : SQLITE_UP;
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Children first; dropping a table drops its indexes and, on PostgreSQL, its constraints.
    for (const table of TABLES_CHILDREN_FIRST) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}

const TABLES_CHILDREN_FIRST = ['content_tag', 'content_country', 'content_nation', 'content', 'member_nation', 'campaign'];

const SQLITE_UP = [
  `CREATE TABLE "campaign" ("id" varchar PRIMARY KEY NOT NULL, "slug" varchar(160) NOT NULL, "hashtag" varchar(100) NOT NULL, "title" varchar(300) NOT NULL, "summary" text NOT NULL, "version" integer NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
  `CREATE INDEX "IDX_campaign_title" ON "campaign" ("title", "id")`,
  `CREATE UNIQUE INDEX "UQ_campaign_hashtag" ON "campaign" ("hashtag")`,
  `CREATE UNIQUE INDEX "UQ_campaign_slug" ON "campaign" ("slug")`,
  `CREATE TABLE "member_nation" ("code" varchar(16) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "kind" varchar(16) NOT NULL, "region" varchar(100), "joined_year" integer)`,
  `CREATE INDEX "IDX_member_nation_name" ON "member_nation" ("name", "code")`,
  `CREATE TABLE "content" ("id" varchar PRIMARY KEY NOT NULL, "type" varchar(32) NOT NULL, "slug" varchar(160) NOT NULL, "title" varchar(300) NOT NULL, "summary" text NOT NULL, "url" varchar(2048), "status" varchar(16) NOT NULL, "published_at" datetime NOT NULL, "campaign_id" varchar, "source_name" varchar(100), "source_external_id" varchar(200), "source_url" varchar(2048), "source_fetched_at" datetime, "version" integer NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "places" text, "outlet" varchar(200), "original_url" varchar(2048), "platform" varchar(32), "author_handle" varchar(100), "text" text, "hashtags" text, "mentions" text, "links" text, "sector" varchar(100), "phase" varchar(16), "implementing_partner" varchar(300), "place" varchar(300), "country_code" varchar(3), "budget_usd" bigint, "started_on" date, "completed_on" date, CONSTRAINT "FK_content_campaign" FOREIGN KEY ("campaign_id") REFERENCES "campaign" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
  `CREATE UNIQUE INDEX "UQ_content_source" ON "content" ("source_name", "source_external_id")`,
  `CREATE UNIQUE INDEX "UQ_content_type_slug" ON "content" ("type", "slug")`,
  `CREATE INDEX "IDX_content_campaign_feed" ON "content" ("campaign_id", "status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_type_feed" ON "content" ("type", "status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_feed" ON "content" ("status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_type" ON "content" ("type")`,
  `CREATE INDEX "IDX_content_country_feed" ON "content" ("country_code", "status", "published_at", "id")`,
  `CREATE TABLE "content_nation" ("content_id" varchar NOT NULL, "nation_code" varchar(16) NOT NULL, "content_type" varchar(32) NOT NULL, "status" varchar(16) NOT NULL, "published_at" datetime NOT NULL, CONSTRAINT "FK_content_nation_content" FOREIGN KEY ("content_id") REFERENCES "content" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_content_nation_nation" FOREIGN KEY ("nation_code") REFERENCES "member_nation" ("code") ON DELETE CASCADE ON UPDATE CASCADE, PRIMARY KEY ("content_id", "nation_code"))`,
  `CREATE INDEX "IDX_content_nation_type_feed" ON "content_nation" ("nation_code", "content_type", "status", "published_at", "content_id")`,
  `CREATE INDEX "IDX_content_nation_feed" ON "content_nation" ("nation_code", "status", "published_at", "content_id")`,
  `CREATE TABLE "content_country" ("content_id" varchar NOT NULL, "country_code" varchar(3) NOT NULL, CONSTRAINT "FK_content_country_content" FOREIGN KEY ("content_id") REFERENCES "content" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("content_id", "country_code"))`,
  `CREATE INDEX "IDX_content_country_code" ON "content_country" ("country_code", "content_id")`,
  `CREATE TABLE "content_tag" ("content_id" varchar NOT NULL, "tag" varchar(64) NOT NULL, CONSTRAINT "FK_content_tag_content" FOREIGN KEY ("content_id") REFERENCES "content" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("content_id", "tag"))`,
  `CREATE INDEX "IDX_content_tag_tag" ON "content_tag" ("tag", "content_id")`,
];

const POSTGRES_UP = [
  `CREATE TABLE "content" ("id" uuid NOT NULL, "type" character varying(32) NOT NULL, "slug" character varying(160) NOT NULL, "title" character varying(300) NOT NULL, "summary" text NOT NULL, "url" character varying(2048), "status" character varying(16) NOT NULL, "published_at" TIMESTAMP NOT NULL, "campaign_id" uuid, "source_name" character varying(100), "source_external_id" character varying(200), "source_url" character varying(2048), "source_fetched_at" TIMESTAMP, "version" integer NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), "places" text, "outlet" character varying(200), "original_url" character varying(2048), "platform" character varying(32), "author_handle" character varying(100), "text" text, "hashtags" text, "mentions" text, "links" text, "sector" character varying(100), "phase" character varying(16), "implementing_partner" character varying(300), "place" character varying(300), "country_code" character varying(3), "budget_usd" bigint, "started_on" date, "completed_on" date, CONSTRAINT "PK_content" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "UQ_content_source" ON "content" ("source_name", "source_external_id")`,
  `CREATE UNIQUE INDEX "UQ_content_type_slug" ON "content" ("type", "slug")`,
  `CREATE INDEX "IDX_content_campaign_feed" ON "content" ("campaign_id", "status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_type_feed" ON "content" ("type", "status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_feed" ON "content" ("status", "published_at", "id")`,
  `CREATE INDEX "IDX_content_type" ON "content" ("type")`,
  `CREATE INDEX "IDX_content_country_feed" ON "content" ("country_code", "status", "published_at", "id")`,
  `CREATE TABLE "campaign" ("id" uuid NOT NULL, "slug" character varying(160) NOT NULL, "hashtag" character varying(100) NOT NULL, "title" character varying(300) NOT NULL, "summary" text NOT NULL, "version" integer NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_campaign" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_campaign_title" ON "campaign" ("title", "id")`,
  `CREATE UNIQUE INDEX "UQ_campaign_hashtag" ON "campaign" ("hashtag")`,
  `CREATE UNIQUE INDEX "UQ_campaign_slug" ON "campaign" ("slug")`,
  `CREATE TABLE "member_nation" ("code" character varying(16) NOT NULL, "name" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "region" character varying(100), "joined_year" integer, CONSTRAINT "PK_member_nation" PRIMARY KEY ("code"))`,
  `CREATE INDEX "IDX_member_nation_name" ON "member_nation" ("name", "code")`,
  `CREATE TABLE "content_nation" ("content_id" uuid NOT NULL, "nation_code" character varying(16) NOT NULL, "content_type" character varying(32) NOT NULL, "status" character varying(16) NOT NULL, "published_at" TIMESTAMP NOT NULL, CONSTRAINT "PK_content_nation" PRIMARY KEY ("content_id", "nation_code"))`,
  `CREATE INDEX "IDX_content_nation_type_feed" ON "content_nation" ("nation_code", "content_type", "status", "published_at", "content_id")`,
  `CREATE INDEX "IDX_content_nation_feed" ON "content_nation" ("nation_code", "status", "published_at", "content_id")`,
  `CREATE TABLE "content_country" ("content_id" uuid NOT NULL, "country_code" character varying(3) NOT NULL, CONSTRAINT "PK_content_country" PRIMARY KEY ("content_id", "country_code"))`,
  `CREATE INDEX "IDX_content_country_code" ON "content_country" ("country_code", "content_id")`,
  `CREATE TABLE "content_tag" ("content_id" uuid NOT NULL, "tag" character varying(64) NOT NULL, CONSTRAINT "PK_content_tag" PRIMARY KEY ("content_id", "tag"))`,
  `CREATE INDEX "IDX_content_tag_tag" ON "content_tag" ("tag", "content_id")`,
  `ALTER TABLE "content" ADD CONSTRAINT "FK_content_campaign" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
  `ALTER TABLE "content_nation" ADD CONSTRAINT "FK_content_nation_content" FOREIGN KEY ("content_id") REFERENCES "content"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "content_nation" ADD CONSTRAINT "FK_content_nation_nation" FOREIGN KEY ("nation_code") REFERENCES "member_nation"("code") ON DELETE CASCADE ON UPDATE CASCADE`,
  `ALTER TABLE "content_country" ADD CONSTRAINT "FK_content_country_content" FOREIGN KEY ("content_id") REFERENCES "content"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "content_tag" ADD CONSTRAINT "FK_content_tag_content" FOREIGN KEY ("content_id") REFERENCES "content"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
];
