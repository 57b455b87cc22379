import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingestion remembers which items it withdrew because their source stopped
 * listing them (`content.source_withdrawn_at`), so that a later run that finds
 * one again publishes it again, and counts those in a run
 * (`ingest_run.republished`). Items withdrawn before this migration are not
 * marked: whether a source or an editor withdrew them is not known, and an
 * editor's withdrawal must stand.
 */
export class SourceWithdrawals1765300000000 implements MigrationInterface {
  name = 'SourceWithdrawals1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query(`ALTER TABLE "content" ADD ${postgres ? '"source_withdrawn_at" TIMESTAMP' : 'COLUMN "source_withdrawn_at" datetime'}`);
    await queryRunner.query(`ALTER TABLE "ingest_run" ADD ${postgres ? '"republished" integer NOT NULL DEFAULT 0' : 'COLUMN "republished" integer NOT NULL DEFAULT (0)'}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "ingest_run" DROP COLUMN "republished"`);
    await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "source_withdrawn_at"`);
  }
}
