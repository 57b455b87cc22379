import { writeIsoDate } from './date-time';

/** Bytes a built text may have: cursors and ids are well under 200. */
const CAPACITY = 512;
const [QUOTE, BACKSLASH, SPACE, TILDE] = [34, 92, 32, 126];
/** Characters callers append with {@link Base64urlBuilder.byte}. */
export const [COMMA, COLON, CLOSE_BRACKET] = [44, 58, 93];

/**
 * Base64url of a short text built from parts (a keyset cursor, a global id),
 * written byte by byte into one reused buffer and encoded by one native call.
 * `Buffer.from(a + b + c).toString('base64url')` joined the parts, flattened
 * the joined string, allocated a Buffer and made three native calls, about
 * 0.7 µs a cursor; a page of 50 items encodes 50 cursors and 50 ids.
 *
 * Only printable ASCII is written here: a part with any other character (or,
 * quoted, one JSON escapes) makes its method return false, and the caller
 * encodes the text the general way instead. A build runs from `start` to
 * `finish` synchronously, so one buffer serves the whole process.
 */
export class Base64urlBuilder {
  private readonly bytes = Buffer.allocUnsafeSlow(CAPACITY);
  private at = 0;

  /** Begins a new text, dropping whatever an unfinished one wrote. */
  start(): this {
    this.at = 0;
    return this;
  }

  /** Appends one ASCII character by its code. */
  byte(code: number): boolean {
    if (this.at >= CAPACITY) return false;
    this.bytes[this.at++] = code;
    return true;
  }

  /** Appends `text`; false when it is not printable ASCII or does not fit. */
  text(text: string): boolean {
    return this.ascii(text, false);
  }

  /**
   * Appends `text` in double quotes, as `JSON.stringify` writes a string with
   * nothing to escape; false when it is not printable ASCII, has a quote or a
   * backslash, or does not fit.
   */
  quoted(text: string): boolean {
    return this.ascii(text, true);
  }

  /** Appends the date's ISO text in double quotes (its JSON); false outside years 0–9999 or for an invalid date. */
  date(date: Date): boolean {
    if (this.at + 26 > CAPACITY) return false;
    this.bytes[this.at] = QUOTE;
    const end = writeIsoDate(this.bytes, this.at + 1, date);
    if (end < 0) return false;
    this.bytes[end] = QUOTE;
    this.at = end + 1;
    return true;
  }

  private ascii(text: string, quoted: boolean): boolean {
    const length = text.length;
    let at = this.at;
    if (at + length + 2 > CAPACITY) return false;
    const bytes = this.bytes;
    if (quoted) bytes[at++] = QUOTE;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < SPACE || code > TILDE || (quoted && (code === QUOTE || code === BACKSLASH))) return false;
      bytes[at++] = code;
    }
    if (quoted) bytes[at++] = QUOTE;
    this.at = at;
    return true;
  }

  /** The base64url of what was appended since `start`. */
  finish(): string {
    return this.bytes.toString('base64url', 0, this.at);
  }
}

/** The process's one builder (see {@link Base64urlBuilder}: each use is synchronous, start to finish). */
export const base64url = new Base64urlBuilder();
