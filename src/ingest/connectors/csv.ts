import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { ContentType } from '../../shared/content/content-status';
import { SourceKind } from '../../shared/content/source-kind';
import { DocumentError, type Connector, type EntryError, type FetchedDocument, type ItemDraft, type ParseResult, type RunContext } from '../connector';
import { Invalid, readBudget, readCountries, readCountry, readDay, readLanguage, readMoment, readPhase, readTags, readUrl } from './csv-values';
import { columnsOf, delimiterOf, firstLine, LineIndex, type Column, type Field } from './csv-layout';
import { bodyBytes, collapse, cutAtWord, flagOption, paragraphs } from './support';

const SUMMARY_LENGTH = 500;

/** Columns a project needs: the graph requires a country, a sector and a phase. */
const PROJECT_NEEDS: readonly (readonly Field[])[] = [['title'], ['countryCode', 'countries'], ['sector'], ['phase']];

/**
 * Reads a project spreadsheet saved as CSV (a header row, then one project a
 * row) into stabilisation projects. Headers name the fields directly
 * (`Country`, `Start date`, `Budget (USD)`…) or through `options.fieldMap`;
 * the delimiter (`,`, `;` or tab) is detected from the header row unless
 * `options.delimiter` sets it. A bad row is an entry error naming its line,
 * column and value; the other rows go on. With `options.fullSnapshot` the file
 * is the whole register (`complete`), so rows that disappear are withdrawn.
 *
 * Without an id column each row's id is derived from its title and country
 * (see {@link derivedId}). For a target type other than stabilisation
 * projects, only the shared fields are read and `fields` is empty.
 */
export const csvConnector: Connector = {
  kind: SourceKind.CSV,
  parse: parseCsvDocument,
};

function parseCsvDocument(document: FetchedDocument, context: RunContext): ParseResult {
  const bytes = bodyBytes(document);
  if (isBlank(bytes)) throw new DocumentError('the CSV file is empty: not even a header row (an empty snapshot would withdraw every project)');
  const options = context.source.options;
  const delimiter = delimiterOf(options.delimiter, bytes.subarray(0, 65536).toString('utf8'));

  // csv-parse counts lines on its own terms (a quoted CRLF counts twice); positions come from byte offsets instead.
  const lines = new LineIndex(bytes);
  const errors: EntryError[] = [];
  const items: ItemDraft[] = [];
  const withdrawn: string[] = [];
  const lineOfId = new Map<string, number>();
  let truncated: string | null = null;
  let failure: unknown = null;
  let reader: RowReader | null = null;

  const onRow = (record: string[], end: number): void => {
    if (!reader) {
      reader = readerFor(record, delimiter, context);
      return;
    }
    const line = firstLine(record, lines.lineOf(end - 1));
    if (record.every((cell) => cell.trim() === '')) return;
    const outcome = reader.read(record);
    if ('problems' in outcome) {
      errors.push(outcome.externalId ? { position: `line ${line}`, externalId: outcome.externalId, message: outcome.problems } : { position: `line ${line}`, message: outcome.problems });
      return;
    }
    const id = outcome.draft.externalId;
    const earlier = lineOfId.get(id);
    if (earlier !== undefined) {
      errors.push({ position: `line ${line}`, externalId: id, message: `the same id as line ${earlier} (${JSON.stringify(id)}): the first row is kept` });
      return;
    }
    lineOfId.set(id, line);
    if (outcome.cancelled) withdrawn.push(id);
    else items.push(outcome.draft);
  };

  try {
    // Rows are read as csv-parse emits them and not kept, so 100,000 rows never sit in memory twice.
    parseCsv(bytes, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_record: (record: string[], info) => {
        if (failure === null) {
          try {
            onRow(record, (info as unknown as { bytes: number }).bytes);
          } catch (error) {
            // Thrown inside csv-parse, an error would be taken for a bad record and skipped.
            failure = error;
          }
        }
        return null;
      },
      on_skip: (error: { code?: string; bytes?: number; message: string } | undefined) => {
        if (!error) return;
        if (error.code === 'CSV_QUOTE_NOT_CLOSED') truncated = error.message;
        else errors.push({ position: `line ${lines.lineOf(error.bytes ?? 0)}`, message: error.message.replace(/ at line \d+/, '') });
      },
    });
  } catch (error) {
    throw new DocumentError(`not a readable CSV file: ${(error as Error).message}`);
  }
  if (failure !== null) throw failure;
  // An unclosed quote swallows the rest of the file: a truncated file must not become a smaller snapshot.
  if (truncated) throw new DocumentError(`the CSV file ends inside a quoted field (truncated?): ${truncated}`);
  if (!reader) throw new DocumentError('the CSV file has no header row');

  const result: { -readonly [K in keyof ParseResult]: ParseResult[K] } = { items, errors };
  if (withdrawn.length) result.withdrawn = withdrawn;
  if (flagOption(options, 'fullSnapshot')) result.complete = true;
  return result;
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  return true;
}

/** The reader for the rows under this header row; fails the document when the header lacks a column the items need. */
function readerFor(header: readonly string[], delimiter: string, context: RunContext): RowReader {
  const columns = columnsOf(header, context.source.options);
  const isProject = context.source.targetType === ContentType.STABILISATION_PROJECT;
  const missing = (isProject ? PROJECT_NEEDS : [['title'] as const]).filter((fields) => !fields.some((field) => columns.has(field)));
  if (missing.length) {
    throw new DocumentError(`the header row lacks ${missing.map((fields) => fields.join(' or ')).join(', ')} (header: ${header.join(delimiter)}; see options.fieldMap)`);
  }
  return new RowReader(columns, header.length, context.source.targetType, isProject);
}

/**
 * A stable id for a row of a sheet without an id column: the title (case and
 * spacing ignored) and the country, hashed. Editing other cells keeps it;
 * renaming the project or changing its country makes it a new item, and on a
 * full snapshot the old one is withdrawn.
 */
export function derivedId(title: string, countryCode: string | null): string {
  const key = `${title.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}\n${countryCode ?? ''}`;
  return `csv-${createHash('sha1').update(key).digest('hex').slice(0, 20)}`;
}

/** Reads rows against one header's columns. */
class RowReader {
  private readonly order: readonly [Field, Column][];

  constructor(
    private readonly columns: ReadonlyMap<Field, Column>,
    private readonly width: number,
    private readonly type: ContentType,
    private readonly isProject: boolean,
  ) {
    this.order = [...columns];
  }

  /**
   * The row's draft (and whether it is a cancelled project), or what is wrong
   * with it and, when it can be told, its id: a full snapshot's runner must
   * not withdraw a project because its row has a typo.
   */
  read(record: readonly string[]): { draft: ItemDraft; cancelled: boolean } | { problems: string; externalId: string | null } {
    const problems: string[] = [];
    if (record.length > this.width && record.slice(this.width).some((cell) => cell.trim() !== '')) {
      problems.push(`${record.length} fields where the header has ${this.width}`);
    }
    const values = new Map<Field, unknown>();
    for (const [field, column] of this.order) {
      const cell = (record[column.index] ?? '').trim();
      const value = readField(field, cell);
      if (value instanceof Invalid) problems.push(`column ${JSON.stringify(column.header)}: ${JSON.stringify(cell)} is not ${value.expected}`);
      else values.set(field, value);
    }
    const title = (values.get('title') as string | null) ?? null;
    if (!title) problems.push(`column ${JSON.stringify(this.columns.get('title')!.header)} is empty`);
    const countries = (values.get('countries') as string[] | null) ?? [];
    const countryCode = (values.get('countryCode') as string | null) ?? countries[0] ?? null;
    if (this.isProject) {
      const countryInvalid = (this.columns.has('countryCode') && !values.has('countryCode')) || (this.columns.has('countries') && !values.has('countries'));
      if (!countryCode && !countryInvalid) problems.push(`no country (column ${JSON.stringify((this.columns.get('countryCode') ?? this.columns.get('countries'))!.header)})`);
      for (const field of ['sector', 'phase'] as const) {
        if (values.get(field) === null) problems.push(`column ${JSON.stringify(this.columns.get(field)!.header)} is empty`);
      }
    }
    const idColumn = this.columns.get('externalId');
    const id = idColumn ? (values.get('externalId') as string | null) : title ? derivedId(title, countryCode) : null;
    if (idColumn && !id) problems.push(`column ${JSON.stringify(idColumn.header)} is empty`);
    if (problems.length || !title || !id) return { problems: problems.join('; '), externalId: id || null };

    const description = (values.get('summary') as string | null) ?? '';
    const draft: ItemDraft = {
      externalId: id,
      type: this.type,
      title,
      summary: cutAtWord(collapse(description), SUMMARY_LENGTH),
      body: paragraphs(description),
      url: (values.get('url') as string | null) ?? null,
      publishedAt: (values.get('publishedAt') as Date | null) ?? null,
      language: (values.get('language') as string | null) ?? null,
      countries: countryCode && !countries.includes(countryCode) ? [countryCode, ...countries] : countries,
      tags: (values.get('tags') as string[] | undefined) ?? [],
      fields: this.isProject
        ? {
            sector: values.get('sector'),
            phase: values.get('phase'),
            implementingPartner: values.get('implementingPartner') ?? null,
            place: values.get('place') ?? null,
            countryCode,
            budgetUsd: values.get('budgetUsd') ?? null,
            startedOn: values.get('startedOn') ?? null,
            completedOn: values.get('completedOn') ?? null,
          }
        : {},
    };
    return { draft, cancelled: values.get('phase') === 'CANCELLED' };
  }
}

function readField(field: Field, cell: string): unknown {
  switch (field) {
    case 'countryCode':
      return readCountry(cell);
    case 'countries':
      return readCountries(cell);
    case 'phase':
      return readPhase(cell);
    case 'budgetUsd':
      return readBudget(cell);
    case 'startedOn':
    case 'completedOn':
      return readDay(cell);
    case 'publishedAt':
      return readMoment(cell);
    case 'url':
      return readUrl(cell);
    case 'language':
      return readLanguage(cell);
    case 'tags':
      return readTags(cell);
    case 'summary':
      return cell;
    default:
      return cell === '' ? null : collapse(cell);
  }
}
