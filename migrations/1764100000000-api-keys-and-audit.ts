import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (only a hash of each secret) and the audit log of every write.
 * As in the first migration, the SQL is what TypeORM derives from the entities
 * for each driver, so that the schema diff stays empty.
 */
export class ApiKeysAndAudit1764100000000 implements MigrationInterface {
  name = 'ApiKeysAndAudit1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_UP : SQLITE_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_entry"`);
    await queryRunner.query(`DROP TABLE "api_key"`);
  }
}

const SQLITE_UP = [
  `CREATE TABLE "api_key" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "role" varchar(16) NOT NULL, "prefix" varchar(16) NOT NULL, "hash" varchar(64) NOT NULL, "allowed_operations" text, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "expires_at" datetime, "revoked_at" datetime, "last_used_at" datetime)`,
  `CREATE UNIQUE INDEX "UQ_api_key_hash" ON "api_key" ("hash")`,
  `CREATE TABLE "audit_entry" ("id" varchar PRIMARY KEY NOT NULL, "at" datetime NOT NULL, "actor_key_id" varchar, "actor_name" varchar(200) NOT NULL, "action" varchar(16) NOT NULL, "subject_type" varchar(32) NOT NULL, "subject_id" varchar(200) NOT NULL, "before" text, "after" text)`,
  `CREATE INDEX "IDX_audit_entry_subject" ON "audit_entry" ("subject_type", "subject_id", "at")`,
  `CREATE INDEX "IDX_audit_entry_at" ON "audit_entry" ("at", "id")`,
];

const POSTGRES_UP = [
  `CREATE TABLE "api_key" ("id" uuid NOT NULL, "name" character varying(200) NOT NULL, "role" character varying(16) NOT NULL, "prefix" character varying(16) NOT NULL, "hash" character varying(64) NOT NULL, "allowed_operations" text, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "expires_at" TIMESTAMP, "revoked_at" TIMESTAMP, "last_used_at" TIMESTAMP, CONSTRAINT "PK_api_key" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "UQ_api_key_hash" ON "api_key" ("hash")`,
  `CREATE TABLE "audit_entry" ("id" uuid NOT NULL, "at" TIMESTAMP NOT NULL, "actor_key_id" uuid, "actor_name" character varying(200) NOT NULL, "action" character varying(16) NOT NULL, "subject_type" character varying(32) NOT NULL, "subject_id" character varying(200) NOT NULL, "before" text, "after" text, CONSTRAINT "PK_audit_entry" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_audit_entry_subject" ON "audit_entry" ("subject_type", "subject_id", "at")`,
  `CREATE INDEX "IDX_audit_entry_at" ON "audit_entry" ("at", "id")`,
];
