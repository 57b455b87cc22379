import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change log's list columns (`,A,B,`) now percent-encode a value's own
 * commas and `%` signs (`%2C`, `%25`: see `listColumn` in
 * `src/changes/change-row.ts`), so that a tag such as `iraq, syria` is one
 * value to filters and readers. Entries written before keep their text, but a
 * `%` in them would now read as the start of an escape and a filter for
 * `100%` would look for `100%25`: their `%` signs are encoded here. A comma
 * inside an old value cannot be told from the separators, and stays (the log
 * keeps 30 days by default, so those entries age out). Only tags and campaign
 * slugs can hold either character: member and country codes are letters.
 * During a rolling deployment a process of the previous version still writes
 * such values unencoded until it stops: only entries about items with a `%`
 * or a comma in a tag are affected, and only until then.
 */
export class ChangeLogListValues1765100000000 implements MigrationInterface {
  name = 'ChangeLogListValues1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['tags', 'campaigns']) {
      await queryRunner.query(`UPDATE "change_log" SET "${column}" = replace("${column}", '%', '%25') WHERE "${column}" LIKE '%\\%%' ESCAPE '\\'`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['tags', 'campaigns']) {
      await queryRunner.query(`UPDATE "change_log" SET "${column}" = replace(replace("${column}", '%2C', ','), '%25', '%') WHERE "${column}" LIKE '%\\%%' ESCAPE '\\'`);
    }
  }
}
