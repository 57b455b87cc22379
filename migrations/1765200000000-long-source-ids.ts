import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../src/db/insert-values';
import { storedExternalId } from '../src/ingest/enrich';

/**
 * Ingestion now keeps a source's id longer than the column (200 characters)
 * as its SHA-256 (`sha256:` and 64 hex digits: see `storedExternalId` in
 * `src/ingest/enrich.ts`). PostgreSQL never held a longer one (it refused the
 * batch), but SQLite does not enforce a varchar's length and kept them whole:
 * those rows take their hashed form here, so that the next run finds them
 * instead of making a second item. Hashing is not undone.
 */
export class LongSourceIds1765200000000 implements MigrationInterface {
  name = 'LongSourceIds1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { param } = dialectOf(queryRunner.connection);
    const rows = (await queryRunner.query(`SELECT "id", "source_external_id" FROM "content" WHERE length("source_external_id") > 200`)) as { id: string; source_external_id: string }[];
    for (const row of rows) {
      await queryRunner.query(`UPDATE "content" SET "source_external_id" = ${param(1)} WHERE "id" = ${param(2)}`, [storedExternalId(row.source_external_id), row.id]);
    }
  }

  async down(): Promise<void> {
    // The original ids are not kept: nothing to restore.
  }
}
