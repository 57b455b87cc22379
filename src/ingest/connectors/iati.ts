import { ContentType } from '../../shared/content/content-status';
import { SourceKind } from '../../shared/content/source-kind';
import { DocumentError, type Connector, type EntryError, type FetchedDocument, type ItemDraft, type ParseResult, type RunContext } from '../connector';
import { parseXml } from '../xml';
import { alpha3OfAlpha2 } from './countries';
import { dacSectorName } from './iati-sectors';
import { attr, budgetUsd, child, children, dateTime, isoDate, narrativeOf, textOf } from './iati-values';
import { bodyText, collapse, cutAtWord, isStorableAmount, isWebUrl, MAX_AMOUNT, paragraphs } from './support';

const SUMMARY_LENGTH = 500;

/** Elements that may repeat, so that the parser always makes them arrays. */
const REPEATING = [
  'iati-activity', 'narrative', 'description', 'recipient-country', 'recipient-region', 'location', 'sector', 'participating-org',
  'activity-date', 'budget', 'tag', 'document-link', 'category', 'activity-website', 'transaction',
];

/**
 * IATI `activity-status` codes. Cancelled (5) is not imported: the activity is
 * withdrawn if it was. Suspended (6) counts as ongoing, since the project
 * exists and is expected to resume; the graph has no phase for a pause.
 */
const PHASES: Readonly<Record<string, 'PLANNED' | 'ONGOING' | 'COMPLETED' | 'CANCELLED'>> = {
  '1': 'PLANNED',
  '2': 'ONGOING',
  '3': 'COMPLETED',
  '4': 'COMPLETED',
  '5': 'CANCELLED',
  '6': 'ONGOING',
};

/** Old (1.x) names of activity date types, read as their 2.0x codes. */
const DATE_TYPES: Readonly<Record<string, string>> = { 'start-planned': '1', 'start-actual': '2', 'end-planned': '3', 'end-actual': '4' };

/**
 * Reads an IATI activity file (standard 2.0x, as UNDP and other partners
 * publish their project registers) into stabilisation projects. Large files
 * are the norm, so the document is parsed once and each activity is read with
 * plain property look-ups. `options.hierarchy`, when set, keeps only the
 * activities of that level (partners often publish a programme and its
 * projects as levels 1 and 2 of the same work).
 */
export const iatiConnector: Connector = {
  kind: SourceKind.IATI,
  parse: parseIatiActivities,
};

function parseIatiActivities(document: FetchedDocument, context: RunContext): ParseResult {
  const parsed = parseXml(bodyText(document), REPEATING);
  const root = parsed['iati-activities'];
  if (root === undefined) {
    const other = Object.keys(parsed).find((key) => !key.startsWith('?'));
    throw new DocumentError(`not an IATI activity file (root element ${other ? `<${other}>` : 'missing'}, expected <iati-activities>)`);
  }
  const fileLanguage = attr(root, 'xml:lang') || null;
  const hierarchy = context.source.options.hierarchy;
  const items: ItemDraft[] = [];
  const errors: EntryError[] = [];
  const withdrawn: string[] = [];
  const seen = new Set<string>();
  children(root, 'iati-activity').forEach((activity, index) => {
    if (hierarchy !== undefined && hierarchy !== null && String(hierarchy) !== (attr(activity, 'hierarchy') || '1')) return;
    const id = textOf(child(activity, 'iati-identifier'));
    if (!id) {
      errors.push({ position: `activity ${index + 1}`, message: 'no iati-identifier' });
      return;
    }
    const position = `activity ${id}`;
    if (seen.has(id)) {
      errors.push({ position, externalId: id, message: 'the same iati-identifier again: the first activity is kept' });
      return;
    }
    seen.add(id);
    const outcome = readActivity(activity, id, fileLanguage);
    if (outcome === 'cancelled') withdrawn.push(id);
    else if (typeof outcome === 'string') errors.push({ position, externalId: id, message: outcome });
    else items.push(outcome);
  });
  return withdrawn.length ? { items, errors, withdrawn } : { items, errors };
}

/** The activity as a draft, 'cancelled', or what is wrong with it. */
function readActivity(activity: unknown, id: string, fileLanguage: string | null): ItemDraft | 'cancelled' | string {
  const language = attr(activity, 'xml:lang') || fileLanguage;
  const statusCode = attr(child(activity, 'activity-status'), 'code');
  const phase = PHASES[statusCode];
  if (!phase) return statusCode ? `activity-status ${statusCode} is not an IATI status (1–6)` : 'no activity-status';
  if (phase === 'CANCELLED') return 'cancelled';

  const title = collapse(narrativeOf(child(activity, 'title'), language));
  if (!title) return 'no title';

  const countries = recipientCountries(activity);
  if (typeof countries === 'string') return countries;

  const dates = activityDates(activity);
  const startedOn = dates.get('2') ?? dates.get('1') ?? null;
  const completedOn = phase === 'COMPLETED' ? (dates.get('4') ?? null) : null;
  // IATI has no publication date: the activity's last revision dates it when it is first imported, and it keeps that time.
  const lastUpdated = dateTime(attr(activity, 'last-updated-datetime'));
  const publishedAt = lastUpdated ?? (startedOn ? new Date(`${startedOn}T00:00:00Z`) : null);
  if (!publishedAt) return 'neither a last-updated-datetime nor a start date';

  const budget = budgetUsd(activity, attr(activity, 'default-currency'));
  if (budget !== null && !isStorableAmount(budget)) return `a budget of ${budget.toLocaleString('en')} US dollars is more than can be kept (at most ${MAX_AMOUNT.toLocaleString('en')} either way)`;

  const description = descriptionOf(activity, language);
  return {
    externalId: id,
    type: ContentType.STABILISATION_PROJECT,
    title,
    summary: cutAtWord(collapse(description), SUMMARY_LENGTH),
    body: paragraphs(description),
    url: websiteOf(activity),
    publishedAt,
    ...(lastUpdated ? { publishedAtIsLastChange: true } : {}),
    language,
    countries: countries.all,
    tags: tagsOf(activity, language),
    fields: {
      sector: sectorOf(activity, language),
      phase,
      implementingPartner: implementingPartnerOf(activity, language),
      place: collapse(narrativeOf(child(child(activity, 'location'), 'name'), language)) || null,
      countryCode: countries.main,
      budgetUsd: budget,
      startedOn,
      completedOn,
    },
  };
}

/** Every recipient country as alpha-3, and the one with the largest share (the first on a tie). */
function recipientCountries(activity: unknown): { all: string[]; main: string } | string {
  const all: string[] = [];
  let main = '';
  let largest = -Infinity;
  for (const country of children(activity, 'recipient-country')) {
    const code = attr(country, 'code');
    const alpha3 = alpha3OfAlpha2(code);
    if (!alpha3) return `recipient-country ${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 code`;
    if (!all.includes(alpha3)) all.push(alpha3);
    const share = attr(country, 'percentage') === '' ? 100 : Number(attr(country, 'percentage'));
    if (share > largest) {
      largest = share;
      main = alpha3;
    }
  }
  return main ? { all, main } : 'no recipient-country (a region alone does not say where the project is)';
}

/** The first day of each activity-date type (1 planned start, 2 actual start, 3 planned end, 4 actual end). */
function activityDates(activity: unknown): Map<string, string> {
  const dates = new Map<string, string>();
  for (const date of children(activity, 'activity-date')) {
    const type = DATE_TYPES[attr(date, 'type')] ?? attr(date, 'type');
    const day = isoDate(attr(date, 'iso-date'));
    if (day && !dates.has(type)) dates.set(type, day);
  }
  return dates;
}

/** The general description (type 1, the default) or else the first one. */
function descriptionOf(activity: unknown, language: string | null): string {
  const descriptions = children(activity, 'description');
  const general = descriptions.find((description) => (attr(description, 'type') || '1') === '1') ?? descriptions[0];
  return general === undefined ? '' : narrativeOf(general, language);
}

/**
 * The first DAC sector (vocabulary 1, the default, or 2), named from the
 * table; sectors may instead be given per transaction. An activity with no
 * DAC sector gets the name of its first other sector, or DAC's "unallocated":
 * the graph requires a sector.
 */
function sectorOf(activity: unknown, language: string | null): string {
  const sectors = children(activity, 'sector');
  const candidates = sectors.length ? sectors : children(activity, 'transaction').flatMap((transaction) => children(transaction, 'sector'));
  for (const sector of candidates) {
    const vocabulary = attr(sector, 'vocabulary') || '1';
    const code = attr(sector, 'code');
    if ((vocabulary === '1' || vocabulary === '2' || vocabulary === 'DAC' || vocabulary === 'DAC-3') && code) return dacSectorName(code);
  }
  const other = candidates.length ? collapse(narrativeOf(candidates[0], language)) : '';
  return other || dacSectorName('998');
}

/** The implementing organisation (role 4; `Implementing` in 1.x), by name or else by its identifier. */
function implementingPartnerOf(activity: unknown, language: string | null): string | null {
  for (const org of children(activity, 'participating-org')) {
    const role = attr(org, 'role');
    if (role === '4' || role.toLowerCase() === 'implementing') return collapse(narrativeOf(org, language)) || attr(org, 'ref') || null;
  }
  return null;
}

/** `activity-website` (1.x), or the document link of category A12 ("activity web page"). */
function websiteOf(activity: unknown): string | null {
  const website = textOf(child(activity, 'activity-website'));
  if (website && isWebUrl(website)) return website;
  for (const link of children(activity, 'document-link')) {
    const url = attr(link, 'url');
    if (url && isWebUrl(url) && children(link, 'category').some((category) => attr(category, 'code') === 'A12')) return url;
  }
  return null;
}

function tagsOf(activity: unknown, language: string | null): string[] {
  const tags = new Set<string>();
  for (const tag of children(activity, 'tag')) {
    const text = collapse(narrativeOf(tag, language));
    if (text) tags.add(text);
  }
  return [...tags];
}
