import type { DataSource, QueryRunner } from 'typeorm';
import { ContentStatus, ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';
import type { ContentItemInput } from '../store/content-rows';
import { contentHashOf } from '../store/upsert';
import { searchDocument } from '../search/document';
import { localisedNationName } from '../member-nations/localised-names';
import { Locale } from '../shared/content/locale';
import members from './members.json';

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
  if (Number(existing) > 0) {
    throw new Error(`the database already holds ${Number(existing)} synthetic items; load synthetic content into a fresh database`);
  }
  if (Number(existingCampaigns) > 0) {
    throw new Error('the database already holds the synthetic campaigns (an interrupted load?); load synthetic content into a fresh database');
  }

  const memberCount = await insertMissingMembers(db, dialect);
  progress(`members: ${memberCount} inserted, ${members.length - memberCount} already there`);

  await withTransaction(db, (runner) =>
    insertRows(runner, dialect, 'campaign', CAMPAIGN_COLUMNS, campaigns.map((c) => [c.id, c.slug, c.hashtag, c.title, c.summary, 1])),
  );
  progress(`campaigns: ${campaigns.length} inserted`);

  const generator = new ItemGenerator(seed, count, campaigns);
  const campaignSlugs = new Map(campaigns.map((campaign) => [campaign.id, campaign.slug]));
  // Batches of about 5% of the load (500 to 10,000 items), so that progress comes about every 5%.
  const batchSize = Math.max(1, options.batchSize ?? Math.min(10_000, Math.max(500, Math.ceil(count / 20))));
  const totals = { contentNation: 0, contentCountry: 0, contentTag: 0, drafts: 0 };
  const byType = Object.fromEntries(Object.values(ContentType).map((type) => [type, 0])) as Record<ContentType, number>;
  let written = 0;
  let reportedStep = 0;
  while (written < count) {
    const size = Math.min(batchSize, count - written);
    const rows: Rows = { content: [], nation: [], country: [], tag: [], search: [] };
    for (let i = 0; i < size; i++) {
      const item = generator.next();
      byType[item.type]++;
      if (item.status === ContentStatus.DRAFT) totals.drafts++;
      addRows(rows, item, campaignSlugs);
    }
    await withTransaction(db, async (runner) => {
      await insertRows(runner, dialect, 'content', CONTENT_COLUMNS, rows.content);
      await insertRows(runner, dialect, 'content_nation', NATION_COLUMNS, rows.nation);
      await insertRows(runner, dialect, 'content_country', COUNTRY_COLUMNS, rows.country);
      await insertRows(runner, dialect, 'content_tag', TAG_COLUMNS, rows.tag);
      await insertRows(runner, dialect, 'search_entry', SEARCH_COLUMNS, rows.search);
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

/** Placeholders and limits of the two databases. */
interface Dialect {
  /** The n-th (1-based) placeholder. */
  param(n: number): string;
  /** Bound parameters one statement may carry. */
  readonly maxParameters: number;
}

function dialectOf(db: DataSource): Dialect {
  // PostgreSQL's wire protocol counts parameters in 16 bits; SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32,766.
  return db.options.type === 'postgres'
    ? { param: (n) => `$${n}`, maxParameters: 65_535 }
    : { param: () => '?', maxParameters: 32_766 };
}

/** At most this many rows per INSERT: big enough to amortise the round trip, small enough to parse quickly. */
const MAX_ROWS_PER_STATEMENT = 1_000;

const CONTENT_COLUMNS = [
  'id', 'type', 'slug', 'title', 'summary', 'url', 'status', 'published_at', 'campaign_id',
  'source_name', 'source_external_id', 'source_kind', 'content_hash', 'version',
  'places', 'outlet', 'original_url', 'platform', 'author_handle', 'text', 'hashtags', 'mentions', 'links',
  'sector', 'phase', 'implementing_partner', 'place', 'country_code', 'budget_usd', 'started_on', 'completed_on',
] as const;
const CAMPAIGN_COLUMNS = ['id', 'slug', 'hashtag', 'title', 'summary', 'version'] as const;
const NATION_COLUMNS = ['content_id', 'nation_code', 'content_type', 'status', 'published_at'] as const;
const COUNTRY_COLUMNS = ['content_id', 'country_code'] as const;
const TAG_COLUMNS = ['content_id', 'tag'] as const;
const SEARCH_COLUMNS = ['subject_type', 'subject_id', 'content_id', 'title', 'summary', 'body'] as const;

type Row = (string | number | null)[];
interface Rows {
  content: Row[];
  nation: Row[];
  country: Row[];
  tag: Row[];
  search: Row[];
}

/** Multi-row INSERTs of `rows` into `table`, as many rows per statement as the parameter limit allows. */
async function insertRows(runner: QueryRunner, dialect: Dialect, table: string, columns: readonly string[], rows: Row[]): Promise<void> {
  const perStatement = Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(dialect.maxParameters / columns.length));
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  let fullSql: string | undefined;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const sql = chunk.length === perStatement ? (fullSql ??= head + valuesList(dialect, columns.length, perStatement)) : head + valuesList(dialect, columns.length, chunk.length);
    await runner.query(sql, chunk.flat());
  }
}

function valuesList(dialect: Dialect, width: number, rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const params: string[] = [];
    for (let c = 1; c <= width; c++) params.push(dialect.param(r * width + c));
    tuples.push(`(${params.join(', ')})`);
  }
  return tuples.join(', ');
}

async function withTransaction(db: DataSource, work: (runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      await work(runner);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
  } finally {
    await runner.release();
  }
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
        SEARCH_COLUMNS,
        missing.map((m) => {
          const names = [m.code, ...Object.values(Locale).map((locale) => localisedNationName(m.code, m.name, locale))];
          const document = searchDocument([{ title: names.join('\n'), summary: m.region ?? '' }]);
          return ['NATION', m.code, null, document.title, document.summary, document.body];
        }),
      );
    });
  }
  return missing.length;
}

function addRows(rows: Rows, item: SyntheticItem, campaignSlugs: ReadonlyMap<string, string>): void {
  const publishedAt = sqlTimestamp(item.publishedAt);
  rows.content.push([
    item.id, item.type, item.slug, item.title, item.summary, item.url, item.status, publishedAt, item.campaignId,
    SYNTHETIC_SOURCE, item.externalId, SourceKind.SYNTHETIC, contentHashOf(syntheticInput(item, campaignSlugs)), 1,
    json(item.places), item.outlet, item.originalUrl, item.platform, item.authorHandle, item.text,
    json(item.hashtags), json(item.mentions), json(item.links),
    item.sector, item.phase, item.implementingPartner, item.place, item.countryCode, item.budgetUsd, item.startedOn, item.completedOn,
  ]);
  for (const code of item.nations) rows.nation.push([item.id, code, item.type, item.status, publishedAt]);
  for (const code of item.countries) rows.country.push([item.id, code]);
  for (const tag of item.tags) rows.tag.push([item.id, tag]);
  // Findable as an item any writer makes is: its text normalised for the search index.
  const document = searchDocument([{ title: item.title, summary: item.summary, extra: [item.place, item.text] }]);
  rows.search.push(['CONTENT', item.id, item.id, document.title, document.summary, document.body]);
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

const PLACES: Record<string, string[]> = {
  IRQ: ['Mosul', 'West Mosul', 'Ramadi', 'Fallujah', 'Sinjar', 'Tikrit', 'Anah', 'Hit', 'Baiji', 'Tal Afar', 'Qayyarah', 'Rutba', 'Hawija', 'Baghdad', 'Erbil'],
  SYR: ['Raqqa', 'Tabqa', 'Tal Abyad', 'Deir ez-Zor', 'Hajin', 'Manbij', 'Kobani', 'Hasakah', 'Baghuz', 'al-Hol', 'Ain Issa', 'Shaddadi'],
  NGA: ['Maiduguri', 'Borno State', 'Yobe State'],
  AFG: ['Nangarhar', 'Kunar', 'Jalalabad'],
  SOM: ['Puntland', 'Bosaso'],
  LBY: ['Sirte', 'Derna', 'Sabha'],
  PHL: ['Marawi', 'Sulu'],
  MLI: ['Menaka', 'Gao'],
};

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

const HEADLINE_SUBJECTS = [
  'schools reopen', 'families return', 'a water station is restored', 'mine clearance continues', 'power returns', 'a hospital wing opens',
  'teachers are trained', 'a bridge is rebuilt', 'markets reopen', 'police graduate', 'detainees are repatriated', 'camps face new pressure',
  'Daesh cells are disrupted', 'financing networks are exposed', 'foreign fighters face trial', 'a clinic is rehabilitated',
  'farmers replant their fields', 'roads are cleared', 'young people find work', 'women lead a local council',
];
const HEADLINE_FRAMES = ['{Place}: {subject}', 'In {place}, {subject}', '{Subject} in {place}', 'How {subject} in {place}', '{Subject} across {country}'];
const STORY_FRAMES = ['{Subject} in {place}', 'Voices from {place}: {subject}', 'Meet the people of {place} as {subject}', 'After Daesh, {subject} in {place}'];
const POST_FRAMES = ['Update from {place}: {subject}', 'Today in {place}, {subject}', '{Subject} in {place}', 'Watch: {subject} in {place}'];
const PROJECT_FRAMES = ['{Place} {sector} project', 'Rehabilitation of {sector} services in {place}', '{Sector} support for {place}', '{Place}: {sector} restoration'];

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
  private readonly slotMs: number;
  private readonly campaignWindowMs: number;
  private index = 0;

  constructor(
    private readonly seed: number,
    private readonly count: number,
    private readonly campaigns: readonly SyntheticCampaign[],
  ) {
    this.random = new Random(mulberry32(seed));
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

    const countryName = COUNTRY_NAMES.get(first) ?? first;
    const localPlaces = PLACES[first] ?? [];
    const place = localPlaces.length ? r.pick(localPlaces) : countryName;
    const where = place === countryName ? place : `${place}, ${countryName}`;
    const subject = r.pick(HEADLINE_SUBJECTS);
    const base: Mutable<SyntheticItem> = {
      id, type, status, publishedAt, countries: sorted([...countries]), nations, tags,
      slug: '', title: '', summary: '', url: null, campaignId: null, externalId: String(i + 1).padStart(7, '0'),
      places: null, outlet: null, originalUrl: null, platform: null, authorHandle: null, text: null, hashtags: null, mentions: null, links: null,
      sector: null, phase: null, implementingPartner: null, place: null, countryCode: null, budgetUsd: null, startedOn: null, completedOn: null,
    };
    const fill = (frames: readonly string[], extra: Record<string, string> = {}) =>
      headline(r.pick(frames), { place, subject, country: countryName, ...extra });

    switch (type) {
      case ContentType.DIGEST_ARTICLE: {
        base.outlet = r.pick(OUTLETS);
        base.title = fill(HEADLINE_FRAMES);
        base.summary = `${base.outlet} reports that ${subject} in ${where}. The coalition’s digest summarises the article.`;
        base.originalUrl = r.chance(0.6) ? `https://news.example/${slugify(base.outlet)}/${i + 1}` : null;
        break;
      }
      case ContentType.CAMPAIGN_STORY: {
        const campaign = this.activeCampaign(publishedAt);
        base.campaignId = campaign.id;
        base.title = fill(STORY_FRAMES);
        base.summary = `Part of ${campaign.title}: ${subject} in ${place}, told by the people who live there.`;
        base.places = localPlaces.length ? sorted([place, ...r.sample(localPlaces, r.int(0, 2))]) : [];
        base.url = `https://stories.example/${slugify(base.title)}-${i + 1}/`;
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
        base.title = fill(POST_FRAMES);
        base.hashtags = hashtags;
        base.mentions = r.sample(HANDLES, r.int(0, 2));
        base.links = r.chance(0.4) ? [`https://t.example/${(i + 1).toString(36)}`] : [];
        base.text = `${base.title}.${hashtags.map((tag) => ` #${tag}`).join('')}${base.mentions.map((m) => ` @${m}`).join('')}`;
        base.summary = `A post about how ${subject} in ${place}.`;
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
        base.title = fill(PROJECT_FRAMES, { sector: sector.replace('-', ' ') });
        base.summary = `A ${sector.replace('-', ' ')} project in ${where}: ${subject}. ${phase === 'COMPLETED' ? 'Completed.' : phase === 'ONGOING' ? 'Under way.' : 'Planned.'}`;
        break;
      }
    }
    base.slug = `${slugify(base.title).slice(0, 140).replace(/-+$/, '')}-${i + 1}`;
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

function headline(frame: string, words: Record<string, string>): string {
  return frame.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = words[key.toLowerCase()] ?? key;
    return key[0] === key[0].toUpperCase() ? value[0].toUpperCase() + value.slice(1) : value;
  });
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
