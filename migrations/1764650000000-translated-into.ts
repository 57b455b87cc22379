import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The locales an item is translated into, kept on the item itself
 * (`content.translated_into`, e.g. `AR,FR`, empty for none), so that a read
 * knows without another statement whether an item has a translation to
 * serve: a page of items without one costs no more than before translations
 * existed. Written with the translation, in its transaction.
 */
export class TranslatedInto1764650000000 implements MigrationInterface {
  name = 'TranslatedInto1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.query(
      postgres
        ? `ALTER TABLE "content" ADD "translated_into" character varying(32) NOT NULL DEFAULT ''`
        : `ALTER TABLE "content" ADD COLUMN "translated_into" varchar(32) NOT NULL DEFAULT ('')`,
    );
    await queryRunner.query(
      postgres
        ? `UPDATE content c SET translated_into = t.locales FROM (SELECT content_id, string_agg(locale, ',' ORDER BY locale) AS locales FROM content_translation GROUP BY content_id) t WHERE t.content_id = c.id`
        : `UPDATE content SET translated_into = (SELECT group_concat(locale, ',') FROM (SELECT locale FROM content_translation t WHERE t.content_id = content.id ORDER BY locale)) WHERE id IN (SELECT content_id FROM content_translation)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "translated_into"`);
  }
}
