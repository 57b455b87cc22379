import { XMLParser } from 'fast-xml-parser';
import { DocumentError } from './connector';

/**
 * Parses an XML document without DTDs or entity expansion: a document that
 * declares a DOCTYPE is refused, so neither a billion-laughs bomb nor an
 * external entity can be expressed; the five predefined entities and numeric
 * references still decode. Throws {@link DocumentError} for anything that is
 * not well-formed XML. (First version; the ingestion work replaces it.)
 *
 * Elements become objects; attributes are prefixed `@_`; text is `#text`;
 * elements named in `arrays` are always arrays.
 */
export function parseXml(xml: string, arrays: readonly string[] = []): Record<string, unknown> {
  if (/<!DOCTYPE/i.test(xml)) throw new DocumentError('XML documents with a DOCTYPE are refused (no DTDs or entities)');
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    processEntities: true,
    htmlEntities: false,
    isArray: (name) => arrays.includes(name),
  });
  try {
    return parser.parse(xml, true) as Record<string, unknown>;
  } catch (error) {
    throw new DocumentError(`Not well-formed XML: ${(error as Error).message}`);
  }
}
