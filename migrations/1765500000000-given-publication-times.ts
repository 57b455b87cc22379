import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An item records whether an editor gave its publication time
 * (`content.published_at_given`), so that a draft given a time keeps it when
 * it is published without one, where it was dated now. Items start without
 * it: a draft's `published_at` cannot tell a time given from the time it was
 * created (which is why this column is wanted), and its audit entries record
 * the stored time, not what the editor sent. So a draft from before publishes
 * now, as it always did; published items, which keep their time whatever
 * happens, do not need it.
 */
export class GivenPublicationTimes1765500000000 implements MigrationInterface {
  name = 'GivenPublicationTimes1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query(`ALTER TABLE "content" ADD ${postgres ? '"published_at_given" boolean NOT NULL DEFAULT false' : 'COLUMN "published_at_given" boolean NOT NULL DEFAULT (0)'}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "published_at_given"`);
  }
}
