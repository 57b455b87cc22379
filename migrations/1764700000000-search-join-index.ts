import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index that answers, for an item id, the two things search needs of every
 * match before it can cut a page: whether the reader may see the item
 * (`status`) and its publication time (the tie-breaker after relevance). With
 * it, search joins its matches to `content` with index-only scans instead of
 * reading each item's row, in the page statement and in the count alike.
 */
export class SearchJoinIndex1764700000000 implements MigrationInterface {
  name = 'SearchJoinIndex1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_content_search" ON "content" ("id", "status", "published_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_content_search"`);
  }
}
