import type { MigrationInterface, QueryRunner } from 'typeorm';
import { localisedNationName } from '../src/member-nations/localised-names';
import { searchDocument } from '../src/search/document';
import { Locale } from '../src/shared/content/locale';

/**
 * Search and languages: the language each item was written in, its
 * translations, and the full-text index.
 *
 * The index is one table, `search_entry` (an item or a member per row), of
 * text normalised in JavaScript (`src/search/normalise.ts`): both databases
 * index the same tokens with their simplest tokenizer. PostgreSQL keeps a
 * generated `tsvector` (title weighted A, summary B, body C) under a GIN
 * index; SQLite an FTS5 table over it (external content, kept in step by
 * triggers). Neither is a TypeORM entity: TypeORM has no notion of either.
 * Existing items and members are indexed here.
 */
export class SearchAndLanguages1764600000000 implements MigrationInterface {
  name = 'SearchAndLanguages1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_UP : SQLITE_UP) await queryRunner.query(statement);
    await backfill(queryRunner, postgres);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    if (!postgres) {
      for (const trigger of ['search_entry_ai', 'search_entry_ad', 'search_entry_au']) await queryRunner.query(`DROP TRIGGER "${trigger}"`);
      await queryRunner.query(`DROP TABLE "search_fts"`);
    }
    await queryRunner.query(`DROP TABLE "search_entry"`);
    await queryRunner.query(`DROP TABLE "content_translation"`);
    await queryRunner.query(`ALTER TABLE "content" DROP COLUMN "language"`);
  }
}

const SQLITE_UP = [
  `ALTER TABLE "content" ADD COLUMN "language" varchar(35)`,
  `CREATE TABLE "content_translation" ("content_id" varchar NOT NULL, "locale" varchar(2) NOT NULL, "title" varchar(300) NOT NULL, "summary" text NOT NULL, "body" text, "place" varchar(300), "version" integer NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_content_translation_content" FOREIGN KEY ("content_id") REFERENCES "content" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("content_id", "locale"))`,
  `CREATE TABLE "search_entry" ("id" integer PRIMARY KEY, "subject_type" varchar(16) NOT NULL, "subject_id" varchar(64) NOT NULL UNIQUE, "content_id" varchar, "title" text NOT NULL, "summary" text NOT NULL, "body" text NOT NULL)`,
  // The text is normalised already: the ASCII tokenizer splits on spaces only (and leaves every other character to the token).
  `CREATE VIRTUAL TABLE "search_fts" USING fts5(title, summary, body, content='search_entry', content_rowid='id', tokenize='ascii')`,
  `CREATE TRIGGER "search_entry_ai" AFTER INSERT ON "search_entry" BEGIN INSERT INTO search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); END`,
  `CREATE TRIGGER "search_entry_ad" AFTER DELETE ON "search_entry" BEGIN INSERT INTO search_fts(search_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body); END`,
  `CREATE TRIGGER "search_entry_au" AFTER UPDATE ON "search_entry" BEGIN INSERT INTO search_fts(search_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body); INSERT INTO search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); END`,
];

const POSTGRES_UP = [
  `ALTER TABLE "content" ADD "language" character varying(35)`,
  `CREATE TABLE "content_translation" ("content_id" uuid NOT NULL, "locale" character varying(2) NOT NULL, "title" character varying(300) NOT NULL, "summary" text NOT NULL, "body" text, "place" character varying(300), "version" integer NOT NULL, "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_content_translation" PRIMARY KEY ("content_id", "locale"))`,
  `ALTER TABLE "content_translation" ADD CONSTRAINT "FK_content_translation_content" FOREIGN KEY ("content_id") REFERENCES "content"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `CREATE TABLE "search_entry" ("id" serial PRIMARY KEY, "subject_type" character varying(16) NOT NULL, "subject_id" character varying(64) NOT NULL UNIQUE, "content_id" uuid, "title" text NOT NULL, "summary" text NOT NULL, "body" text NOT NULL, ` +
    `"document" tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', "title"), 'A') || setweight(to_tsvector('simple', "summary"), 'B') || setweight(to_tsvector('simple', "body"), 'C')) STORED)`,
  `CREATE INDEX "IDX_search_entry_document" ON "search_entry" USING GIN ("document")`,
];

/** Indexes what is there already: items with their (no) translations, and members (into the text columns of this migration's table). */
export async function backfill(queryRunner: QueryRunner, postgres: boolean): Promise<void> {
  const param = (n: number) => (postgres ? `$${n}` : '?');
  const insert = async (rows: [string, string, string | null, string, string, string][]) => {
    for (let start = 0; start < rows.length; start += 200) {
      const batch = rows.slice(start, start + 200);
      const values = batch.flat();
      const tuples = batch.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((c) => param(r * 6 + c)).join(', ')})`);
      await queryRunner.query(`INSERT INTO search_entry (subject_type, subject_id, content_id, title, summary, body) VALUES ${tuples.join(', ')}`, values);
    }
  };
  const members = (await queryRunner.query(`SELECT code, name, region FROM member_nation`)) as { code: string; name: string; region: string | null }[];
  await insert(
    members.map((member) => {
      const document = searchDocument([{ title: [member.code, ...Object.values(Locale).map((locale) => localisedNationName(member.code, member.name, locale))].join('\n'), summary: member.region ?? '' }]);
      return ['NATION', member.code, null, document.title, document.summary, document.body];
    }),
  );
  for (let offset = 0; ; offset += 5_000) {
    const items = (await queryRunner.query(`SELECT id, title, summary, body, place, text FROM content ORDER BY id LIMIT 5000 OFFSET ${offset}`)) as Record<string, string | null>[];
    if (items.length === 0) break;
    await insert(
      items.map((item) => {
        const document = searchDocument([{ title: item.title ?? '', summary: item.summary ?? '', body: item.body, extra: [item.place, item.text] }]);
        return ['CONTENT', String(item.id), String(item.id), document.title, document.summary, document.body];
      }),
    );
  }
}
