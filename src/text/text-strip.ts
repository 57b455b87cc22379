/**
 * Elements whose content is never text a reader sees: scripts, styles, raw
 * text elements, embedded documents and foreign markup. Their content goes
 * with them.
 */
const DROPPED_WITH_CONTENT = new Set([
  'script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'noframes', 'noembed', 'object', 'applet',
  'textarea', 'select', 'option', 'title', 'head', 'xmp', 'plaintext', 'svg', 'math', 'canvas', 'audio', 'video',
]);

/** Elements that sit inside a line of text: dropping them must not separate words (`<b>Mo</b>sul`). */
const INLINE = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'data', 'dfn', 'em', 'font', 'i', 'ins', 'del', 'kbd', 'mark',
  'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var', 'wbr',
]);

const closingTags = new Map<string, RegExp>();

function closingTag(name: string): RegExp {
  let pattern = closingTags.get(name);
  if (!pattern) {
    pattern = new RegExp(`</${name}(?=[\\s/>])`, 'ig');
    closingTags.set(name, pattern);
  }
  return pattern;
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** Where the tag starting at `start` ends (its `>`), quoted attribute values skipped; -1 when it never ends. */
function tagEnd(html: string, start: number): number {
  for (let i = start + 1; i < html.length; i += 1) {
    const character = html[i];
    if (character === '>') return i;
    if (character === '=') {
      let j = i + 1;
      while (j < html.length && (html[j] === ' ' || html[j] === '\t' || html[j] === '\n' || html[j] === '\r' || html[j] === '\f')) j += 1;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        if (close === -1) return -1;
        i = close;
      } else {
        i = j - 1;
      }
    }
  }
  return -1;
}

/**
 * Removes the markup from HTML, leaving its text with entities still encoded.
 * A linear scan after the HTML tokeniser's rules, not a parser: a `<` that
 * starts no tag (`a < b`, `<3`) stays text; a tag cut off by the end of the
 * input goes with the rest of the input (`x<y` is `x`, as a browser shows it);
 * comments, declarations and processing instructions go; elements in {@link DROPPED_WITH_CONTENT} go
 * with everything up to their closing tag; block-level and unknown tags become
 * a space, inline ones nothing. Used for plain text only: HTML that is kept
 * goes through sanitize-html. Its output never holds `<` followed by a
 * letter, `/`, `!` or `?`: nothing a browser could take for the start of a tag.
 */
export function stripTags(html: string): string {
  let out = '';
  let i = 0;
  const length = html.length;
  while (i < length) {
    const open = html.indexOf('<', i);
    if (open === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, open);
    const next = html.charCodeAt(open + 1);
    const closing = next === 47; // '/'
    const nameStart = closing ? open + 2 : open + 1;
    if (isLetter(html.charCodeAt(nameStart))) {
      const end = tagEnd(html, open);
      if (end === -1) break;
      let nameEnd = nameStart + 1;
      while (nameEnd < end && /[A-Za-z0-9:-]/.test(html[nameEnd])) nameEnd += 1;
      const name = html.slice(nameStart, nameEnd).toLowerCase();
      i = end + 1;
      if (!closing && DROPPED_WITH_CONTENT.has(name) && html[end - 1] !== '/') {
        const pattern = closingTag(name);
        pattern.lastIndex = i;
        const match = pattern.exec(html);
        if (!match) break;
        const after = tagEnd(html, match.index);
        if (after === -1) break;
        i = after + 1;
      }
      out += INLINE.has(name) ? '' : ' ';
    } else if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4);
      if (end === -1) break;
      i = end + 3;
    } else if (next === 33 || next === 63 || (closing && open + 2 < length)) {
      // `<!DOCTYPE …>`, `<![CDATA[…`, `<?xml …?>`, `</ 3>`: bogus comments to the HTML tokeniser, up to the first `>`.
      const end = html.indexOf('>', open + 2);
      if (end === -1) break;
      i = end + 1;
    } else {
      out += '<';
      i = open + 1;
    }
  }
  return out;
}
