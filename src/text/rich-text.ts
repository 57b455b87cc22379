import { Parser } from 'htmlparser2';
import TurndownService from 'turndown';
import { stripTags } from './text-strip';

/** The formats `Content.body` is served in. */
export type BodyFormat = 'HTML' | 'TEXT' | 'MARKDOWN';

/** The start of anything a browser would read as a tag: `<` and a letter, `/`, `!` or `?`. */
const TAG_OPENING = /<[a-z/!?]/i;

const BLOCKS = new Set(['p', 'div', 'section', 'article', 'blockquote', 'figure', 'figcaption', 'table', 'ul', 'ol', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

const SPACES = /[ \t\f\r\n]+/g;

/**
 * Sanitised HTML as plain text for readers without HTML: paragraphs and
 * headings separated by a blank line, list items on lines of their own with
 * a dash, line breaks kept, the lines of preformatted text kept as they are,
 * a table's rows on lines of their own with their cells separated by ` | `,
 * links followed by their target in brackets (`the report (https://…)`) and
 * images by their alt text (`[Image: …]`).
 * Entities are decoded; nothing else of the markup remains. Text that reads
 * as a tag once decoded (`&lt;script&gt;` in the HTML) is dropped from its
 * line, as `plainText` drops it from titles: whoever puts this text into a page
 * without escaping it must find nothing a browser would run.
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let line = '';
  let pre = 0;
  let cells = 0;
  const links: (string | null)[] = [];
  let linkText = '';
  const push = (text: string) => {
    if (TAG_OPENING.test(text)) text = pre ? stripTags(text).replace(/\s+$/, '') : stripTags(text).replace(SPACES, ' ').trim();
    if (text || (pre && out.length && out[out.length - 1] !== '')) out.push(text);
  };
  const flush = (blankLine: boolean) => {
    push(pre ? line.replace(/\s+$/, '') : line.replace(SPACES, ' ').trim());
    line = '';
    if (blankLine && out.length && out[out.length - 1] !== '') out.push('');
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (BLOCKS.has(name)) flush(true);
        else if (name === 'br' || name === 'tr') {
          flush(false);
          cells = 0;
        } else if (name === 'td' || name === 'th') {
          if (cells++ > 0) line += ' | ';
        } else if (name === 'li') {
          flush(false);
          line = '- ';
        } else if (name === 'a') {
          links.push(attributes.href ?? null);
          linkText = '';
        } else if (name === 'img' && attributes.alt) line += ` [Image: ${attributes.alt}] `;
        if (name === 'pre') pre += 1;
      },
      ontext(text) {
        if (links.length) linkText += text;
        if (!pre) {
          line += text;
          return;
        }
        const lines = text.split(/\r?\n/);
        line += lines[0];
        for (const next of lines.slice(1)) {
          flush(false);
          line = next;
        }
      },
      onclosetag(name) {
        if (name === 'a') {
          const href = links.pop();
          const target = href && /^(https?:|mailto:)/i.test(href) ? href.replace(/^mailto:/i, '') : null;
          if (target && linkText.trim() !== target) line += ` (${target})`;
        } else if (BLOCKS.has(name)) flush(true);
        else if (name === 'li' || name === 'tr') flush(false);
        if (name === 'pre') pre = Math.max(0, pre - 1);
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  flush(false);
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

const turndown = new TurndownService({ headingStyle: 'atx', bulletListMarker: '-', codeBlockStyle: 'fenced', emDelimiter: '*' });

/**
 * Markdown's own escapes, and `<`: CommonMark passes raw HTML and autolinks
 * (`<javascript:…>`) through, so text that reads as a tag once decoded
 * (`&lt;script&gt;` in the HTML) must stay text in the Markdown too.
 */
function escapeText(text: string): string {
  return TurndownService.prototype.escape.call(turndown, text).replace(/</g, '\\<');
}

turndown.escape = escapeText;

// Turndown's own rule escapes an image's alt text with Markdown's escapes only; this one adds `<` too.
turndown.addRule('image', {
  filter: 'img',
  replacement: (_content, node) => {
    const image = node as unknown as { getAttribute(name: string): string | null };
    const alt = escapeText((image.getAttribute('alt') ?? '').replace(/(\n+\s*)+/g, '\n'));
    const src = (image.getAttribute('src') ?? '').replace(/([<>()])/g, '\\$1');
    return src ? `![${alt}](${src})` : '';
  },
});

/** Sanitised HTML as Markdown (CommonMark): headings, emphasis, lists, links with their targets, images with their alt text. */
export function htmlToMarkdown(html: string): string {
  return turndown.turndown(html).trim();
}

/** A stored body (sanitised HTML) in the format asked for. */
export function renderBody(html: string, format: BodyFormat): string {
  return format === 'TEXT' ? htmlToText(html) : format === 'MARKDOWN' ? htmlToMarkdown(html) : html;
}
