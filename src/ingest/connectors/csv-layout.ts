import { DocumentError } from '../connector';
import { stringOption } from './support';

/**
 * How a spreadsheet saved as CSV is laid out: its delimiter, which column
 * holds which field, and on which physical line each record starts.
 */

/** The fields a column can hold, by the names `options.fieldMap` uses. */
export const FIELDS = [
  'externalId', 'title', 'summary', 'url', 'countryCode', 'countries', 'sector', 'phase', 'implementingPartner',
  'place', 'budgetUsd', 'startedOn', 'completedOn', 'publishedAt', 'tags', 'language',
] as const;
export type Field = (typeof FIELDS)[number];

/** Headers people write, lower-cased with everything but letters and digits removed, and the field each names. */
const HEADERS: Readonly<Record<string, Field>> = {
  id: 'externalId', externalid: 'externalId', projectid: 'externalId', reference: 'externalId',
  title: 'title', name: 'title', project: 'title', projecttitle: 'title', projectname: 'title',
  summary: 'summary', description: 'summary',
  url: 'url', link: 'url', website: 'url',
  country: 'countryCode', countrycode: 'countryCode',
  countries: 'countries', countrycodes: 'countries',
  sector: 'sector',
  phase: 'phase', status: 'phase',
  partner: 'implementingPartner', implementingpartner: 'implementingPartner', implementer: 'implementingPartner',
  place: 'place', location: 'place',
  budget: 'budgetUsd', budgetusd: 'budgetUsd',
  start: 'startedOn', startedon: 'startedOn', startdate: 'startedOn',
  end: 'completedOn', completedon: 'completedOn', enddate: 'completedOn',
  publishedat: 'publishedAt', date: 'publishedAt',
  tags: 'tags',
  language: 'language', lang: 'language',
};

/** A column of the sheet. */
export interface Column {
  readonly index: number;
  /** The header as written, for messages. */
  readonly header: string;
}

/** Line numbers of byte offsets, from one pass over the file. */
export class LineIndex {
  private readonly breaks: number[] = [];

  constructor(bytes: Buffer) {
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) this.breaks.push(at);
  }

  /** The 1-based line the byte at `offset` is on. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.breaks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.breaks[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }
}

/** The record's first physical line, from its last one: quoted line breaks make a record span lines. */
export function firstLine(record: readonly string[], lastLine: number): number {
  let newlines = 0;
  for (const cell of record) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) newlines++;
  }
  return lastLine - newlines;
}

/** `options.delimiter` (one character, or "tab"), else whichever of `,` `;` tab the header row uses most (outside quotes). */
export function delimiterOf(option: unknown, text: string): string {
  if (typeof option === 'string' && option !== '') {
    if (option === 'tab' || option === '\\t') return '\t';
    if ([...option].length === 1) return option;
    throw new DocumentError(`options.delimiter must be one character or "tab", not ${JSON.stringify(option)}`);
  }
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c in counts) counts[c]++;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}

/** Which column holds which field: `options.fieldMap` and `options.dateColumn` first, then the headers' own names. */
export function columnsOf(header: readonly string[], options: Readonly<Record<string, unknown>>): Map<Field, Column> {
  const normal = header.map(normalise);
  const columns = new Map<Field, Column>();
  const fieldMap = options.fieldMap;
  if (fieldMap !== undefined && fieldMap !== null) {
    if (typeof fieldMap !== 'object') throw new DocumentError('options.fieldMap must map headers to field names');
    for (const [name, field] of Object.entries(fieldMap as Record<string, unknown>)) {
      if (field === null || field === '') continue;
      if (typeof field !== 'string' || !(FIELDS as readonly string[]).includes(field)) {
        throw new DocumentError(`options.fieldMap maps ${JSON.stringify(name)} to ${JSON.stringify(field)}, which is none of ${FIELDS.join(', ')}`);
      }
      const index = normal.indexOf(normalise(name));
      if (index !== -1 && !columns.has(field as Field)) columns.set(field as Field, { index, header: header[index] });
    }
  }
  const dateColumn = stringOption(options, 'dateColumn');
  if (dateColumn) {
    const index = normal.indexOf(normalise(dateColumn));
    if (index === -1) throw new DocumentError(`options.dateColumn names ${JSON.stringify(dateColumn)}, which is not in the header row`);
    columns.set('publishedAt', { index, header: header[index] });
  }
  const taken = new Set([...columns.values()].map((column) => column.index));
  normal.forEach((name, index) => {
    const field = HEADERS[name];
    if (field && !columns.has(field) && !taken.has(index)) columns.set(field, { index, header: header[index] });
  });
  return columns;
}

function normalise(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}
