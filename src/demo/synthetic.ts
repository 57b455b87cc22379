import type { DataSource, QueryRunner } from 'typeorm';
import { hashtagKey } from '../campaigns/hashtag-key';
import { dialectOf, insertValues, type Dialect } from '../db/insert-values';
import { transaction } from '../db/in-turn';
import { ContentStatus, ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';
import type { ContentItemInput } from '../store/content-rows';
import { contentHashOf } from '../store/upsert';
import { searchDocument } from '../search/document';
import { nationDocument, searchEntryColumns, searchEntryValues } from '../store/search-index';
import { localisedNationName } from '../member-nations/localised-names';
import { Locale } from '../shared/content/locale';
import members from './members.json';
import {
  ACTIONS, ADJECTIVES, LANGUAGE_SHARES, NOUNS, PARTICIPLES, PARTNER_NAMES, PLACES, POST_OPENINGS, PROJECT_TITLES, REPORTS, SENTENCES,
  THEMES, TITLE_FRAMES, VERBS, zipf, type SyntheticLanguage, type Theme, type Words,
} from './synthetic-text';

/**
 * A synthetic dataset for benchmarks and load tests: any number of items of the
 * four content types, with their campaigns and their nation, country and tag
 * rows, made from a fixed-seed PRNG so that the same seed and count give the
 * same rows on every machine.
 *
 * The rows mean what `editing/content-rows.ts` writes: nation tags are the
 * member countries among an item's countries plus any organisation it names,
 * each with a copy of the item's type, status and publication time; posts that
 * use a campaign's hashtag carry its id; countries and tags are upper- and
 * lowercase sets. Items record `synthetic` as their source, so they are easy to
 * find (and to tell apart from real content). Writing goes around the entities
 * on purpose: parameterised multi-row INSERTs in transactions are what make a
 * million items load in minutes rather than hours.
 */

/**
 * Changes whenever the same seed and count would give other rows, so that a
 * dataset loaded by an older generator can be told apart and loaded again
 * (the benchmark loader compares it with what it recorded in the database).
 * 2: bodies, English, French and Arabic text, Zipf-like vocabulary.
 * 3: PostgreSQL's search entries are vectors without their text (a dataset
 * migrated from 2 holds the same vectors, but its rows keep the dropped
 * text's space until they are rewritten, which a benchmark would measure).
 */
export const SYNTHETIC_GENERATOR_VERSION = 3;

/** The source name every synthetic item carries in `source_name`. */
export const SYNTHETIC_SOURCE = 'synthetic';

export interface SyntheticOptions {
  /** PRNG seed; the same seed and count give the same rows. Default 1. */
  readonly seed?: number;
  /** Called with a line of progress about every 5% of the items, and once per phase. */
  readonly progress?: (line: string) => void;
  /** Items written per transaction (default: about 5% of the load, 500 to 10,000). */
  readonly batchSize?: number;
}

/** What a synthetic load wrote, by table. */
export interface SyntheticSummary {
  readonly members: number;
  readonly campaigns: number;
  readonly content: number;
  readonly contentNation: number;
  readonly contentCountry: number;
  readonly contentTag: number;
  readonly byType: Readonly<Record<ContentType, number>>;
  readonly drafts: number;
  readonly milliseconds: number;
}

/** The publication window of the dataset: eight years of items, oldest first. */
export const SYNTHETIC_FROM = Date.UTC(2015, 0, 1);
export const SYNTHETIC_UNTIL = Date.UTC(2023, 0, 1);

/** How many campaigns the dataset has; each runs for a stretch of the window. */
export const SYNTHETIC_CAMPAIGNS = 36;

/**
 * Loads `count` synthetic items into a migrated database, after making sure the
 * 81 members exist (missing ones are inserted; existing rows are left alone).
 * Refuses a database that already holds synthetic content: loads are not
 * incremental, so start from an empty (or demo-only) database.
 */
export async function seedSynthetic(db: DataSource, count: number, options: SyntheticOptions = {}): Promise<SyntheticSummary> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const seed = options.seed ?? 1;
  const progress = options.progress ?? (() => {});
  const started = Date.now();
  const dialect = dialectOf(db);

  const campaigns = makeCampaigns(seed);
  const [{ n: existing }] = await db.query(`SELECT count(*) AS n FROM "content" WHERE "source_name" = ${dialect.param(1)}`, [SYNTHETIC_SOURCE]);
  const [{ n: existingCampaigns }] = await db.query(
    `SELECT count(*) AS n FROM "campaign" WHERE "slug" IN (${campaigns.map((_, i) => dialect.param(i + 1)).join(', ')})`,
    campaigns.map((c) => c.slug),
  );
  // A load stopped by a signal (Ctrl-C) ends without the `finally` below that builds the search index again: a run after it puts the index back first.
  if (dialect.postgres) await restoreSearchIndex(db, progress);
  if (Number(existing) > 0) {
    throw new Error(`the database already holds ${Number(existing)} synthetic items; load synthetic content into a fresh database`);
  }
  if (Number(existingCampaigns) > 0) {
    throw new Error('the database already holds the synthetic campaigns (an interrupted load?); load synthetic content into a fresh database');
  }

  const memberCount = await insertMissingMembers(db, dialect);
  progress(`members: ${memberCount} inserted, ${members.length - memberCount} already there`);

  await withTransaction(db, (runner) =>
    insertRows(runner, dialect, 'campaign', CAMPAIGN_COLUMNS, campaigns.map((c) => [c.id, c.slug, c.hashtag, hashtagKey(c.hashtag), c.title, c.summary, 1])),
  );
  progress(`campaigns: ${campaigns.length} inserted`);

  // A GIN index built once over a million documents costs a fraction of keeping it up to date row by row.
  const rebuildIndex = dialect.postgres && count >= REBUILD_INDEX_FROM;
  if (rebuildIndex) await db.query(`DROP INDEX IF EXISTS "${SEARCH_INDEX}"`);

  const generator = new ItemGenerator(seed, count, campaigns);
  const campaignSlugs = new Map(campaigns.map((campaign) => [campaign.id, campaign.slug]));
  // Batches of about 5% of the load (500 to 10,000 items), so that progress comes about every 5%.
  const batchSize = Math.max(1, options.batchSize ?? Math.min(10_000, Math.max(500, Math.ceil(count / 20))));
  const totals = { contentNation: 0, contentCountry: 0, contentTag: 0, drafts: 0 };
  const byType = Object.fromEntries(Object.values(ContentType).map((type) => [type, 0])) as Record<ContentType, number>;
  let written = 0;
  let reportedStep = 0;
  try {
    while (written < count) {
      const size = Math.min(batchSize, count - written);
      const rows: Rows = { content: [], nation: [], country: [], tag: [], search: [] };
      for (let i = 0; i < size; i++) {
        const item = generator.next();
        byType[item.type]++;
        if (item.status === ContentStatus.DRAFT) totals.drafts++;
        addRows(rows, item, campaignSlugs, dialect.postgres);
      }
      await withTransaction(db, async (runner) => {
        await insertRows(runner, dialect, 'content', CONTENT_COLUMNS, rows.content);
        await insertRows(runner, dialect, 'content_nation', NATION_COLUMNS, rows.nation);
        await insertRows(runner, dialect, 'content_country', COUNTRY_COLUMNS, rows.country);
        await insertRows(runner, dialect, 'content_tag', TAG_COLUMNS, rows.tag);
        await insertRows(runner, dialect, 'search_entry', searchEntryColumns(dialect.postgres), rows.search);
      });
      totals.contentNation += rows.nation.length;
      totals.contentCountry += rows.country.length;
      totals.contentTag += rows.tag.length;
      written += size;
      // One line each time the load passes another 5% (and at the end).
      const step = Math.floor((written * 20) / count);
      if (step > reportedStep || written === count) {
        reportedStep = step;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        progress(`content: ${formatCount(written)} of ${formatCount(count)} items (${Math.floor((written * 100) / count)}%), ${seconds} s`);
      }
    }
  } finally {
    // Also when the load fails part-way: the database must not be left without its search index.
    if (rebuildIndex) progress(`search index: built in ${await buildSearchIndex(db)} s`);
  }

  return {
    members: memberCount,
    campaigns: campaigns.length,
    content: count,
    ...totals,
    byType,
    milliseconds: Date.now() - started,
  };
}

// ---------------------------------------------------------------------------
// Writing

/** PostgreSQL's full-text index (migration 1764600000000), dropped during a large load and built again after it (also when the load fails). */
const SEARCH_INDEX = 'IDX_search_entry_document';

/** Builds the search index (PostgreSQL), unless it is there; returns the seconds it took, as progress writes them. */
async function buildSearchIndex(db: DataSource): Promise<string> {
  const started = Date.now();
  await db.query(`CREATE INDEX IF NOT EXISTS "${SEARCH_INDEX}" ON "search_entry" USING GIN ("document")`);
  return ((Date.now() - started) / 1000).toFixed(1);
}

/** Builds the search index if a load that dropped it was stopped before it could build it again; says so when it does. */
async function restoreSearchIndex(db: DataSource, progress: (line: string) => void): Promise<void> {
  const [{ found }] = (await db.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`"${SEARCH_INDEX}"`])) as { found: boolean }[];
  if (!found) progress(`search index: missing (an earlier load was stopped), built again in ${await buildSearchIndex(db)} s`);
}
const REBUILD_INDEX_FROM = 50_000;

const CONTENT_COLUMNS = [
  'id', 'type', 'slug', 'title', 'summary', 'body', 'language', 'url', 'status', 'published_at', 'campaign_id',
  'source_name', 'source_external_id', 'source_kind', 'content_hash', 'version',
  'places', 'outlet', 'original_url', 'platform', 'author_handle', 'text', 'hashtags', 'mentions', 'links',
  'sector', 'phase', 'implementing_partner', 'place', 'country_code', 'budget_usd', 'started_on', 'completed_on',
] as const;
const CAMPAIGN_COLUMNS = ['id', 'slug', 'hashtag', 'hashtag_key', 'title', 'summary', 'version'] as const;
const NATION_COLUMNS = ['content_id', 'nation_code', 'content_type', 'status', 'published_at'] as const;
const COUNTRY_COLUMNS = ['content_id', 'country_code'] as const;
const TAG_COLUMNS = ['content_id', 'tag'] as const;

type Row = (string | number | null)[];
interface Rows {
  content: Row[];
  nation: Row[];
  country: Row[];
  tag: Row[];
  search: Row[];
}

/** Multi-row INSERTs of `rows` into `table` in the runner's transaction. */
function insertRows(runner: QueryRunner, dialect: Dialect, table: string, columns: readonly string[], rows: Row[]): Promise<void> {
  return insertValues((sql, parameters) => runner.query(sql, parameters), dialect, table, columns, rows);
}

/** One transaction, in turn with the database's others (see `db/in-turn.ts`). */
function withTransaction(db: DataSource, work: (runner: QueryRunner) => Promise<void>): Promise<void> {
  return transaction(db, (manager) => work(manager.queryRunner!));
}

/** Inserts the members the database lacks; returns how many. */
async function insertMissingMembers(db: DataSource, dialect: Dialect): Promise<number> {
  const present = new Set<string>((await db.query(`SELECT "code" FROM "member_nation"`)).map((row: { code: string }) => row.code));
  const missing = members.filter((member) => !present.has(member.code));
  if (missing.length) {
    await withTransaction(db, async (runner) => {
      await insertRows(
        runner,
        dialect,
        'member_nation',
        ['code', 'name', 'kind', 'region', 'joined_year'],
        missing.map((m) => [m.code, m.name, m.kind, m.region, m.joinedYear]),
      );
      await insertRows(
        runner,
        dialect,
        'search_entry',
        searchEntryColumns(dialect.postgres),
        missing.map((m) => searchEntryValues(dialect.postgres, 'NATION', m.code, nationDocument(m))),
      );
    });
  }
  return missing.length;
}

function addRows(rows: Rows, item: SyntheticItem, campaignSlugs: ReadonlyMap<string, string>, postgres: boolean): void {
  const publishedAt = sqlTimestamp(item.publishedAt);
  rows.content.push([
    item.id, item.type, item.slug, item.title, item.summary, item.body, item.language, item.url, item.status, publishedAt, item.campaignId,
    SYNTHETIC_SOURCE, item.externalId, SourceKind.SYNTHETIC, contentHashOf(syntheticInput(item, campaignSlugs)), 1,
    json(item.places), item.outlet, item.originalUrl, item.platform, item.authorHandle, item.text,
    json(item.hashtags), json(item.mentions), json(item.links),
    item.sector, item.phase, item.implementingPartner, item.place, item.countryCode, item.budgetUsd, item.startedOn, item.completedOn,
  ]);
  for (const code of item.nations) rows.nation.push([item.id, code, item.type, item.status, publishedAt]);
  for (const code of item.countries) rows.country.push([item.id, code]);
  for (const tag of item.tags) rows.tag.push([item.id, tag]);
  // Findable as an item any writer makes is: its text normalised for the search index.
  const document = searchDocument([{ title: item.title, summary: item.summary, body: item.body, extra: [item.place, item.text] }]);
  rows.search.push(searchEntryValues(postgres, 'CONTENT', item.id, document));
}

/**
 * A synthetic item as a connector would hand it to the writer's upsert. Its
 * content hash is stored with the row, so that upserting the same item later
 * finds it unchanged, as it would an item the upsert itself wrote.
 */
export function syntheticInput(item: SyntheticItem, campaignSlugs: ReadonlyMap<string, string>): ContentItemInput {
  const common = {
    type: item.type,
    slug: item.slug,
    title: item.title,
    summary: item.summary,
    body: item.body,
    language: item.language,
    url: item.url,
    publishedAt: new Date(item.publishedAt),
    status: item.status,
    countries: item.countries,
    nations: item.nations,
    tags: item.tags,
    source: { name: SYNTHETIC_SOURCE, kind: SourceKind.SYNTHETIC, externalId: item.externalId, url: null, fetchedAt: null },
    campaign: item.type === ContentType.CAMPAIGN_STORY ? campaignSlugs.get(item.campaignId!)! : null,
  };
  switch (item.type) {
    case ContentType.DIGEST_ARTICLE:
      return { ...common, fields: { outlet: item.outlet, originalUrl: item.originalUrl } };
    case ContentType.CAMPAIGN_STORY:
      return { ...common, fields: { places: item.places } };
    case ContentType.SOCIAL_POST:
      return {
        ...common,
        fields: { platform: item.platform, authorHandle: item.authorHandle, text: item.text, hashtags: item.hashtags, mentions: item.mentions, links: item.links },
      };
    default:
      return {
        ...common,
        fields: {
          sector: item.sector,
          phase: item.phase,
          implementingPartner: item.implementingPartner,
          place: item.place,
          countryCode: item.countryCode,
          budgetUsd: item.budgetUsd,
          startedOn: item.startedOn,
          completedOn: item.completedOn,
        },
      };
  }
}

/** `simple-json` columns hold JSON text; null when the type has no such column. */
function json(value: readonly string[] | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

/**
 * A timestamp as TypeORM stores a `Date` column on SQLite (`YYYY-MM-DD HH:MM:SS.SSS`,
 * UTC), which PostgreSQL's `timestamp without time zone` reads as the same wall time.
 */
export function sqlTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function formatCount(n: number): string {
  return n.toLocaleString('en-GB');
}

// ---------------------------------------------------------------------------
// Generating

/**
 * mulberry32: a tiny 32-bit PRNG, plenty for synthetic data and identical on
 * every platform (only 32-bit integer arithmetic).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Random choices over one PRNG stream. */
class Random {
  constructor(readonly next: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  /** `k` distinct values of `values` (k ≤ values.length). */
  sample<T>(values: readonly T[], k: number): T[] {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(this.next() * values.length));
    return [...chosen].map((i) => values[i]);
  }

  /** A random version-4 UUID, lowercase. */
  uuid(): string {
    const hex = [0, 1, 2, 3].map(() => Math.floor(this.next() * 4_294_967_296).toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Picks from a fixed weighted table in O(log n). */
class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: number[];

  constructor(entries: readonly (readonly [T, number])[]) {
    this.values = entries.map(([value]) => value);
    let sum = 0;
    this.cumulative = entries.map(([, weight]) => (sum += weight));
  }

  pick(random: Random): T {
    const target = random.next() * this.cumulative[this.cumulative.length - 1];
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }
}

/** One generated item: the `content` row's fields and its tag rows. */
export interface SyntheticItem {
  readonly id: string;
  readonly type: ContentType;
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
  /** The full text: a few paragraphs of sentences in the item's language, as HTML (`<p>` only). */
  readonly body: string;
  /** `en`, `fr` or `ar`: the language of the title, summary and body. */
  readonly language: SyntheticLanguage;
  readonly url: string | null;
  readonly status: ContentStatus;
  readonly publishedAt: number;
  readonly campaignId: string | null;
  readonly externalId: string;
  readonly countries: string[];
  readonly nations: string[];
  readonly tags: string[];
  readonly places: string[] | null;
  readonly outlet: string | null;
  readonly originalUrl: string | null;
  readonly platform: string | null;
  readonly authorHandle: string | null;
  readonly text: string | null;
  readonly hashtags: string[] | null;
  readonly mentions: string[] | null;
  readonly links: string[] | null;
  readonly sector: string | null;
  readonly phase: string | null;
  readonly implementingPartner: string | null;
  readonly place: string | null;
  readonly countryCode: string | null;
  readonly budgetUsd: number | null;
  readonly startedOn: string | null;
  readonly completedOn: string | null;
}

export interface SyntheticCampaign {
  readonly id: string;
  readonly slug: string;
  readonly hashtag: string;
  readonly title: string;
  readonly summary: string;
}

const MEMBER_CODES = new Set(members.map((m) => m.code));
const MEMBER_COUNTRIES = members.filter((m) => m.kind === 'COUNTRY').map((m) => m.code);

/** Countries items concern: Iraq and Syria above all, then the larger members, then every other member a little. */
const COUNTRY_WEIGHTS = new Weighted<string>([
  ...Object.entries({
    IRQ: 20, SYR: 16, USA: 5, GBR: 4, FRA: 4, TUR: 3, JOR: 3, DEU: 3, ITA: 2, SAU: 2, EGY: 2, NGA: 2, AFG: 2, LBY: 2,
    LBN: 2, ARE: 1.5, QAT: 1.5, KWT: 1.5, AUS: 1.5, CAN: 1.5, NLD: 1.5, BEL: 1.5, ESP: 1, DNK: 1, NOR: 1, SOM: 1, PHL: 1,
    // Not members in 2019: they appear in `countries` only.
    ISR: 1, IRN: 1, MLI: 1, BFA: 0.7, MOZ: 0.7, RUS: 0.5, PAK: 0.5, IND: 0.3, LKA: 0.3,
  }),
  ...MEMBER_COUNTRIES.map((code) => [code, 0.4] as const),
]);

/** Where stabilisation projects are: mostly Iraq and Syria, some in West Africa, the Sahel and elsewhere. */
const PROJECT_COUNTRY_WEIGHTS = new Weighted<string>([
  ...Object.entries({ IRQ: 40, SYR: 25, NGA: 4, AFG: 4, SOM: 4, LBY: 3, TCD: 2, NER: 2, CMR: 2, TUN: 2, JOR: 2, LBN: 2, EGY: 2, YEM: 2, PHL: 2, MLI: 2, BFA: 1, MOZ: 1 }),
  ...MEMBER_COUNTRIES.map((code) => [code, 0.3] as const),
]);

/** Organisations an item sometimes names as well, with their odds. */
const ORGANISATIONS: [string, number][] = [['NATO', 0.06], ['EU', 0.05], ['INTERPOL', 0.01], ['LAS', 0.01], ['CENSAD', 0.005]];

const TYPE_WEIGHTS = new Weighted<ContentType>([
  [ContentType.SOCIAL_POST, 40],
  [ContentType.DIGEST_ARTICLE, 25],
  [ContentType.CAMPAIGN_STORY, 20],
  [ContentType.STABILISATION_PROJECT, 15],
]);

const DRAFT_SHARE = 0.03;

const TAGS = [
  'stabilisation', 'education', 'demining', 'detention', 'foreign-fighters', 'counter-messaging', 'propaganda', 'humanitarian',
  'returns', 'reconstruction', 'water', 'electricity', 'health', 'livelihoods', 'security', 'training', 'financing', 'al-hol',
  'north-east-syria', 'anbar', 'nineveh', 'raqqa', 'mosul', 'sinjar', 'deir-ez-zor', 'west-africa', 'sahel', 'iswap', 'women',
  'youth', 'media', 'online', 'communications', 'justice', 'accountability', 'repatriation', 'camps', 'police', 'borders',
  'aviation-security',
];

/** Each country's places by how often they are written about (Zipf), and every place in one table, for bodies that mention others. */
const PLACE_WEIGHTS = new Map(Object.entries(PLACES).map(([code, places]) => [code, new Weighted<Words>(zipf(places, 0.7))]));
const ANY_PLACE = new Weighted<{ words: Words; country: string }>(
  Object.entries(PLACES).flatMap(([code, places]) =>
    zipf(places, 0.8).map(([words, weight]) => [{ words, country: code }, weight * (code === 'IRQ' || code === 'SYR' ? 1 : 0.5)] as const),
  ),
);
const THEME_WEIGHTS = new Weighted<Theme>(zipf(THEMES, 1.1));
/** Themes mentioned in passing: steeper, so that a rare theme is rarely mentioned at all. */
const SECOND_THEME_WEIGHTS = new Weighted<Theme>(zipf(THEMES, 1.5));
const THEMES_BY_SECTOR = new Map<string, Theme[]>();
for (const theme of THEMES) if (theme.sector) THEMES_BY_SECTOR.set(theme.sector, [...(THEMES_BY_SECTOR.get(theme.sector) ?? []), theme]);
const LANGUAGE_WEIGHTS = new Weighted<SyntheticLanguage>(LANGUAGE_SHARES);
const ACTION_WEIGHTS = new Weighted<Words>(zipf(ACTIONS, 0.7));
const vocabulary = (table: Readonly<Record<SyntheticLanguage, readonly string[]>>, s = 1) =>
  Object.fromEntries(Object.entries(table).map(([language, words]) => [language, new Weighted<string>(zipf(words, s))])) as Record<SyntheticLanguage, Weighted<string>>;
const NOUN_WEIGHTS = vocabulary(NOUNS);
const ADJECTIVE_WEIGHTS = vocabulary(ADJECTIVES);
const VERB_WEIGHTS = vocabulary(VERBS);
const PARTICIPLE_WEIGHTS = vocabulary(PARTICIPLES);
const PARTNER_WEIGHTS = vocabulary(PARTNER_NAMES, 0.8);
const SENTENCE_WEIGHTS = vocabulary(SENTENCES, 0.3);
const LOCALES: Record<SyntheticLanguage, Locale> = { en: Locale.EN, fr: Locale.FR, ar: Locale.AR };

const OUTLETS = [
  'The Washington Post', 'The New York Times', 'Reuters', 'Associated Press', 'BBC News', 'The Guardian', 'Al-Monitor', 'The National',
  'Agence France-Presse', 'Financial Times', 'The Wall Street Journal', 'Asharq Al-Awsat', 'Rudaw', 'Kurdistan 24', 'Arab News',
  'Le Monde', 'Der Spiegel', 'Foreign Policy', 'The Times', 'Al Arabiya', 'Voice of America', 'Defense One', 'Politico Europe',
];
const SECTORS = ['education', 'health', 'water', 'electricity', 'livelihoods', 'demining', 'housing', 'infrastructure', 'social-cohesion'];
const PARTNERS = [
  'UNDP Funding Facility for Stabilisation (FFS)', 'UNMAS', 'UNICEF', 'World Food Programme', 'International Organization for Migration',
  'Mines Advisory Group', 'The HALO Trust', 'Norwegian People’s Aid', 'GIZ', 'USAID', 'Stabilisation Task Force', 'Local council',
];
const PHASES = new Weighted<string>([['PLANNED', 20], ['ONGOING', 45], ['COMPLETED', 35]]);
const PLATFORMS = new Weighted<string>([['TWITTER', 55], ['FACEBOOK', 20], ['INSTAGRAM', 10], ['TELEGRAM', 7], ['YOUTUBE', 5], ['OTHER', 3]]);
const HANDLES = ['Coalition', 'CJTFOIR', 'OIRSpox', 'GCDaesh_AR', 'StateDept_CT', 'UKinIraq', 'FranceinIraq', 'USEmbassyBaghdad', 'NATO', 'UNDPIraq', 'UNMAS', 'EUinIraq'];
/** Hashtags that name no campaign. */
const GENERIC_HASHTAGS = ['DefeatDaesh', 'Iraq', 'Syria', 'Daesh', 'ISIS', 'Coalition', 'Stabilisation', 'Mosul', 'Raqqa', 'CounterTerrorism', 'Education', 'Demining'];

const CAMPAIGN_TITLES = [
  'Rebuilding Raqqa', 'Mosul Rises', 'Back to School', 'Clearing the Fields', 'Women Rebuild', 'Return Home', 'Facts Not Fear',
  'Unmasking Daesh', 'Sinjar Returns', 'Water for Anbar', 'Light After Dark', 'Voices of Survivors', 'The Road Back', 'Healing Mosul',
  'Open Markets', 'Safe Streets', 'Youth Builds Peace', 'Teachers First', 'Seeds of Hope', 'Bridges Again', 'Power to the People',
  'Justice for Victims', 'No Safe Haven', 'Follow the Money', 'Borders Secure', 'Stronger Together', 'From Rubble to Homes',
  'Clean Water Now', 'Fields of Return', 'Stories of Resilience', 'Heroes of Stabilisation', 'Daesh Lies', 'Hope in Hasakah',
  'Learning Again', 'Sahel Partners', 'West Africa Rising', 'Coalition Voices', 'Reopening Hospitals', 'Tomorrow’s Iraq', 'Syria Recovers',
];

/** The campaigns of a seed: the same every time, whatever the item count. */
export function makeCampaigns(seed: number): SyntheticCampaign[] {
  const random = new Random(mulberry32(seed ^ 0x5eed_ca11));
  return CAMPAIGN_TITLES.slice(0, SYNTHETIC_CAMPAIGNS).map((title) => {
    const words = title.replace(/[’']/g, '').split(/\s+/);
    return {
      id: random.uuid(),
      slug: slugify(title),
      hashtag: words.map((w) => w[0].toUpperCase() + w.slice(1)).join(''),
      title,
      summary: `“${title}”, a coalition communications campaign told through the people and places it concerns.`,
    };
  });
}

/**
 * Makes the items one after another, oldest first. Publication times are
 * spread evenly over {@link SYNTHETIC_FROM}…{@link SYNTHETIC_UNTIL} with a
 * random offset inside each item's slot, so every timestamp is distinct.
 */
export class ItemGenerator {
  private readonly random: Random;
  /**
   * The words: a stream of its own, so that the items' structure (types,
   * countries, tags, campaigns, times) draws exactly what it did before items
   * had bodies and three languages, and their counts stay what they were.
   */
  private readonly text: Random;
  private readonly slotMs: number;
  private readonly campaignWindowMs: number;
  private index = 0;

  constructor(
    private readonly seed: number,
    private readonly count: number,
    private readonly campaigns: readonly SyntheticCampaign[],
  ) {
    this.random = new Random(mulberry32(seed));
    this.text = new Random(mulberry32((seed ^ 0x7e47_5eed) >>> 0));
    this.slotMs = (SYNTHETIC_UNTIL - SYNTHETIC_FROM) / count;
    if (this.slotMs < 1) throw new RangeError(`too many items for distinct millisecond timestamps: ${count}`);
    this.campaignWindowMs = (SYNTHETIC_UNTIL - SYNTHETIC_FROM) / campaigns.length;
  }

  next(): SyntheticItem {
    const r = this.random;
    const i = this.index++;
    if (i >= this.count) throw new RangeError('no more items');
    const slotStart = SYNTHETIC_FROM + Math.floor(i * this.slotMs);
    const slotEnd = SYNTHETIC_FROM + Math.floor((i + 1) * this.slotMs);
    const publishedAt = slotStart + Math.floor(r.next() * (slotEnd - slotStart));
    const type = TYPE_WEIGHTS.pick(r);
    const status = r.chance(DRAFT_SHARE) ? ContentStatus.DRAFT : ContentStatus.PUBLISHED;
    const id = r.uuid();

    // Countries: 1–3; a project's first country is where it is.
    const howMany = r.next() < 0.5 ? 1 : r.next() < 0.7 ? 2 : 3;
    const countries = new Set<string>();
    if (type === ContentType.STABILISATION_PROJECT) countries.add(PROJECT_COUNTRY_WEIGHTS.pick(r));
    while (countries.size < howMany) countries.add(COUNTRY_WEIGHTS.pick(r));
    const [first] = countries;
    const organisations = ORGANISATIONS.filter(([, odds]) => r.chance(odds)).map(([code]) => code);
    const nations = sorted([...countries].filter((code) => MEMBER_CODES.has(code)).concat(organisations));
    const tags = sorted(r.sample(TAGS, r.int(1, 3)));

    const t = this.text;
    const language = LANGUAGE_WEIGHTS.pick(t);
    const countryName = countryNameIn(first, language);
    const localPlaces = PLACES[first] ?? [];
    // One draw of the main stream each for the place, the theme and the title frame, as the English-only generator made.
    const placeWords = localPlaces.length ? PLACE_WEIGHTS.get(first)!.pick(r) : null;
    const place = placeWords ? placeWords[language] : countryName;
    const where = place === countryName ? place : `${place}${language === 'ar' ? '، ' : ', '}${countryName}`;
    let theme = THEME_WEIGHTS.pick(r);
    const writer = new Writer(t, language, { place, where, country: countryName, first, places: PLACE_WEIGHTS.get(first), theme: () => theme });
    const base: Mutable<SyntheticItem> = {
      id, type, status, publishedAt, countries: sorted([...countries]), nations, tags, language,
      slug: '', title: '', summary: '', body: '', url: null, campaignId: null, externalId: String(i + 1).padStart(7, '0'),
      places: null, outlet: null, originalUrl: null, platform: null, authorHandle: null, text: null, hashtags: null, mentions: null, links: null,
      sector: null, phase: null, implementingPartner: null, place: null, countryCode: null, budgetUsd: null, startedOn: null, completedOn: null,
    };
    const title = () => writer.fill(r.pick(TITLE_FRAMES[language]));

    switch (type) {
      case ContentType.DIGEST_ARTICLE: {
        base.outlet = r.pick(OUTLETS);
        base.title = title();
        base.summary = REPORTS[language].replace('{outlet}', base.outlet) + writer.sentence(true);
        base.originalUrl = r.chance(0.6) ? `https://news.example/${slugify(base.outlet)}/${i + 1}` : null;
        break;
      }
      case ContentType.CAMPAIGN_STORY: {
        const campaign = this.activeCampaign(publishedAt);
        base.campaignId = campaign.id;
        base.title = title();
        base.summary = `${campaign.title}: ${writer.sentence(true)}`;
        base.places = localPlaces.length ? sorted([place, ...r.sample(localPlaces, r.int(0, 2)).map((words) => words[language])]) : [];
        base.url = `https://stories.example/${slugify(base.title) || 'story'}-${i + 1}/`;
        break;
      }
      case ContentType.SOCIAL_POST: {
        const campaign = r.chance(0.35) ? this.activeCampaign(publishedAt) : null;
        const hashtags = r.sample(GENERIC_HASHTAGS, r.int(0, 2));
        if (campaign) {
          hashtags.unshift(campaign.hashtag);
          base.campaignId = campaign.id;
        }
        base.platform = PLATFORMS.pick(r);
        base.authorHandle = r.chance(0.95) ? r.pick(HANDLES) : null;
        base.title = POST_OPENINGS[language] + title();
        base.hashtags = hashtags;
        base.mentions = r.sample(HANDLES, r.int(0, 2));
        base.links = r.chance(0.4) ? [`https://t.example/${(i + 1).toString(36)}`] : [];
        base.text = `${base.title}.${hashtags.map((tag) => ` #${tag}`).join('')}${base.mentions.map((m) => ` @${m}`).join('')}`;
        base.summary = writer.sentence(true);
        break;
      }
      case ContentType.STABILISATION_PROJECT: {
        const sector = r.pick(SECTORS);
        const phase = PHASES.pick(r);
        base.sector = sector;
        base.phase = phase;
        base.countryCode = first;
        base.place = r.chance(0.9) ? where : null;
        base.implementingPartner = r.chance(0.9) ? r.pick(PARTNERS) : null;
        base.budgetUsd = r.chance(0.7) ? r.int(50, 25_000) * 1_000 : null;
        if (phase !== 'PLANNED') {
          const started = publishedAt - r.int(30, 900) * DAY_MS;
          base.startedOn = sqlDate(started);
          if (phase === 'COMPLETED') base.completedOn = sqlDate(started + Math.floor(r.next() * (publishedAt - started)));
        }
        r.next(); // The title frame's draw.
        theme = t.pick(THEMES_BY_SECTOR.get(sector)!);
        base.title = writer.fill(PROJECT_TITLES[language]);
        base.summary = writer.sentence(true);
        break;
      }
    }
    base.body = writer.body();
    base.slug = `${slugify(base.title).slice(0, 140).replace(/-+$/, '') || slugify(type)}-${i + 1}`;
    return base;
  }

  /** One of the campaigns running at `time`: each runs for five window-widths, so about five overlap. */
  private activeCampaign(time: number): SyntheticCampaign {
    const j = Math.floor((time - SYNTHETIC_FROM) / this.campaignWindowMs);
    const lo = Math.max(0, j - 2);
    const hi = Math.min(this.campaigns.length - 1, j + 2);
    return this.campaigns[this.random.int(lo, hi)];
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const DAY_MS = 86_400_000;

const COUNTRY_NAMES = new Map<string, string>([
  ...members.map((m) => [m.code, m.name] as [string, string]),
  ['SYR', 'Syria'], ['ISR', 'Israel'], ['IRN', 'Iran'], ['MLI', 'Mali'], ['BFA', 'Burkina Faso'], ['MOZ', 'Mozambique'],
  ['RUS', 'Russia'], ['PAK', 'Pakistan'], ['IND', 'India'], ['LKA', 'Sri Lanka'],
]);

/** Country names as each language writes them (the library's short names for French and Arabic). */
const COUNTRY_NAMES_IN = new Map<string, string>();
function countryNameIn(code: string, language: SyntheticLanguage): string {
  const key = `${language}:${code}`;
  let name = COUNTRY_NAMES_IN.get(key);
  if (name === undefined) {
    const english = COUNTRY_NAMES.get(code) ?? code;
    name = localisedNationName(code, english, LOCALES[language]);
    COUNTRY_NAMES_IN.set(key, name);
  }
  return name;
}

/** What an item is about, for the writer's slots. */
interface Subject {
  readonly place: string;
  /** The place with its country (`Mosul, Iraq`), or the country alone. */
  readonly where: string;
  readonly country: string;
  /** The country's code. */
  readonly first: string;
  /** The places of the country, when it has some. */
  readonly places: Weighted<Words> | undefined;
  readonly theme: () => Theme;
}

/** Writes an item's text in its language from the word tables, drawing on the text stream. */
class Writer {
  constructor(
    private readonly random: Random,
    private readonly language: SyntheticLanguage,
    private readonly subject: Subject,
  ) {}

  /** A frame with its slots filled, first letter capitalised. */
  fill(frame: string, summary = false): string {
    const r = this.random;
    const language = this.language;
    const text = frame.replace(/\{(\w+)\}/g, (_, slot: string) => {
      switch (slot) {
        case 'place':
          return summary ? this.subject.where : this.subject.place;
        case 'place2':
          // Mostly another place of the same country, sometimes one anywhere.
          return (this.subject.places && r.chance(0.8) ? this.subject.places.pick(r) : ANY_PLACE.pick(r).words)[language];
        case 'theme':
          return (summary || r.chance(0.85) ? this.subject.theme() : SECOND_THEME_WEIGHTS.pick(r)).noun[language];
        case 'theme2':
          return SECOND_THEME_WEIGHTS.pick(r).noun[language];
        case 'country':
          return this.subject.country;
        case 'nation':
          return countryNameIn(COUNTRY_WEIGHTS.pick(r), language);
        case 'action':
          return ACTION_WEIGHTS.pick(r)[language];
        case 'partner':
          return PARTNER_WEIGHTS[language].pick(r);
        case 'n':
        case 'n2':
          return NOUN_WEIGHTS[language].pick(r);
        case 'a':
          return ADJECTIVE_WEIGHTS[language].pick(r);
        case 'v':
          return VERB_WEIGHTS[language].pick(r);
        case 'pp':
          return PARTICIPLE_WEIGHTS[language].pick(r);
        case 'num':
          return String(r.int(2, 400));
        case 'year':
          return String(r.int(2015, 2022));
        default:
          return slot;
      }
    });
    return text[0].toUpperCase() + text.slice(1);
  }

  /** One sentence; a summary's names the item's place with its country and the item's theme. */
  sentence(summary = false): string {
    return this.fill(SENTENCE_WEIGHTS[this.language].pick(this.random), summary);
  }

  /** Three to seven sentences in paragraphs of up to three, as HTML. */
  body(): string {
    const count = this.random.int(3, 7);
    const paragraphs: string[] = [];
    let current: string[] = [];
    for (let k = 0; k < count; k++) {
      current.push(this.sentence());
      if (current.length === 3 || (current.length > 0 && this.random.chance(0.3))) {
        paragraphs.push(`<p>${current.join(' ')}</p>`);
        current = [];
      }
    }
    if (current.length) paragraphs.push(`<p>${current.join(' ')}</p>`);
    return paragraphs.join('');
  }
}

function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function sqlDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function sorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}
