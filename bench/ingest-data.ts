import fs from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../src/demo/synthetic';
import members from '../src/demo/members.json';

/**
 * The documents `bench:ingest` serves (issues 11 and 12): news feeds of 1,000
 * entries each in RSS 2.0, Atom 1.0 and JSON Feed 1.1 by turns, an IATI 2.03
 * activity file and a CSV project register. Made from a fixed-seed PRNG, so the
 * same options give the same bytes (and so the same ETags) on every run.
 * Titles, summaries and bodies name member nations, places and organisations,
 * so that enrichment (`findNations`) has real work on every item.
 */

const COUNTRIES = members.filter((m) => m.kind === 'COUNTRY');
const ISO2 = COUNTRIES.filter((m) => m.iso2).map((m) => m.iso2 as string);
const PLACES = ['Mosul', 'Raqqa', 'Fallujah', 'Ramadi', 'Deir ez-Zor', 'Sinjar', 'Tikrit', 'Kirkuk', 'Hasakah', 'Tal Afar', 'Baiji', 'Manbij', 'Ninewa Plains', 'Anbar'];
const TOPICS = ['water treatment', 'electricity networks', 'schools', 'health clinics', 'demining', 'housing repairs', 'livelihoods', 'police training', 'rubble removal', 'bridges', 'grain silos', 'psychosocial support'];
const VERBS = ['pledges support for', 'funds', 'completes', 'reopens', 'announces new', 'reviews progress on', 'extends', 'hands over'];
const SECTORS = ['Water supply', 'Electricity', 'Education', 'Health', 'Demining', 'Housing', 'Livelihoods', 'Governance', 'Infrastructure'];
const PHASES = ['Planned', 'Ongoing', 'Completed', 'In progress', 'completed'];
const PARTNERS = ['UNDP Funding Facility for Stabilization', 'UNMAS', 'Example Mine Action Partner', 'UNICEF', 'IOM', 'Local Council Reconstruction Office'];
const SENTENCES = [
  'Officials from {A} and {B} visited the site with local authorities and representatives of returning families.',
  'The work, funded by {A}, employs about {N} people from the surrounding neighbourhoods.',
  'Engineers expect the first phase to be finished before the summer, when demand peaks.',
  'The Coalition thanked {A} for its contribution and {B} for the technical expertise it provided.',
  'Community leaders in {P} said the project would let more displaced families come home.',
  'Since 2017 the Coalition has supported more than {N} stabilisation projects in Iraq and Syria.',
  'Partners will report on the results at the next meeting of the stabilisation working group.',
  'The programme also trains local staff to maintain the equipment once the partners hand it over.',
];

/** How many of each to make. */
export interface IngestDataOptions {
  readonly sources: number;
  readonly entriesPerSource: number;
  readonly activities: number;
  readonly csvRows: number;
  readonly seed?: number;
}

/** One generated document on disk, with the path the server serves it at. */
export interface GeneratedDocument {
  readonly route: string;
  readonly file: string;
  readonly contentType: string;
  readonly bytes: number;
  /** FEED, IATI or CSV */
  readonly kind: 'FEED' | 'IATI' | 'CSV';
  readonly items: number;
}

class Pick {
  constructor(private readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  one<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Story {
  title: string;
  summary: string;
  paragraphs: string[];
  published: Date;
}

function story(pick: Pick, n: number, base: number): Story {
  const a = pick.one(COUNTRIES).name;
  const b = pick.one(COUNTRIES).name;
  const place = pick.one(PLACES);
  const fill = (s: string) => s.replace('{A}', a).replace('{B}', b).replace('{P}', place).replace('{N}', String(50 + pick.int(4000)));
  const title = `${a} ${pick.one(VERBS)} ${pick.one(TOPICS)} in ${place} (${n})`;
  const summary = fill(`${pick.one(SENTENCES)} ${pick.one(SENTENCES)}`);
  const paragraphs = Array.from({ length: 3 + pick.int(3) }, () => fill(`${pick.one(SENTENCES)} ${pick.one(SENTENCES)} ${pick.one(SENTENCES)}`));
  return { title, summary, paragraphs, published: new Date(base - n * 3_600_000 - pick.int(3_000_000)) };
}

function rss(source: number, stories: Story[]): string {
  const items = stories.map((s, i) => {
    const link = `https://feeds.example.org/s${source}/news/${i}`;
    return `<item><title>${xml(s.title)}</title><link>${link}</link><guid isPermaLink="true">${link}</guid><pubDate>${s.published.toUTCString()}</pubDate>` +
      `<category>Stabilisation</category><category>${xml(s.title.split(' ')[0])}</category><description>${xml(s.summary)}</description>` +
      `<content:encoded><![CDATA[${s.paragraphs.map((p) => `<p>${p}</p>`).join('')}]]></content:encoded></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench outlet ${source}</title>` +
    `<link>https://feeds.example.org/s${source}/</link><description>Generated for bench:ingest</description><language>en</language>\n${items.join('\n')}\n</channel></rss>\n`;
}

function atom(source: number, stories: Story[]): string {
  const entries = stories.map((s, i) => {
    const link = `https://feeds.example.org/s${source}/news/${i}`;
    return `<entry><id>tag:feeds.example.org,2024:s${source}-${i}</id><title>${xml(s.title)}</title><link rel="alternate" href="${link}"/>` +
      `<updated>${s.published.toISOString()}</updated><published>${s.published.toISOString()}</published><category term="Stabilisation"/>` +
      `<summary>${xml(s.summary)}</summary><content type="html">${xml(s.paragraphs.map((p) => `<p>${p}</p>`).join(''))}</content></entry>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Bench outlet ${source}</title><id>tag:feeds.example.org,2024:s${source}</id>` +
    `<updated>${stories[0]?.published.toISOString() ?? new Date(0).toISOString()}</updated><link rel="self" href="https://feeds.example.org/s${source}/atom"/>\n${entries.join('\n')}\n</feed>\n`;
}

function jsonFeed(source: number, stories: Story[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: `Bench outlet ${source}`,
    home_page_url: `https://feeds.example.org/s${source}/`,
    language: 'en',
    items: stories.map((s, i) => ({
      id: `s${source}-${i}`,
      url: `https://feeds.example.org/s${source}/news/${i}`,
      title: s.title,
      summary: s.summary,
      content_html: s.paragraphs.map((p) => `<p>${p}</p>`).join(''),
      date_published: s.published.toISOString(),
      tags: ['Stabilisation'],
    })),
  });
}

/** The feed format of source `i`: RSS, Atom and JSON Feed by turns. */
export function feedFormat(i: number): 'rss' | 'atom' | 'json' {
  return (['rss', 'atom', 'json'] as const)[i % 3];
}

function iati(pick: Pick, count: number): string {
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" generated-datetime="2024-04-02T06:00:00Z" xml:lang="en">\n`];
  for (let i = 0; i < count; i++) {
    const s = story(pick, i, Date.UTC(2024, 3, 1));
    const iso2 = pick.int(3) === 0 ? pick.one(ISO2) : pick.one(['IQ', 'SY']);
    const status = 1 + pick.int(4);
    const start = new Date(Date.UTC(2016 + pick.int(7), pick.int(12), 1 + pick.int(28))).toISOString().slice(0, 10);
    parts.push(
      `<iati-activity last-updated-datetime="${s.published.toISOString().slice(0, 19)}Z" xml:lang="en" default-currency="USD" hierarchy="2">` +
        `<iati-identifier>XM-BENCH-${String(i).padStart(6, '0')}</iati-identifier><reporting-org ref="XM-BENCH" type="40"><narrative>Bench reporting organisation</narrative></reporting-org>` +
        `<title><narrative>${xml(s.title)}</narrative></title><description type="1"><narrative>${xml(s.paragraphs.join('\n\n'))}</narrative></description>` +
        `<participating-org ref="XM-BENCH" role="4" type="40"><narrative>${xml(pick.one(PARTNERS))}</narrative></participating-org>` +
        `<activity-status code="${status}"/><activity-date iso-date="${start}" type="1"/><activity-date iso-date="${start}" type="2"/>` +
        `<recipient-country code="${iso2}" percentage="100"/><location><name><narrative>${xml(pick.one(PLACES))}</narrative></name></location>` +
        `<sector vocabulary="1" code="${pick.one(['14021', '15220', '11220', '12220', '23630', '16010'])}" percentage="100"/>` +
        `<tag vocabulary="99" vocabulary-uri="https://example.org/tags" code="returns"><narrative>Returns</narrative></tag>` +
        `<budget type="1" status="2"><period-start iso-date="2019-01-01"/><period-end iso-date="2019-12-31"/><value currency="USD" value-date="2019-01-01">${100_000 + pick.int(5_000_000)}.00</value></budget>` +
        `</iati-activity>\n`,
    );
  }
  parts.push('</iati-activities>\n');
  return parts.join('');
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(pick: Pick, count: number): string {
  const lines = ['Project ID,Title,Description,Country,Sector,Status,Implementing partner,Location,Budget (USD),Start date,End date,Tags,Last updated'];
  for (let i = 0; i < count; i++) {
    const s = story(pick, i, Date.UTC(2024, 3, 1));
    const iso2 = pick.int(3) === 0 ? pick.one(ISO2) : pick.one(['IQ', 'SY']);
    const start = new Date(Date.UTC(2016 + pick.int(7), pick.int(12), 1 + pick.int(28))).toISOString().slice(0, 10);
    lines.push(
      [
        `BENCH-${String(i).padStart(6, '0')}`,
        s.title,
        `${s.summary} ${s.paragraphs[0]}`,
        iso2,
        pick.one(SECTORS),
        pick.one(PHASES),
        pick.one(PARTNERS),
        pick.one(PLACES),
        String(50_000 + pick.int(3_000_000)),
        start,
        '',
        'stabilisation;returns',
        s.published.toISOString().slice(0, 10),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes the documents under `dir` (kept between runs: a directory whose
 * manifest matches the options is reused) and returns them.
 */
export function generateIngestData(dir: string, options: IngestDataOptions): GeneratedDocument[] {
  const manifestFile = path.join(dir, 'manifest.json');
  const key = JSON.stringify({ ...options, seed: options.seed ?? 1, version: 1 });
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { key: string; documents: GeneratedDocument[] };
    if (manifest.key === key && manifest.documents.every((d) => fs.existsSync(d.file))) return manifest.documents;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pick = new Pick(mulberry32(options.seed ?? 1));
  const documents: GeneratedDocument[] = [];
  const save = (route: string, name: string, contentType: string, kind: GeneratedDocument['kind'], items: number, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    documents.push({ route, file, contentType, bytes: Buffer.byteLength(text), kind, items });
  };
  for (let source = 0; source < options.sources; source++) {
    const stories = Array.from({ length: options.entriesPerSource }, (_, n) => story(pick, n, Date.UTC(2024, 5, 1) - source * 60_000));
    const format = feedFormat(source);
    const [text, ext, type] =
      format === 'rss' ? [rss(source, stories), 'rss', 'application/rss+xml'] : format === 'atom' ? [atom(source, stories), 'atom', 'application/atom+xml'] : [jsonFeed(source, stories), 'json', 'application/feed+json'];
    save(`/feeds/s${source}.${ext}`, `feed-${source}.${ext}`, type, 'FEED', stories.length, text);
  }
  if (options.activities > 0) save('/iati/activities.xml', 'iati-activities.xml', 'application/xml', 'IATI', options.activities, iati(pick, options.activities));
  if (options.csvRows > 0) save('/csv/projects.csv', 'projects.csv', 'text/csv', 'CSV', options.csvRows, csv(pick, options.csvRows));
  fs.writeFileSync(manifestFile, JSON.stringify({ key, documents }, null, 2));
  return documents;
}
