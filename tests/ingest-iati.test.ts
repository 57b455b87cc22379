import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DocumentError, type FetchedDocument, type RunContext } from '../src/ingest/connector';
import { iatiConnector } from '../src/ingest/connectors/iati';
import { ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';

const FIXTURE = join(__dirname, '../../examples/sources/iati-activities.xml');

function context(options: Record<string, unknown> = {}): RunContext {
  return {
    source: { name: 'UNDP Iraq and Syria', kind: SourceKind.IATI, location: 'https://example.org/iati/undp-iq-sy.xml', targetType: ContentType.STABILISATION_PROJECT, options },
    documentNumber: 1,
    lastSuccessAt: null,
    fullListing: false,
  };
}

function document(body: string | Buffer): FetchedDocument {
  return { url: 'https://example.org/iati/undp-iq-sy.xml', status: 200, contentType: 'application/xml', headers: {}, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const parse = (xml: string | Buffer, options?: Record<string, unknown>) => iatiConnector.parse(document(xml), context(options));

/** A file of one activity: the identifier, status, a country and a date unless the test gives its own. */
function one(inner: string, attributes = 'last-updated-datetime="2024-01-01T00:00:00Z" xml:lang="en" default-currency="USD"'): string {
  const withDefaults =
    (inner.includes('<iati-identifier') ? '' : '<iati-identifier>XI-TEST-1</iati-identifier>') +
    (inner.includes('<title') ? '' : '<title><narrative>A project</narrative></title>') +
    (inner.includes('<activity-status') ? '' : '<activity-status code="2"/>') +
    (inner.includes('<recipient-') ? '' : '<recipient-country code="IQ"/>') +
    (inner.includes('<sector') ? '' : '<sector code="15220"/>') +
    inner;
  return `<?xml version="1.0" encoding="UTF-8"?><iati-activities version="2.03"><iati-activity ${attributes}>${withDefaults}</iati-activity></iati-activities>`;
}

const fields = (xml: string, options?: Record<string, unknown>) => parse(xml, options).items[0]?.fields as Record<string, unknown>;

describe('IATI connector', () => {
  it('reads the fixture: completed, ongoing, planned, EUR-budgeted and two-country activities; withdraws the cancelled one; reports the regional one', () => {
    assert.deepEqual(parse(readFileSync(FIXTURE)), {
      items: [
        {
          externalId: 'XM-DAC-41114-PROJECT-00990001-MOS-WTP',
          type: ContentType.STABILISATION_PROJECT,
          title: 'Rehabilitation of the Al-Qubba water treatment plant, Mosul',
          summary:
            'Repair of the filtration units, pumps and power supply of the Al-Qubba plant, which Daesh left damaged in 2017, so that it can again serve 250,000 residents of the left bank of Mosul. The works employ local contractors & daily labourers from the surrounding neighbourhoods.',
          body:
            '<p>Repair of the filtration units, pumps and power supply of the Al-Qubba plant, which Daesh left damaged in 2017, so that it can again serve 250,000 residents of the left bank of Mosul.</p>' +
            '<p>The works employ local contractors &amp; daily labourers from the surrounding neighbourhoods.</p>',
          url: 'https://example.org/projects/mosul-al-qubba-water-plant',
          publishedAt: new Date('2024-03-28T14:22:05Z'),
          publishedAtIsLastChange: true,
          language: 'en',
          countries: ['IRQ'],
          tags: ['Returns', 'Water'],
          fields: {
            sector: 'Water supply - large systems',
            phase: 'COMPLETED',
            implementingPartner: 'UNDP Funding Facility for Stabilization',
            place: 'Mosul, Ninewa Governorate',
            countryCode: 'IRQ',
            // 2018: the revised 1,750,000 replaces the original 1,500,000; 2019: 820,000.25 in the default currency.
            budgetUsd: 2570000,
            startedOn: '2018-04-15',
            completedOn: '2020-06-30',
          },
        },
        {
          externalId: 'XM-DAC-41114-PROJECT-00990002-RAQ-EHC',
          type: ContentType.STABILISATION_PROJECT,
          title: 'Clearance of explosive hazards from homes and schools in Raqqa city',
          summary: 'Survey and clearance of improvised explosive devices and explosive remnants of war in residential districts of Raqqa, with risk education for returning families.',
          body: '<p>Survey and clearance of improvised explosive devices and explosive remnants of war in residential districts of Raqqa, with risk education for returning families.</p>',
          url: null,
          // No zone in the file: read as UTC.
          publishedAt: new Date('2024-03-15T09:00:00Z'),
          publishedAtIsLastChange: true,
          language: 'en',
          countries: ['SYR'],
          tags: [],
          fields: {
            sector: 'Removal of land mines and explosive remnants of war',
            phase: 'ONGOING',
            // No name: the organisation's identifier.
            implementingPartner: 'XM-DAC-41122',
            place: null,
            countryCode: 'SYR',
            budgetUsd: 5000000,
            startedOn: '2022-02-01',
            completedOn: null,
          },
        },
        {
          externalId: 'XM-DAC-41114-PROJECT-00990003-ANB-SCH',
          type: ContentType.STABILISATION_PROJECT,
          // The activity is in Arabic: the narrative without xml:lang is Arabic, and wins over the English one.
          title: 'إعادة تأهيل اثنتي عشرة مدرسة في الأنبار',
          summary: 'إصلاح الصفوف ونقاط المياه والمرافق الصحية في اثنتي عشرة مدرسة في الرمادي والفلوجة. يستفيد منها أكثر من ستة آلاف تلميذ.',
          body: '<p>إصلاح الصفوف ونقاط المياه والمرافق الصحية في اثنتي عشرة مدرسة في الرمادي والفلوجة.</p><p>يستفيد منها أكثر من ستة آلاف تلميذ.</p>',
          url: null,
          // No last-updated-datetime: the (planned) start.
          publishedAt: new Date('2024-09-01T00:00:00Z'),
          language: 'ar',
          countries: ['IRQ'],
          tags: [],
          fields: {
            sector: 'Basic education',
            phase: 'PLANNED',
            implementingPartner: 'مديرية تربية الأنبار',
            place: 'الرمادي',
            countryCode: 'IRQ',
            budgetUsd: null,
            startedOn: '2024-09-01',
            completedOn: null,
          },
        },
        {
          externalId: 'DE-1-202099991',
          type: ContentType.STABILISATION_PROJECT,
          title: 'Income and jobs for returnees in Fallujah',
          summary: 'Cash for work, vocational training and small business grants for families who returned to Fallujah.',
          body: '<p>Cash for work, vocational training and small business grants for families who returned to Fallujah.</p>',
          url: null,
          publishedAt: new Date('2024-02-01T07:30:00Z'),
          publishedAtIsLastChange: true,
          language: 'en',
          countries: ['IRQ'],
          tags: [],
          fields: {
            sector: 'Employment creation',
            phase: 'ONGOING',
            implementingPartner: 'Example Livelihoods Partner e.V.',
            place: 'Fallujah, Anbar Governorate',
            countryCode: 'IRQ',
            // In euros: no budget rather than a wrong one.
            budgetUsd: null,
            startedOn: '2021-07-01',
            completedOn: null,
          },
        },
        {
          externalId: 'XM-DAC-41114-PROJECT-00990006-XB-CSO',
          type: ContentType.STABILISATION_PROJECT,
          title: 'Support to civil society in northern Iraq and north-east Syria',
          summary: 'Small grants and training for local organisations documenting the needs of communities liberated from Daesh.',
          body: '<p>Small grants and training for local organisations documenting the needs of communities liberated from Daesh.</p>',
          url: null,
          publishedAt: new Date('2023-06-30T12:00:00Z'),
          publishedAtIsLastChange: true,
          language: 'en',
          countries: ['SYR', 'IRQ'],
          tags: [],
          fields: {
            sector: 'Democratic participation and civil society',
            phase: 'COMPLETED',
            implementingPartner: 'UNDP Iraq',
            place: null,
            // 60 % in Iraq, 40 % in Syria.
            countryCode: 'IRQ',
            budgetUsd: 1200000,
            startedOn: '2019-03-01',
            completedOn: '2022-12-31',
          },
        },
      ],
      errors: [
        {
          position: 'activity XM-DAC-41114-PROJECT-00990007-REG',
          externalId: 'XM-DAC-41114-PROJECT-00990007-REG',
          message: 'no recipient-country (a region alone does not say where the project is)',
        },
      ],
      withdrawn: ['XM-DAC-41114-PROJECT-00990004-SIN-MKT'],
    });
  });

  describe('phases and dates', () => {
    it('maps every activity status: suspended is ongoing, cancelled is withdrawn, others are errors', () => {
      const phase = (code: string) => fields(one(`<activity-status code="${code}"/><activity-date type="2" iso-date="2020-01-01"/><activity-date type="4" iso-date="2021-01-01"/>`));
      assert.deepEqual(['1', '2', '3', '4', '6'].map((code) => [phase(code).phase, phase(code).completedOn]), [
        ['PLANNED', null],
        ['ONGOING', null],
        ['COMPLETED', '2021-01-01'],
        ['COMPLETED', '2021-01-01'],
        ['ONGOING', null],
      ]);
      assert.deepEqual(parse(one('<activity-status code="5"/>')), { items: [], errors: [], withdrawn: ['XI-TEST-1'] });
      assert.deepEqual(parse(one('<activity-status code="9"/>')).errors, [{ position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'activity-status 9 is not an IATI status (1–6)' }]);
      assert.deepEqual(parse(one('<activity-status/>')).errors, [{ position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'no activity-status' }]);
    });

    it('prefers the actual start, reads 1.x date types and ignores a date that is no day', () => {
      assert.equal(fields(one('<activity-date type="1" iso-date="2020-01-01"/><activity-date type="2" iso-date="2020-02-15T00:00:00"/>')).startedOn, '2020-02-15');
      assert.equal(fields(one('<activity-date type="start-actual" iso-date="2019-05-05"/>')).startedOn, '2019-05-05');
      assert.equal(fields(one('<activity-date type="2" iso-date="2020-02-30"/><activity-date type="1" iso-date="2020-02-01"/>')).startedOn, '2020-02-01');
    });

    it('takes no last-updated-datetime the calendar lacks (2024-02-31 is no day, not 2 March): the start dates the activity', () => {
      const impossible = 'last-updated-datetime="2024-02-31T10:00:00Z" xml:lang="en" default-currency="USD"';
      const [item] = parse(one('<activity-date type="2" iso-date="2020-02-15"/>', impossible)).items;
      assert.deepEqual([item.publishedAt, item.publishedAtIsLastChange], [new Date('2020-02-15T00:00:00Z'), undefined]);
    });

    it('dates an activity by its start without last-updated-datetime, and reports one with neither', () => {
      const noUpdate = 'xml:lang="en" default-currency="USD"';
      assert.deepEqual(parse(one('<activity-date type="2" iso-date="2020-02-15"/>', noUpdate)).items[0].publishedAt, new Date('2020-02-15T00:00:00Z'));
      assert.deepEqual(parse(one('<activity-date type="3" iso-date="2020-12-31"/>', noUpdate)), {
        items: [],
        errors: [{ position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'neither a last-updated-datetime nor a start date' }],
      });
    });
  });

  describe('budgets', () => {
    const budget = (type: string, start: string, value: string) =>
      `<budget type="${type}"><period-start iso-date="${start}-01-01"/><period-end iso-date="${start}-12-31"/>${value}</budget>`;

    it('sums periods, the revised budget replacing the original of its period', () => {
      const xml = one(budget('1', '2020', '<value>100</value>') + budget('2', '2020', '<value currency="USD">150</value>') + budget('1', '2021', '<value>200.4</value>'));
      assert.equal(fields(xml).budgetUsd, 350);
    });

    it('refuses an activity whose budget is past what the budget column keeps exactly, and reads the others', () => {
      const xml = one(budget('1', '2020', '<value>1e22</value>')).replace('</iati-activities>', '') + one('').slice(one('').indexOf('<iati-activity ')).replace('XI-TEST-1', 'XI-TEST-2');
      const result = parse(xml);
      assert.deepEqual(result.errors, [{ position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'a budget of 10,000,000,000,000,000,000,000 US dollars is more than can be kept (at most 9,007,199,254,740,991 either way)' }]);
      assert.deepEqual(result.items.map((item) => item.externalId), ['XI-TEST-2']);
      assert.equal(fields(one(budget('1', '2020', '<value>9007199254740991</value>'))).budgetUsd, Number.MAX_SAFE_INTEGER);
      assert.equal(parse(one(budget('1', '2020', '<value>-9007199254740992</value>'))).errors.length, 1);
    });

    it('gives no budget in another currency, without a currency, or not a number', () => {
      assert.equal(fields(one(budget('1', '2020', '<value currency="USD">100</value>') + budget('1', '2021', '<value currency="GBP">100</value>'))).budgetUsd, null);
      assert.equal(fields(one(budget('1', '2020', '<value>100</value>'), 'last-updated-datetime="2024-01-01T00:00:00Z"')).budgetUsd, null);
      assert.equal(fields(one(budget('1', '2020', '<value>n/a</value>'))).budgetUsd, null);
      assert.equal(fields(one('')).budgetUsd, null);
    });
  });

  describe('countries, sectors, partners, languages', () => {
    it('keeps Kosovo as XKX and reports a code that names no country', () => {
      assert.deepEqual(parse(one('<recipient-country code="XK"/>')).items[0].countries, ['XKX']);
      assert.deepEqual(parse(one('<recipient-country code="ZZ"/>')).errors, [
        { position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'recipient-country "ZZ" is not an ISO 3166-1 alpha-2 code' },
      ]);
    });

    it('names sectors from the DAC table, its categories, other vocabularies or transactions', () => {
      const sector = (xml: string) => fields(one(xml)).sector;
      assert.equal(sector('<sector vocabulary="1" code="15220"/>'), 'Civilian peace-building, conflict prevention and resolution');
      assert.equal(sector('<sector vocabulary="99" code="X"><narrative>Local priority</narrative></sector><sector vocabulary="2" code="152"/>'), 'Conflict, peace and security');
      assert.equal(sector('<sector code="15299"/>'), 'Conflict, peace and security');
      assert.equal(sector('<sector code="99999"/>'), 'DAC 99999');
      assert.equal(sector('<sector vocabulary="99" code="X"><narrative>Local priority</narrative></sector>'), 'Local priority');
      const viaTransaction = one('<transaction><transaction-type code="3"/><sector vocabulary="1" code="15250"/></transaction>').replace('<sector code="15220"/>', '');
      assert.equal(fields(viaTransaction).sector, 'Removal of land mines and explosive remnants of war');
      assert.equal(fields(one('<transaction/>').replace('<sector code="15220"/>', '')).sector, 'Unallocated/unspecified');
    });

    it('picks the narrative in the activity’s language, else English, else the first', () => {
      const title = (lang: string, narratives: string) => parse(one(`<title>${narratives}</title>`, `last-updated-datetime="2024-01-01" xml:lang="${lang}"`)).items[0].title;
      const both = '<narrative xml:lang="ar">مشروع</narrative><narrative xml:lang="en">Project</narrative><narrative xml:lang="fr">Projet</narrative>';
      assert.equal(title('fr', both), 'Projet');
      assert.equal(title('de', both), 'Project');
      assert.equal(title('de', '<narrative xml:lang="ar">مشروع</narrative><narrative xml:lang="fr">Projet</narrative>'), 'مشروع');
      assert.deepEqual(parse(one('<title><narrative>2019</narrative></title>')).items[0].title, '2019');
      assert.deepEqual(parse(one('<title/>')).errors, [{ position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'no title' }]);
    });

    it('takes the 1.x activity-website and the implementing partner of 1.x', () => {
      const item = parse(one('<activity-website>https://example.org/p/1</activity-website><participating-org role="Implementing">Local NGO</participating-org>')).items[0];
      assert.equal(item.url, 'https://example.org/p/1');
      assert.equal((item.fields as { implementingPartner: string }).implementingPartner, 'Local NGO');
    });
  });

  describe('the document', () => {
    it('reports a missing or repeated identifier and goes on', () => {
      const xml = one('').replace('<iati-activity ', '<iati-activity><title><narrative>No id</narrative></title></iati-activity><iati-activity ');
      const twice = xml.replace('</iati-activities>', xml.slice(xml.indexOf('<iati-activity last'), xml.lastIndexOf('</iati-activities>')) + '</iati-activities>');
      const result = parse(twice);
      assert.deepEqual(result.errors, [
        { position: 'activity 1', message: 'no iati-identifier' },
        { position: 'activity XI-TEST-1', externalId: 'XI-TEST-1', message: 'the same iati-identifier again: the first activity is kept' },
      ]);
      assert.equal(result.items.length, 1);
    });

    it('keeps only the hierarchy level the options name', () => {
      const xml = readFileSync(FIXTURE, 'utf8');
      assert.deepEqual(parse(xml, { hierarchy: 2 }).items.map((item) => item.externalId), ['XM-DAC-41114-PROJECT-00990001-MOS-WTP']);
      assert.equal(parse(xml, { hierarchy: '1' }).items.length, 4);
    });

    it('reads an empty file as no activities', () => {
      assert.deepEqual(parse('<?xml version="1.0"?><iati-activities version="2.03"/>'), { items: [], errors: [] });
    });

    it('fails what is not an activity file, a DOCTYPE and broken XML', () => {
      assert.throws(() => parse('<?xml version="1.0"?><iati-organisations version="2.03"><iati-organisation/></iati-organisations>'), {
        name: 'DocumentError',
        message: 'not an IATI activity file (root element <iati-organisations>, expected <iati-activities>)',
      });
      assert.throws(() => parse('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><iati-activities>&a;</iati-activities>'), DocumentError);
      assert.throws(() => parse('<iati-activities><iati-activity></iati-activities>'), DocumentError);
    });
  });
});
