import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { DocumentError } from './connector';

/** Options for {@link parseXml}. */
export interface XmlOptions {
  /**
   * Elements whose content is kept as written (fast-xml-parser's stop nodes,
   * e.g. `..content` for any `content`): mixed content such as Atom's XHTML
   * would otherwise lose its order and spaces. Read them with {@link xmlContent}.
   */
  readonly rawElements?: readonly string[];
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g;

/**
 * Decodes a predefined entity or a character reference. A reference to a
 * character XML does not allow (NUL, other C0 controls, surrogates) becomes
 * U+FFFD, as HTML would show it; any other named entity stays as written,
 * for the HTML or text reader after us to decode.
 */
function decodeReference(match: string, decimal: string | undefined, hex: string | undefined, name: string | undefined): string {
  if (name) return PREDEFINED[name];
  const code = decimal !== undefined ? parseInt(decimal, 10) : parseInt(hex as string, 16);
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d)) return '\ufffd';
  return String.fromCodePoint(code);
}

/** Decodes the five predefined entities and numeric character references, and nothing else. */
export function decodeXmlEntities(text: string): string {
  return text.includes('&') ? text.replace(REFERENCE, decodeReference) : text;
}

/**
 * fast-xml-parser's entity decoder, replaced: ours knows the predefined
 * entities and character references only, and refuses any entity a DOCTYPE
 * declares, wherever the DOCTYPE is (the parser reads one even in the middle
 * of a document, where our prolog check does not look).
 */
const ENTITY_DECODER: EntityDecoderOptions = {
  setExternalEntities() {},
  addInputEntities(entities) {
    const names = Object.keys(entities);
    if (names.length > 0) throw new DocumentError(`XML entity declarations are refused (found ${names.slice(0, 3).join(', ')})`);
  },
  reset() {},
  decode: decodeXmlEntities,
  setXmlVersion() {},
};

const parsers = new Map<string, XMLParser>();

function parserFor(arrays: readonly string[], rawElements: readonly string[]): XMLParser {
  const key = `${arrays.join(',')}|${rawElements.join(',')}`;
  let parser = parsers.get(key);
  if (!parser) {
    const arraySet = new Set(arrays);
    parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      textNodeName: '#text',
      removeNSPrefix: false,
      // Values stay strings: a guid of digits is an identifier, not a number.
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      cdataPropName: false,
      processEntities: true,
      htmlEntities: false,
      entityDecoder: ENTITY_DECODER,
      ignoreDeclaration: true,
      ignorePiTags: true,
      jPath: false,
      stopNodes: [...rawElements],
      isArray: (name) => arraySet.has(name),
    });
    parsers.set(key, parser);
  }
  return parser;
}

/**
 * Parses an XML document without DTDs or entity expansion, so that neither a
 * billion-laughs bomb nor an external entity (`SYSTEM "file:///etc/passwd"`)
 * can be expressed: the five predefined entities (`&amp;`…) and numeric
 * references (`&#233;`, `&#x263A;`) decode, other named references stay as
 * written. Throws {@link DocumentError} for
 *
 * - a DOCTYPE with an internal subset (`<!DOCTYPE x [ … ]>`, where entities
 *   are declared), and entities a DOCTYPE declares wherever it stands;
 * - anything that is not well-formed XML: a truncated document, an HTML page,
 *   JSON, text, a document with no root element or more than one. The one
 *   error forgiven is a bare `&` (`?a=1&b=2`), read as `&amp;`.
 *
 * A DOCTYPE without an internal subset (`<!DOCTYPE rss>`, or RSS 0.91's
 * `PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://…dtd"`) is
 * allowed and ignored: many real feeds have one, it can declare nothing, and
 * the external DTD it names is never fetched.
 *
 * Elements become objects, attributes are prefixed `@_`, text is `#text`, CDATA
 * is text, values stay strings, namespace prefixes stay as written
 * (`dc:creator`, `@_xml:lang`); elements named in `arrays` are always arrays.
 */
export function parseXml(xml: string, arrays: readonly string[] = [], options: XmlOptions = {}): Record<string, unknown> {
  const text = repairAmpersands(withoutDoctype(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml));
  if (text.trim() === '') throw new DocumentError('Not XML: the document is empty');
  const validation = XMLValidator.validate(text, { allowBooleanAttributes: false, unpairedTags: [] });
  if (validation !== true) {
    throw new DocumentError(`Not well-formed XML: ${describeValidationError(validation.err)}`);
  }
  let result: Record<string, unknown>;
  try {
    result = parserFor(arrays, options.rawElements ?? []).parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    throw new DocumentError(`Not well-formed XML: ${(error as Error).message}`);
  }
  const roots = Object.keys(result);
  if (roots.length === 0) throw new DocumentError('Not XML: no root element');
  if (roots.length > 1 || Array.isArray(result[roots[0]])) throw new DocumentError(`Not well-formed XML: more than one root element (${roots.slice(0, 3).map((name) => `<${name}>`).join(', ')})`);
  return result;
}

/** fast-xml-parser's validation message, readable: its report of unclosed elements is a JSON dump of their names. */
function describeValidationError(error: { msg: string; line: number; col: number }): string {
  const unclosed = /^Invalid '\[([\s\S]*)\]' found/.exec(error.msg);
  if (unclosed) {
    const names = [...unclosed[1].matchAll(/"([^"]+)"/g)].map((match) => `<${match[1]}>`);
    return `the document ends inside ${names.join(' > ')} (truncated?)`;
  }
  return `${error.msg.replace(/\.$/, '')} (line ${error.line}${error.col === undefined ? '' : `, column ${error.col}`})`;
}

const BARE_AMPERSAND = /&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9._-]*;)/;
const BARE_AMPERSAND_OUTSIDE_CDATA = /<!\[CDATA\[[\s\S]*?\]\]>|&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9._-]*;)/g;

/**
 * Escapes the ampersands that start no reference (`?a=1&b=2`, `AT&T`): the
 * one well-formedness error forgiven, because feeds make it in a link or a
 * title and a strict reading would lose the whole feed for it. CDATA sections,
 * where `&` is text, are left as they are.
 */
function repairAmpersands(xml: string): string {
  if (!BARE_AMPERSAND.test(xml)) return xml;
  return xml.replace(BARE_AMPERSAND_OUTSIDE_CDATA, (match) => (match === '&' ? '&amp;' : match));
}

const DOCTYPE = /<!DOCTYPE\s+[^\s>[]+(?:\s+(?:SYSTEM\s+(?:"[^"]*"|'[^']*')|PUBLIC\s+(?:"[^"]*"|'[^']*')(?:\s+(?:"[^"]*"|'[^']*'))?))?\s*(>|\[)/y;

/**
 * The document with its DOCTYPE (if any, and harmless) blanked out; throws for
 * one with an internal subset. Only the prolog is read: a DOCTYPE anywhere
 * else is not well-formed, and one the parser would act on there still meets
 * the entity decoder's refusal.
 */
function withoutDoctype(xml: string): string {
  let i = 0;
  for (;;) {
    while (i < xml.length && (xml[i] === ' ' || xml[i] === '\t' || xml[i] === '\n' || xml[i] === '\r')) i += 1;
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end === -1) return xml;
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end === -1) return xml;
      i = end + 3;
    } else {
      break;
    }
  }
  if (!xml.startsWith('<!', i) || !/^<!doctype/i.test(xml.slice(i, i + 9))) return xml;
  DOCTYPE.lastIndex = i;
  const match = DOCTYPE.exec(xml);
  if (!match) {
    if (!xml.startsWith('<!DOCTYPE', i)) throw new DocumentError('Not XML: the document starts with an HTML doctype (XML spells it <!DOCTYPE)');
    throw new DocumentError('Unreadable DOCTYPE declaration');
  }
  if (match[1] === '[') {
    const subset = xml.slice(i, xml.indexOf(']', i) === -1 ? i + 200 : xml.indexOf(']', i));
    const declares = /<!ENTITY/i.test(subset) ? 'declares entities' : 'has an internal subset';
    throw new DocumentError(`XML documents whose DOCTYPE ${declares} are refused (no DTDs, so no entity expansion: billion laughs, external entities)`);
  }
  const end = DOCTYPE.lastIndex;
  return xml.slice(0, i) + ' '.repeat(end - i) + xml.slice(end);
}

/** What {@link xmlContent} found in a raw element. */
export type XmlContent =
  /** Character data only: text with CDATA kept literally and references decoded. */
  | { readonly kind: 'text'; readonly text: string }
  /** Child elements (XHTML, or HTML a feed forgot to escape): the markup, CDATA escaped, comments removed. */
  | { readonly kind: 'markup'; readonly html: string };

/**
 * Reads the content of an element {@link parseXml} kept raw: as the text an
 * XML parser would give when it holds character data only, or as markup when
 * it holds child elements.
 */
export function xmlContent(raw: string): XmlContent {
  let text = '';
  let html = '';
  let markup = false;
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('<', i);
    const chunk = open === -1 ? raw.slice(i) : raw.slice(i, open);
    text += decodeXmlEntities(chunk);
    html += chunk;
    if (open === -1) break;
    if (raw.startsWith('<![CDATA[', open)) {
      const end = raw.indexOf(']]>', open + 9);
      const data = raw.slice(open + 9, end === -1 ? raw.length : end);
      text += data;
      html += data.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      i = end === -1 ? raw.length : end + 3;
    } else if (raw.startsWith('<!--', open)) {
      const end = raw.indexOf('-->', open + 4);
      i = end === -1 ? raw.length : end + 3;
    } else {
      markup = true;
      const end = raw.indexOf('>', open + 1);
      html += raw.slice(open, end === -1 ? raw.length : end + 1);
      i = end === -1 ? raw.length : end + 1;
    }
  }
  return markup ? { kind: 'markup', html: html.trim() } : { kind: 'text', text: text.trim() };
}

const ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/**
 * The text of an XML body: in the encoding its byte-order mark says, else its
 * XML declaration's `encoding`, else the HTTP `charset`, else UTF-8 (UTF-16,
 * ISO-8859-1, Windows-1256…: whatever the runtime's TextDecoder knows). RFC
 * 7303 (§3.3) puts the HTTP charset before the declaration; it is taken second
 * here because feeds are mislabelled that way round: the software that writes
 * a feed writes its declaration, while a web server labels what it serves
 * with a default it knows nothing about (`charset=ISO-8859-1` on a UTF-8 feed,
 * which would be read as mojibake, without an error, since any byte is Latin-1).
 * Bytes that are not valid in the encoding chosen fail the document rather
 * than turning into replacement characters that would then be stored for
 * good, as a CSV file's do. Throws {@link DocumentError} for that and for an
 * encoding it does not know.
 *
 * @param charset the `charset` parameter of the response's Content-Type, when it has one.
 */
export function decodeXmlBody(body: Buffer, charset: string | null = null): string {
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return decode(body, 'utf-16be', 'its byte-order mark');
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return decode(body, 'utf-16le', 'its byte-order mark');
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return decode(body, 'utf-8', 'its byte-order mark');
  const head = body.toString('latin1', 0, Math.min(body.length, 200));
  const declared = ENCODING.exec(head)?.[1];
  if (declared) return decode(body, declared, 'its XML declaration');
  return charset ? decode(body, charset, 'the charset of its Content-Type') : decode(body, 'utf-8', null);
}

/** `body` decoded as `encoding` (a label TextDecoder knows, in any case), which `namedBy` names (null: none does). A mark at its start is left out. */
function decode(body: Buffer, encoding: string, namedBy: string | null): string {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding.trim().toLowerCase(), { fatal: true });
  } catch {
    throw new DocumentError(`Unknown character encoding ${JSON.stringify(encoding)} in ${namedBy}`);
  }
  try {
    return decoder.decode(body);
  } catch {
    const which = namedBy ? `${decoder.encoding.toUpperCase()}, the encoding ${namedBy} names` : 'UTF-8 (nothing names another encoding)';
    throw new DocumentError(`The document is not valid text in ${which}: it is in another encoding, or not text at all`);
  }
}
