import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: partners' endpoints with their filters and signing secrets, and
 * one delivery per change and webhook (unique, so every process may queue
 * the same change and only one delivery exists), with its attempts and the
 * claim of the process attempting it. The SQL is what TypeORM derives from
 * the entities, so that the schema diff stays empty.
 */
export class Webhooks1764500000000 implements MigrationInterface {
  name = 'Webhooks1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_UP : SQLITE_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP TABLE "webhook"`);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "webhook" ("id" varchar PRIMARY KEY NOT NULL, "owner_key_id" varchar, "owner_name" varchar(200) NOT NULL, "url" varchar(2048) NOT NULL, "filter" text, "events" text, "secret" varchar(100) NOT NULL, "previous_secret" varchar(100), "previous_secret_until" datetime, "disabled_at" datetime, "disabled_reason" varchar(300), "position" integer NOT NULL DEFAULT (0), "version" integer NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
  `CREATE INDEX "IDX_webhook_owner" ON "webhook" ("owner_key_id")`,
  `CREATE TABLE "webhook_delivery" ("id" varchar PRIMARY KEY NOT NULL, "webhook_id" varchar NOT NULL, "change_seq" integer NOT NULL, "type" varchar(32) NOT NULL, "payload" text NOT NULL, "status" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime, "last_attempt_at" datetime, "last_status" integer, "last_error" text, "claimed_by" varchar(100), "claimed_until" datetime, "created_at" datetime NOT NULL, "delivered_at" datetime, CONSTRAINT "FK_webhook_delivery_webhook" FOREIGN KEY ("webhook_id") REFERENCES "webhook" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery" ("status", "next_attempt_at")`,
  `CREATE UNIQUE INDEX "UQ_webhook_delivery_change" ON "webhook_delivery" ("webhook_id", "change_seq")`,
];

const POSTGRES_UP = [
  `CREATE TABLE "webhook" ("id" uuid NOT NULL, "owner_key_id" uuid, "owner_name" character varying(200) NOT NULL, "url" character varying(2048) NOT NULL, "filter" text, "events" text, "secret" character varying(100) NOT NULL, "previous_secret" character varying(100), "previous_secret_until" TIMESTAMP, "disabled_at" TIMESTAMP, "disabled_reason" character varying(300), "position" integer NOT NULL DEFAULT '0', "version" integer NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_webhook" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_webhook_owner" ON "webhook" ("owner_key_id")`,
  `CREATE TABLE "webhook_delivery" ("id" uuid NOT NULL, "webhook_id" uuid NOT NULL, "change_seq" integer NOT NULL, "type" character varying(32) NOT NULL, "payload" text NOT NULL, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP, "last_attempt_at" TIMESTAMP, "last_status" integer, "last_error" text, "claimed_by" character varying(100), "claimed_until" TIMESTAMP, "created_at" TIMESTAMP NOT NULL, "delivered_at" TIMESTAMP, CONSTRAINT "PK_webhook_delivery" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery" ("status", "next_attempt_at")`,
  `CREATE UNIQUE INDEX "UQ_webhook_delivery_change" ON "webhook_delivery" ("webhook_id", "change_seq")`,
  `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "FK_webhook_delivery_webhook" FOREIGN KEY ("webhook_id") REFERENCES "webhook"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
];
