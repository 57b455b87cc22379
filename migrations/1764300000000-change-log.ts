import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change log (every change readers can see, appended in the writer's
 * transaction), a small table of the gateway's own state (how far the log is
 * pruned), and provenance columns on content: the kind of source, the hash of
 * the content it last gave, and when an editor last changed the item.
 *
 * On PostgreSQL two statement-level triggers on `change_log` make the log
 * safe to tail:
 * - BEFORE INSERT takes a transaction-level advisory lock (one per schema), so
 *   the writers that append to the log commit one at a time, in the order of
 *   their entries' `seq`; without it a transaction could commit an entry
 *   numbered below one a reader has already passed, and the reader would
 *   never see it. The lock is held only from the append, the last statement
 *   of a write, to its commit.
 * - AFTER INSERT sends a NOTIFY (delivered at commit, one per transaction) on
 *   `coalition_graph_changes` with the schema's name, which wakes every
 *   gateway process's tailer.
 * SQLite has one writer at a time, and its processes poll.
 *
 * The table SQL is what TypeORM derives from the entities, so that the schema
 * diff stays empty; SQLite gets its new content columns with ADD COLUMN.
 */
export class ChangeLog1764300000000 implements MigrationInterface {
  name = 'ChangeLog1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_UP : SQLITE_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    if (postgres) {
      await queryRunner.query(`DROP TRIGGER "change_log_notify" ON "change_log"`);
      await queryRunner.query(`DROP TRIGGER "change_log_serialise" ON "change_log"`);
      await queryRunner.query(`DROP FUNCTION "change_log_notify"()`);
      await queryRunner.query(`DROP FUNCTION "change_log_serialise"()`);
    }
    await queryRunner.query(`DROP TABLE "gateway_state"`);
    await queryRunner.query(`DROP TABLE "change_log"`);
    for (const column of ['edited_at', 'content_hash', 'source_kind']) await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "${column}"`);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "change_log" ("seq" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" datetime NOT NULL, "subject" varchar(16) NOT NULL, "kind" varchar(16) NOT NULL, "subject_id" varchar(64) NOT NULL, "content_type" varchar(32), "nations" text, "countries" text, "campaigns" text, "tags" text, "published_from" datetime, "published_until" datetime)`,
  `CREATE INDEX "IDX_change_log_at" ON "change_log" ("at")`,
  `CREATE TABLE "gateway_state" ("name" varchar(64) PRIMARY KEY NOT NULL, "value" text NOT NULL, "updated_at" datetime NOT NULL)`,
  `ALTER TABLE "content" ADD COLUMN "source_kind" varchar(16)`,
  `ALTER TABLE "content" ADD COLUMN "content_hash" varchar(64)`,
  `ALTER TABLE "content" ADD COLUMN "edited_at" datetime`,
  `UPDATE "content" SET "source_kind" = CASE WHEN "source_name" = 'synthetic' THEN 'SYNTHETIC' ELSE 'DEMO' END WHERE "source_name" IS NOT NULL`,
];

const POSTGRES_UP = [
  `CREATE TABLE "change_log" ("seq" SERIAL NOT NULL, "at" TIMESTAMP NOT NULL, "subject" character varying(16) NOT NULL, "kind" character varying(16) NOT NULL, "subject_id" character varying(64) NOT NULL, "content_type" character varying(32), "nations" text, "countries" text, "campaigns" text, "tags" text, "published_from" TIMESTAMP, "published_until" TIMESTAMP, CONSTRAINT "PK_change_log" PRIMARY KEY ("seq"))`,
  `CREATE INDEX "IDX_change_log_at" ON "change_log" ("at")`,
  `CREATE TABLE "gateway_state" ("name" character varying(64) NOT NULL, "value" text NOT NULL, "updated_at" TIMESTAMP NOT NULL, CONSTRAINT "PK_gateway_state" PRIMARY KEY ("name"))`,
  `ALTER TABLE "content" ADD "source_kind" character varying(16)`,
  `ALTER TABLE "content" ADD "content_hash" character varying(64)`,
  `ALTER TABLE "content" ADD "edited_at" TIMESTAMP`,
  `UPDATE "content" SET "source_kind" = CASE WHEN "source_name" = 'synthetic' THEN 'SYNTHETIC' ELSE 'DEMO' END WHERE "source_name" IS NOT NULL`,
  `CREATE FUNCTION "change_log_serialise"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('coalition_graph_changes:' || current_schema())); RETURN NULL; END $$`,
  `CREATE TRIGGER "change_log_serialise" BEFORE INSERT ON "change_log" FOR EACH STATEMENT EXECUTE FUNCTION "change_log_serialise"()`,
  `CREATE FUNCTION "change_log_notify"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('coalition_graph_changes', current_schema()); RETURN NULL; END $$`,
  `CREATE TRIGGER "change_log_notify" AFTER INSERT ON "change_log" FOR EACH STATEMENT EXECUTE FUNCTION "change_log_notify"()`,
];
