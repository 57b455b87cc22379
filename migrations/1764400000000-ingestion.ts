import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingestion: the registry of sources (with their fetch state, schedule and
 * lease), the record of each run, the versions held for review when an editor
 * has changed an imported item, and items' full text (`content.body`,
 * sanitised HTML). As before, the SQL is what TypeORM derives from the
 * entities, so that the schema diff stays empty.
 */
export class Ingestion1764400000000 implements MigrationInterface {
  name = 'Ingestion1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_UP : SQLITE_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['source_revision', 'ingest_run', 'content_source']) await queryRunner.query(`DROP TABLE "${table}"`);
    await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "body"`);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "content_source" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "kind" varchar(16) NOT NULL, "url" varchar(2048) NOT NULL, "target_type" varchar(32) NOT NULL, "options" text NOT NULL, "every_seconds" integer, "publish_as" varchar(16) NOT NULL, "etag" varchar(512), "last_modified" varchar(128), "last_fetched_at" datetime, "last_success_at" datetime, "last_full_listing_at" datetime, "last_run_id" varchar, "next_run_at" datetime, "lease_owner" varchar(100), "lease_until" datetime, "version" integer NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
  `CREATE INDEX "IDX_content_source_next_run" ON "content_source" ("next_run_at")`,
  `CREATE UNIQUE INDEX "UQ_content_source_name" ON "content_source" ("name")`,
  `CREATE TABLE "ingest_run" ("id" varchar PRIMARY KEY NOT NULL, "source_name" varchar(100) NOT NULL, "trigger" varchar(16) NOT NULL, "started_at" datetime NOT NULL, "ended_at" datetime, "outcome" varchar(16) NOT NULL, "http_status" integer, "documents" integer NOT NULL DEFAULT (0), "created" integer NOT NULL DEFAULT (0), "updated" integer NOT NULL DEFAULT (0), "unchanged" integer NOT NULL DEFAULT (0), "skipped" integer NOT NULL DEFAULT (0), "held" integer NOT NULL DEFAULT (0), "withdrawn" integer NOT NULL DEFAULT (0), "errors" text NOT NULL, "error_count" integer NOT NULL DEFAULT (0), "message" text)`,
  `CREATE INDEX "IDX_ingest_run_source" ON "ingest_run" ("source_name", "started_at")`,
  `CREATE TABLE "source_revision" ("content_id" varchar PRIMARY KEY NOT NULL, "content_hash" varchar(64) NOT NULL, "fetched_at" datetime NOT NULL, "payload" text NOT NULL, CONSTRAINT "FK_source_revision_content" FOREIGN KEY ("content_id") REFERENCES "content" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `ALTER TABLE "content" ADD COLUMN "body" text`,
];

const POSTGRES_UP = [
  `CREATE TABLE "content_source" ("id" uuid NOT NULL, "name" character varying(100) NOT NULL, "kind" character varying(16) NOT NULL, "url" character varying(2048) NOT NULL, "target_type" character varying(32) NOT NULL, "options" text NOT NULL, "every_seconds" integer, "publish_as" character varying(16) NOT NULL, "etag" character varying(512), "last_modified" character varying(128), "last_fetched_at" TIMESTAMP, "last_success_at" TIMESTAMP, "last_full_listing_at" TIMESTAMP, "last_run_id" uuid, "next_run_at" TIMESTAMP, "lease_owner" character varying(100), "lease_until" TIMESTAMP, "version" integer NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_content_source" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_content_source_next_run" ON "content_source" ("next_run_at")`,
  `CREATE UNIQUE INDEX "UQ_content_source_name" ON "content_source" ("name")`,
  `CREATE TABLE "ingest_run" ("id" uuid NOT NULL, "source_name" character varying(100) NOT NULL, "trigger" character varying(16) NOT NULL, "started_at" TIMESTAMP NOT NULL, "ended_at" TIMESTAMP, "outcome" character varying(16) NOT NULL, "http_status" integer, "documents" integer NOT NULL DEFAULT '0', "created" integer NOT NULL DEFAULT '0', "updated" integer NOT NULL DEFAULT '0', "unchanged" integer NOT NULL DEFAULT '0', "skipped" integer NOT NULL DEFAULT '0', "held" integer NOT NULL DEFAULT '0', "withdrawn" integer NOT NULL DEFAULT '0', "errors" text NOT NULL, "error_count" integer NOT NULL DEFAULT '0', "message" text, CONSTRAINT "PK_ingest_run" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_ingest_run_source" ON "ingest_run" ("source_name", "started_at")`,
  `CREATE TABLE "source_revision" ("content_id" uuid NOT NULL, "content_hash" character varying(64) NOT NULL, "fetched_at" TIMESTAMP NOT NULL, "payload" text NOT NULL, CONSTRAINT "PK_source_revision" PRIMARY KEY ("content_id"))`,
  `ALTER TABLE "content" ADD "body" text`,
  `ALTER TABLE "source_revision" ADD CONSTRAINT "FK_source_revision_content" FOREIGN KEY ("content_id") REFERENCES "content"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
];
