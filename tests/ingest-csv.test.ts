import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DocumentError, type FetchedDocument, type ItemDraft, type RunContext } from '../src/ingest/connector';
import { csvConnector, derivedId } from '../src/ingest/connectors/csv';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';

const FIXTURE = join(__dirname, '../../examples/sources/projects.csv');
const FFS = 'UNDP Funding Facility for Stabilization';

function context(options: Record<string, unknown> = {}, targetType = ContentType.STABILISATION_PROJECT): RunContext {
  return {
    source: { name: 'FFS project register', kind: SourceKind.CSV, location: '/data/ffs/projects.csv', targetType, options },
    documentNumber: 1,
    lastSuccessAt: null,
    fullListing: false,
  };
}

function document(body: string | Buffer): FetchedDocument {
  return { url: 'file:///data/ffs/projects.csv', status: 200, contentType: 'text/csv', headers: {}, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const parse = (body: string | Buffer, options?: Record<string, unknown>, targetType?: ContentType) => csvConnector.parse(document(body), context(options, targetType));

interface Project {
  id: string;
  title: string;
  summary: string;
  body?: string;
  publishedAt?: string | null;
  countries?: string[];
  tags?: string[];
  sector: string;
  phase: string;
  partner?: string | null;
  place?: string | null;
  country: string;
  budget: number | null;
  start: string | null;
  end?: string | null;
  url?: string | null;
  language?: string | null;
}

function project(p: Project): ItemDraft {
  return {
    externalId: p.id,
    type: ContentType.STABILISATION_PROJECT,
    title: p.title,
    summary: p.summary,
    body: p.body ?? (p.summary ? `<p>${p.summary}</p>` : null),
    url: p.url ?? null,
    publishedAt: p.publishedAt ? new Date(p.publishedAt) : null,
    language: p.language ?? null,
    countries: p.countries ?? [p.country],
    tags: p.tags ?? [],
    fields: {
      sector: p.sector,
      phase: p.phase,
      implementingPartner: p.partner ?? null,
      place: p.place ?? null,
      countryCode: p.country,
      budgetUsd: p.budget,
      startedOn: p.start,
      completedOn: p.end ?? null,
    },
  };
}

const FIXTURE_PROJECTS: Project[] = [
  {
    id: 'FFS-IQ-0101',
    title: 'Rehabilitation of Al-Shifa hospital, West Mosul',
    summary: 'Repair of the surgical wing and emergency department damaged during the battle for Mosul.',
    publishedAt: '2024-02-01T00:00:00Z',
    tags: ['health', 'mosul'],
    sector: 'Health',
    phase: 'COMPLETED',
    partner: FFS,
    place: 'West Mosul, Ninewa',
    country: 'IRQ',
    budget: 4200000,
    start: '2018-05-01',
    end: '2020-11-30',
  },
  {
    id: 'FFS-IQ-0102',
    title: 'Reopening of the engineering faculty of Anbar University',
    // A quoted line break: two paragraphs in the body, one line in the summary.
    summary: 'Rebuilding of lecture halls and laboratories. Equipment for 2,000 students.',
    body: '<p>Rebuilding of lecture halls and laboratories.</p><p>Equipment for 2,000 students.</p>',
    publishedAt: '2024-02-03T00:00:00Z',
    tags: ['education'],
    sector: 'Education',
    phase: 'ONGOING',
    partner: FFS,
    place: 'الرمادي',
    country: 'IRQ',
    budget: 1250000,
    start: '2021-09-01',
  },
  {
    id: 'FFS-SY-0201',
    title: 'Clearance of explosive hazards in Raqqa',
    summary: 'Survey and clearance of explosive remnants of war in residential districts.',
    publishedAt: '2024-01-20T09:30:00Z',
    tags: ['demining', 'returns'],
    sector: 'Demining',
    phase: 'ONGOING',
    partner: 'Example Mine Action Partner',
    place: 'Raqqa',
    country: 'SYR',
    budget: 2500000,
    start: '2022-02-01',
  },
  {
    id: 'FFS-IQ-0103',
    title: 'Electricity substation for Sinjar',
    summary: 'New 33 kV substation to restore power to returning families.',
    publishedAt: '2024-03-01T00:00:00Z',
    sector: 'Energy',
    phase: 'PLANNED',
    place: 'Sinjar',
    country: 'IRQ',
    // No budget in the sheet.
    budget: null,
    start: '2025-01-15',
  },
  {
    id: 'FFS-IQ-0105',
    title: 'Vocational training for young people in Fallujah',
    summary: 'Courses in plumbing, electrics and tailoring.',
    publishedAt: '2023-05-05T00:00:00Z',
    tags: ['livelihoods'],
    sector: 'Livelihoods',
    phase: 'COMPLETED',
    partner: 'Example NGO, Fallujah branch',
    place: 'Fallujah',
    country: 'IRQ',
    budget: 600000,
    start: '2019-03-01',
    end: '2020-03-01',
  },
  {
    id: 'FFS-SY-0202',
    title: 'Bakeries in Tabqa',
    summary: 'Two bakeries rebuilt and supplied with flour for six months.',
    publishedAt: '2023-11-11T00:00:00Z',
    tags: ['food'],
    sector: 'Food security',
    phase: 'COMPLETED',
    partner: 'Example Relief Partner',
    place: 'Tabqa',
    country: 'SYR',
    budget: 300001,
    start: '2020-01-15',
    end: '2020-09-30',
  },
  {
    id: 'FFS-IQ-0107',
    title: 'Schools in Hawija',
    summary: 'Repair of six primary schools.',
    publishedAt: '2024-02-20T00:00:00Z',
    tags: ['education', 'thisgenerationlearns'],
    sector: 'Education',
    phase: 'ONGOING',
    partner: 'Kirkuk Education Directorate',
    place: 'Hawija, Kirkuk',
    country: 'IRQ',
    budget: 900000,
    start: '2023-10-01',
  },
  {
    id: 'FFS-IQ-0108',
    title: 'Bridge over the Tigris at Qayyarah',
    summary: 'Reconstruction of the road bridge.',
    publishedAt: '2024-01-05T00:00:00Z',
    sector: 'Transport',
    phase: 'ONGOING',
    place: 'Qayyarah',
    country: 'IRQ',
    budget: 1100000,
    start: '2022-06-15',
  },
];

const HEADER = 'id,title,country,sector,phase';

describe('CSV connector', () => {
  describe('the fixture register', () => {
    const sheet = readFileSync(FIXTURE);

    it('reads every good row, reports the bad one by its physical line, withdraws the cancelled one, and is complete as a full snapshot', () => {
      assert.deepEqual(parse(sheet, { dateColumn: 'Last updated', fullSnapshot: true }), {
        items: FIXTURE_PROJECTS.map(project),
        // Line 7: the header is line 1 and row FFS-IQ-0102 spans lines 3 and 4.
        errors: [{ position: 'line 7', externalId: 'FFS-IQ-0104', message: 'column "Status": "paused" is not a phase: planned, ongoing or completed' }],
        withdrawn: ['FFS-IQ-0106'],
        complete: true,
      });
    });

    it('leaves the date to the first import without a date column, and is not complete unless a full snapshot', () => {
      const result = parse(sheet);
      assert.deepEqual(result.items, FIXTURE_PROJECTS.map((p) => project({ ...p, publishedAt: null })));
      assert.equal(result.complete, undefined);
    });
  });

  describe('delimiters, encodings and line ends', () => {
    it('detects a semicolon, with decimal commas and dotted dates', () => {
      const sheet = 'ID;Title;Country code;Sector;Phase;Budget USD;Start date\n1;École de Raqqa, aile nord;SYR;Education;En cours;1.250.000,00;15.03.2021\n';
      assert.deepEqual(parse(sheet).errors, [{ position: 'line 2', externalId: '1', message: 'column "Phase": "En cours" is not a phase: planned, ongoing or completed' }]);
      const [item] = parse(sheet.replace('En cours', 'in-progress')).items;
      assert.deepEqual(item, project({ id: '1', title: 'École de Raqqa, aile nord', summary: '', sector: 'Education', phase: 'ONGOING', country: 'SYR', budget: 1250000, start: '2021-03-15' }));
    });

    it('takes the delimiter the options set', () => {
      const sheet = `${HEADER.replace(/,/g, '\t')}\n7\tA school, rebuilt\tIQ\tEducation\tplanned\n`;
      assert.equal(parse(sheet, { delimiter: 'tab' }).items[0].title, 'A school, rebuilt');
      assert.equal(parse(sheet.replace(/\t/g, '|'), { delimiter: '|' }).items[0].title, 'A school, rebuilt');
      assert.throws(() => parse(sheet, { delimiter: ';;' }), /one character/);
    });

    it('reads a UTF-8 byte-order mark and UTF-16 from a spreadsheet’s “Unicode text”', () => {
      const sheet = `${HEADER}\r\n1,مدرسة الموصل,IQ,Education,planned\r\n`;
      assert.equal(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sheet)])).items[0].externalId, '1');
      assert.equal(parse(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sheet, 'utf16le')])).items[0].title, 'مدرسة الموصل');
    });

    it('fails a file that is not UTF-8, empty, or cut inside a quoted field', () => {
      assert.throws(() => parse(Buffer.from(`${HEADER}\n1,Caf\xe9,IQ,x,planned\n`, 'latin1')), { name: 'DocumentError', message: 'file:///data/ffs/projects.csv is not UTF-8 text' });
      assert.throws(() => parse(' \r\n'), /empty/);
      assert.throws(() => parse(`${HEADER}\n1,"A school,IQ,Education,planned\n2,B,IQ,Education,planned\n`), /ends inside a quoted field/);
    });

    it('reads a header alone as no rows, and skips rows with no value at all', () => {
      assert.deepEqual(parse(`${HEADER}\n`), { items: [], errors: [] });
      assert.deepEqual(parse(`${HEADER}\n,,,,\n\n ,, ,,\n`), { items: [], errors: [] });
    });
  });

  describe('columns', () => {
    it('maps headers through options.fieldMap and the date column through options.dateColumn', () => {
      const sheet = 'Réf.,Projet,Pays,Secteur,Statut,Mis à jour\nR-1,Puits à Deir ez-Zor,Syrie,Water,completed,2024-01-31T10:00:00+03:00\n';
      const options = { fieldMap: { 'réf': 'externalId', projet: 'title', pays: 'countryCode', secteur: 'sector', statut: 'phase' }, dateColumn: 'mis à jour' };
      assert.deepEqual(parse(sheet, options).errors, [{ position: 'line 2', externalId: 'R-1', message: 'column "Pays": "Syrie" is not a country: an ISO code (IQ, IRQ) or an English name' }]);
      const [item] = parse(sheet.replace('Syrie', 'SY'), options).items;
      assert.deepEqual(item, project({ id: 'R-1', title: 'Puits à Deir ez-Zor', summary: '', sector: 'Water', phase: 'COMPLETED', country: 'SYR', budget: null, start: null, publishedAt: '2024-01-31T07:00:00Z' }));
    });

    it('refuses a field map to an unknown field and a date column that is not there', () => {
      assert.throws(() => parse(`${HEADER}\n`, { fieldMap: { id: 'identifier' } }), /maps "id" to "identifier", which is none of externalId/);
      assert.throws(() => parse(`${HEADER}\n`, { dateColumn: 'Updated' }), /options.dateColumn names "Updated"/);
    });

    it('fails a header row without the columns a project needs', () => {
      assert.throws(() => parse('id,name,sector\n1,x,y\n'), {
        name: 'DocumentError',
        message: 'the header row lacks countryCode or countries, phase (header: id,name,sector; see options.fieldMap)',
      });
      assert.throws(() => parse('id,country\n1,IQ\n', {}, ContentType.DIGEST_ARTICLE), /lacks title/);
    });

    it('reads several countries, names in English and Kosovo', () => {
      const sheet = 'title,countries,sector,phase\nCross-border support,Iraq; Syrian Arab Republic;IQ,Civil society,ongoing\nWater in Pristina,XK,Water,planned\nLearning in Türkiye,Türkiye,Education,planned\n';
      const [cross, kosovo, turkey] = parse(sheet).items;
      assert.deepEqual(cross.countries, ['IRQ', 'SYR']);
      assert.equal((cross.fields as { countryCode: string }).countryCode, 'IRQ');
      assert.deepEqual(kosovo.countries, ['XKX']);
      assert.deepEqual(turkey.countries, ['TUR']);
    });

    it('derives stable ids from title and country without an id column', () => {
      const sheet = 'title,country,sector,phase\nSchools in Hawija,Iraq,Education,ongoing\n"schools  in HAWIJA",IQ,Education,completed\nSchools in Hawija,SY,Education,ongoing\n';
      const result = parse(sheet);
      const id = derivedId('Schools in Hawija', 'IRQ');
      assert.match(id, /^csv-[0-9a-f]{20}$/);
      assert.deepEqual(
        result.items.map((item) => item.externalId),
        [id, derivedId('Schools in Hawija', 'SYR')],
      );
      assert.deepEqual(result.errors, [{ position: 'line 3', externalId: id, message: `the same id as line 2 ("${id}"): the first row is kept` }]);
    });

    it('makes the shared fields only for another target type', () => {
      const sheet = 'id,title,description,url,date,tags,language\nd-1,Weekly digest,"Press reports, in brief.",https://example.org/digest/1,2024-03-01,digest;weekly,en\n';
      assert.deepEqual(parse(sheet, {}, ContentType.DIGEST_ARTICLE).items, [
        {
          externalId: 'd-1',
          type: ContentType.DIGEST_ARTICLE,
          title: 'Weekly digest',
          summary: 'Press reports, in brief.',
          body: '<p>Press reports, in brief.</p>',
          url: 'https://example.org/digest/1',
          publishedAt: new Date('2024-03-01T00:00:00Z'),
          language: 'en',
          countries: [],
          tags: ['digest', 'weekly'],
          fields: {},
        },
      ]);
    });
  });

  describe('bad rows', () => {
    it('names every bad column and value of a row, and goes on with the next', () => {
      const sheet = [
        'id,title,country,sector,phase,budget,start date,end date,url,language',
        '1,Market,Atlantis,Livelihoods,ongoing,€500000,31/02/2021,2021-13-01,ftp://example.org/x,english!',
        '2,Clinic,IQ,Health,ongoing,"$1,000",2021-02-28,,https://example.org/clinic,ar',
        '3,,IQ,,,,,,,',
        ',No id,IQ,Health,planned,,,,,',
        '5,Wide,IQ,Health,planned,,,,,,surplus',
        '6,Nowhere,,Health,planned,,,,,',
      ].join('\n');
      const result = parse(sheet);
      assert.deepEqual(result.errors, [
        {
          position: 'line 2',
          externalId: '1',
          message:
            'column "country": "Atlantis" is not a country: an ISO code (IQ, IRQ) or an English name; ' +
            'column "budget": "€500000" is not an amount in US dollars, e.g. 1,250,000; ' +
            'column "start date": "31/02/2021" is not a date: YYYY-MM-DD or DD/MM/YYYY; ' +
            'column "end date": "2021-13-01" is not a date: YYYY-MM-DD or DD/MM/YYYY; ' +
            'column "url": "ftp://example.org/x" is not an http(s) address; ' +
            'column "language": "english!" is not a language code such as en or ar',
        },
        { position: 'line 4', externalId: '3', message: 'column "title" is empty; column "sector" is empty; column "phase" is empty' },
        { position: 'line 5', message: 'column "id" is empty' },
        { position: 'line 6', externalId: '5', message: '11 fields where the header has 10' },
        { position: 'line 7', externalId: '6', message: 'no country (column "country")' },
      ]);
      assert.deepEqual(result.items, [
        project({ id: '2', title: 'Clinic', summary: '', sector: 'Health', phase: 'ONGOING', country: 'IRQ', budget: 1000, start: '2021-02-28', url: 'https://example.org/clinic', language: 'ar' }),
      ]);
    });

    it('reads the phases and budgets people write', () => {
      const phases = ['Planned', 'PIPELINE', 'not started', 'On-going', 'In Progress', 'suspended', 'Complete', 'closed', 'Finished'];
      const sheet = [`${HEADER},budget`, ...phases.map((phase, i) => `${i},P${i},IQ,Water,${phase},${['1000', '"1,000.49"', 'USD 1 000', '$1000', '"1.000,5"', 'US$1000', '1000.5', '"1,000"', '1000 USD'][i]}`)].join('\n');
      const items = parse(sheet).items;
      assert.deepEqual(
        items.map((item) => [(item.fields as { phase: string }).phase, (item.fields as { budgetUsd: number }).budgetUsd]),
        [['PLANNED', 1000], ['PLANNED', 1000], ['PLANNED', 1000], ['ONGOING', 1000], ['ONGOING', 1001], ['ONGOING', 1000], ['COMPLETED', 1001], ['COMPLETED', 1000], ['COMPLETED', 1000]],
      );
    });
  });

  describe('values no column can keep as they are', () => {
    it('refuses a budget past 2^53 − 1 dollars as its row’s error: the bigint column would refuse the row’s whole batch', () => {
      const sheet = [`${HEADER},budget`, '1,P1,IQ,Water,ongoing,9007199254740991', '2,P2,IQ,Water,ongoing,99999999999999999999', `3,P3,IQ,Water,ongoing,${'9'.repeat(400)}`].join('\n');
      const result = parse(sheet);
      assert.deepEqual(result.items.map((item) => [item.externalId, (item.fields as { budgetUsd: number }).budgetUsd]), [['1', 9007199254740991]]);
      assert.deepEqual(result.errors, [
        { position: 'line 3', externalId: '2', message: 'column "budget": "99999999999999999999" is not an amount of at most 9,007,199,254,740,991 US dollars' },
        { position: 'line 4', externalId: '3', message: `column "budget": "${'9'.repeat(400)}" is not an amount of at most 9,007,199,254,740,991 US dollars` },
      ]);
    });

    it('drops NUL and the other control characters from cells, keeping tabs and line breaks as spaces', () => {
      const sheet = [`${HEADER},summary,tags`, '1,Bad\u0000project\u001f,IQ,Wat\u0007er,ongoing,"First line\u0000\nsecond\tline",a\u0000b;c'].join('\n');
      const [item] = parse(sheet).items;
      assert.deepEqual(
        [item.externalId, item.title, item.summary, item.body, item.tags, (item.fields as { sector: string }).sector],
        ['1', 'Badproject', 'First line second line', '<p>First line</p><p>second line</p>', ['ab', 'c'], 'Water'],
      );
    });
  });

  it('is a DocumentError, not a crash, for every failure of the whole file', () => {
    assert.throws(() => parse(''), DocumentError);
  });
});
