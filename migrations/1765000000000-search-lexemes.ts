import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every word PostgreSQL's search index holds: `search_lexeme`, so that a
 * search-as-you-type prefix can be expanded to the words it begins before GIN
 * is asked (`src/search/prefixes.ts`). GIN answers `'elec':*` by reading the
 * posting list of every word that begins with "elec" into one bitmap; the same
 * words named one by one let it skip through the lists from the rarest word
 * (a prefix query matching 4,750 of 1M items: 60 ms → 13 ms).
 *
 * Statement-level triggers on `search_entry` add the words of the entries each
 * statement inserts, and of those whose vector an update changed (an update of
 * an entry's status alone, which every publication makes, reads no vector),
 * whatever writes them: the gateway, the synthetic loader, later migrations.
 * Words are never removed, so the table holds every word an entry has and
 * perhaps some that no entry has any more (they match nothing; docs/operating.md
 * shows how to rebuild it).
 *
 * The word is not unique: a unique index would make a transaction that adds a
 * new word wait for any other open transaction adding the same word, and two
 * that add two such words in different statements deadlock. Without it a word
 * is added when no committed row (or the transaction's own) has it, so two
 * writers racing on a new word may both add it; readers take each word once.
 * `COLLATE "C"` orders the words by their bytes, which is how a prefix's words
 * are found: a range read from the prefix on.
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
    await queryRunner.query(`CREATE TABLE "search_lexeme" ("word" text COLLATE "C" NOT NULL)`);
    await queryRunner.query(`CREATE INDEX "IDX_search_lexeme_word" ON "search_lexeme" ("word")`);
    const added = (entries: string) =>
      `INSERT INTO search_lexeme (word) SELECT DISTINCT w.word FROM ${entries}, unnest(tsvector_to_array(e.document)) AS w(word) ` +
      `WHERE NOT EXISTS (SELECT 1 FROM search_lexeme l WHERE l.word = w.word COLLATE "C")`;
    await queryRunner.query(
      `CREATE FUNCTION "search_lexemes_of_inserted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN ${added('inserted_entries e')}; RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "search_lexemes_of_updated"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN ${added('updated_entries e JOIN replaced_entries o ON o.id = e.id AND o.document IS DISTINCT FROM e.document')}; RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "search_lexemes_on_insert" AFTER INSERT ON "search_entry" REFERENCING NEW TABLE AS inserted_entries FOR EACH STATEMENT EXECUTE FUNCTION "search_lexemes_of_inserted"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "search_lexemes_on_update" AFTER UPDATE ON "search_entry" REFERENCING OLD TABLE AS replaced_entries NEW TABLE AS updated_entries ` +
        `FOR EACH STATEMENT EXECUTE FUNCTION "search_lexemes_of_updated"()`,
    );
    await queryRunner.query(`INSERT INTO search_lexeme (word) SELECT DISTINCT w.word FROM search_entry e, unnest(tsvector_to_array(e.document)) AS w(word)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TRIGGER "search_lexemes_on_update" ON "search_entry"`);
    await queryRunner.query(`DROP TRIGGER "search_lexemes_on_insert" ON "search_entry"`);
    await queryRunner.query(`DROP FUNCTION "search_lexemes_of_updated"()`);
    await queryRunner.query(`DROP FUNCTION "search_lexemes_of_inserted"()`);
    await queryRunner.query(`DROP TABLE "search_lexeme"`);
  }
}
