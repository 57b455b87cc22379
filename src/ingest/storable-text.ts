/**
 * C0 control characters other than tab, line feed and carriage return, and
 * halves of a UTF-16 surrogate pair without their other half. PostgreSQL
 * refuses U+0000 in text (one such character in a cell failed the whole batch
 * of its row), and none of them is ever wanted in what readers see; a lone
 * surrogate is not a character at all (the driver would store U+FFFD for it).
 */
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Any character {@link UNSTORABLE} may name: a search for it is several times quicker, and most text has none. */
const SUSPECT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/;

/** Text without what {@link UNSTORABLE} names: what a source gives may hold anything, what is stored must be storable on both databases. */
export function storableText(text: string): string {
  return SUSPECT.test(text) ? text.replace(UNSTORABLE, '') : text;
}

/**
 * A piece of what a source sent, for a message: at most `max` characters, in
 * JSON quotes, so that control characters show as escapes (`"\u0000"`) rather
 * than reaching the run's record, where PostgreSQL would refuse them.
 */
export function quoted(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return storableText(JSON.stringify(cut));
}

/** Longest message a run keeps for itself or one of its errors: a parser's message may quote a whole line of the document. */
const MAX_MESSAGE = 2_000;

/**
 * A message as a run records it (its `message`, each error's fields): storable
 * whatever upstream text it quotes (a parser's message may quote the document
 * raw, NUL included), on one line, not too long. A run's record that cannot
 * be written leaves the run RUNNING for good, its reason lost.
 */
export function reportable(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  // Cleaned after the cut, which may split a surrogate pair.
  return storableText(line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line);
}
