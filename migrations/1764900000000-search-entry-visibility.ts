import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL's search index carries what ranking needs of each item: its
 * `status` (whom it is visible to), its `content_type` (the one filter search
 * pages take most) and its `published_at` (the tie-breaker after relevance).
 * A search then ranks its matches from `search_entry` alone and joins `content`
 * for the page's 20 rows only. Before, every match was looked up in `content`
 * first: a phrase matching 10,000 of 1M items spent about 50 of its 140 ms on
 * those lookups, its count 50 of 84.
 *
 * The copies are kept by the database, whatever writes: an entry takes them
 * from its item when it is written (a `BEFORE INSERT OR UPDATE OF content_id`
 * trigger on `search_entry`), and an item's change of status, type or
 * publication time is copied to its entry (an `AFTER UPDATE` trigger on
 * `content`, which fires only when one of the three changed). Members' entries
 * have none of them. SQLite's FTS5 search keeps joining `content`.
 *
 * An item deleted from `content` by any means takes its entry with it (an
 * `AFTER DELETE` trigger): a search ranked from the index alone would
 * otherwise find an entry whose item is gone. The functions run with the
 * migration's `search_path`, whatever the session that fires them uses.
 *
 * `content` is locked against writes first, then `search_entry`, in the order
 * the gateway writes them: a gateway of the previous version publishing during
 * the migration waits for it (and its change is then copied by the trigger)
 * rather than slipping between the backfill and the trigger or deadlocking
 * with it. The backfill rewrites every entry once, without the statement
 * timeout (at 1M entries it takes a minute or two, and blocks searches
 * meanwhile); `VACUUM FULL search_entry` afterwards gives back the old rows'
 * space (twice the table, and the GIN index grew from 93 to 201 MB at 1M).
 */
export class SearchEntryVisibility1764900000000 implements MigrationInterface {
  name = 'SearchEntryVisibility1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`LOCK TABLE "content" IN SHARE ROW EXCLUSIVE MODE`);
    await queryRunner.query(
      `ALTER TABLE "search_entry" ADD COLUMN "status" character varying(16), ADD COLUMN "content_type" character varying(32), ADD COLUMN "published_at" TIMESTAMP`,
    );
    await queryRunner.query(
      `UPDATE "search_entry" e SET "status" = c.status, "content_type" = c.type, "published_at" = c.published_at FROM "content" c WHERE c.id = e.content_id`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "search_entry_from_content"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN ` +
        `IF NEW.content_id IS NULL THEN NEW.status := NULL; NEW.content_type := NULL; NEW.published_at := NULL; ` +
        `ELSE SELECT c.status, c.type, c.published_at INTO NEW.status, NEW.content_type, NEW.published_at FROM content c WHERE c.id = NEW.content_id; END IF; ` +
        `RETURN NEW; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "search_entry_from_content" BEFORE INSERT OR UPDATE OF "content_id" ON "search_entry" FOR EACH ROW EXECUTE FUNCTION "search_entry_from_content"()`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "content_to_search_entry"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN ` +
        `UPDATE search_entry SET status = NEW.status, content_type = NEW.type, published_at = NEW.published_at WHERE subject_id = NEW.id::text AND subject_type = 'CONTENT'; ` +
        `RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "content_to_search_entry" AFTER UPDATE OF "status", "type", "published_at" ON "content" FOR EACH ROW ` +
        `WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.type IS DISTINCT FROM NEW.type OR OLD.published_at IS DISTINCT FROM NEW.published_at) ` +
        `EXECUTE FUNCTION "content_to_search_entry"()`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "content_gone_from_search"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ ` +
        `BEGIN DELETE FROM search_entry WHERE subject_id = OLD.id::text AND subject_type = 'CONTENT'; RETURN NULL; END $$`,
    );
    await queryRunner.query(`CREATE TRIGGER "content_gone_from_search" AFTER DELETE ON "content" FOR EACH ROW EXECUTE FUNCTION "content_gone_from_search"()`);
    await queryRunner.query(`ANALYZE "search_entry"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TRIGGER "content_gone_from_search" ON "content"`);
    await queryRunner.query(`DROP FUNCTION "content_gone_from_search"()`);
    await queryRunner.query(`DROP TRIGGER "content_to_search_entry" ON "content"`);
    await queryRunner.query(`DROP FUNCTION "content_to_search_entry"()`);
    await queryRunner.query(`DROP TRIGGER "search_entry_from_content" ON "search_entry"`);
    await queryRunner.query(`DROP FUNCTION "search_entry_from_content"()`);
    await queryRunner.query(`ALTER TABLE "search_entry" DROP COLUMN "status", DROP COLUMN "content_type", DROP COLUMN "published_at"`);
  }
}
