import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A source counts the runs in a row that failed (`content_source.consecutive_failures`),
 * and its scheduled runs are spaced out while it fails (see `scheduledDelayMs`
 * in `src/ingest/runner.ts`). Sources start at 0: their past failures are not
 * counted.
 */
export class SourceBackOff1765400000000 implements MigrationInterface {
  name = 'SourceBackOff1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query(`ALTER TABLE "content_source" ADD ${postgres ? '"consecutive_failures" integer NOT NULL DEFAULT 0' : 'COLUMN "consecutive_failures" integer NOT NULL DEFAULT (0)'}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "content_source" DROP COLUMN "consecutive_failures"`);
  }
}
