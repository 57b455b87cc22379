import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every word PostgreSQL's search index holds, once: `search_lexeme`, so that a
 * search-as-you-type prefix can be expanded to the words it begins before GIN
 * is asked (`src/search/prefixes.ts`). GIN answers `'elec':*` by reading the
 * posting list of every word that begins with "elec" into one bitmap; the same
 * words named one by one let it skip through the lists from the rarest word
 * (a prefix query matching 4,750 of 1M items: 60 ms → 13 ms).
 *
 * A statement-level trigger on `search_entry` adds the words of the entries
 * each statement inserts or updates, whatever writes them (the gateway, the
 * synthetic loader, later migrations); words are never removed, so the table
 * holds every word an entry has and perhaps some that no entry has any more
 * (they match nothing). New words are inserted in sorted order, so two
 * transactions adding the same new words wait for each other rather than
 * deadlock. `COLLATE "C"` orders the words by their bytes, which is what lets
 * the primary key's b-tree answer `LIKE 'elec%'`.
 *
 * The backfill follows the triggers: creating them locked `search_entry`
 * against writes until the migration commits, so no entry is written between
 * the two unseen. It reads every entry's vector once (about 9 s at 1M).
 * SQLite's FTS5 has prefix queries of its own and needs none of this.
 */
export class SearchLexemes1765000000000 implements MigrationInterface {
  name = 'SearchLexemes1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`CREATE TABLE "search_lexeme" ("word" text COLLATE "C" NOT NULL, CONSTRAINT "PK_search_lexeme" PRIMARY KEY ("word"))`);
    await queryRunner.query(
      `CREATE FUNCTION "search_lexemes_from_entries"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN ` +
        `INSERT INTO search_lexeme (word) SELECT DISTINCT w.word FROM written_entries e, unnest(tsvector_to_array(e.document)) AS w(word) ORDER BY w.word ON CONFLICT DO NOTHING; ` +
        `RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "search_lexemes_on_insert" AFTER INSERT ON "search_entry" REFERENCING NEW TABLE AS written_entries FOR EACH STATEMENT EXECUTE FUNCTION "search_lexemes_from_entries"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "search_lexemes_on_update" AFTER UPDATE ON "search_entry" REFERENCING NEW TABLE AS written_entries FOR EACH STATEMENT EXECUTE FUNCTION "search_lexemes_from_entries"()`,
    );
    await queryRunner.query(`INSERT INTO search_lexeme (word) SELECT DISTINCT w.word FROM search_entry e, unnest(tsvector_to_array(e.document)) AS w(word) ON CONFLICT DO NOTHING`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TRIGGER "search_lexemes_on_update" ON "search_entry"`);
    await queryRunner.query(`DROP TRIGGER "search_lexemes_on_insert" ON "search_entry"`);
    await queryRunner.query(`DROP FUNCTION "search_lexemes_from_entries"()`);
    await queryRunner.query(`DROP TABLE "search_lexeme"`);
  }
}
