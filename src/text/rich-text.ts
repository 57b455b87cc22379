import { Parser } from 'htmlparser2';
import TurndownService from 'turndown';

/** The formats `Content.body` is served in. */
export type BodyFormat = 'HTML' | 'TEXT' | 'MARKDOWN';

const BLOCKS = new Set(['p', 'div', 'section', 'article', 'blockquote', 'figure', 'figcaption', 'table', 'tr', 'ul', 'ol', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * Sanitised HTML as plain text for readers without HTML: paragraphs and
 * headings separated by a blank line, list items on lines of their own with
 * a dash, line breaks kept, links followed by their target in brackets
 * (`the report (https://…)`) and images by their alt text (`[Image: …]`).
 * Entities are decoded; nothing else of the markup remains.
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let line = '';
  const links: (string | null)[] = [];
  let linkText = '';
  const flush = (blankLine: boolean) => {
    const text = line.replace(/[ \t\f\r\n]+/g, ' ').trim();
    if (text) out.push(text);
    line = '';
    if (blankLine && out.length && out[out.length - 1] !== '') out.push('');
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (BLOCKS.has(name)) flush(true);
        else if (name === 'br') {
          flush(false);
        } else if (name === 'li') {
          flush(false);
          line = '- ';
        } else if (name === 'a') {
          links.push(attributes.href ?? null);
          linkText = '';
        } else if (name === 'img' && attributes.alt) line += ` [Image: ${attributes.alt}] `;
      },
      ontext(text) {
        line += text;
        if (links.length) linkText += text;
      },
      onclosetag(name) {
        if (name === 'a') {
          const href = links.pop();
          if (href && /^(https?:|mailto:)/i.test(href) && linkText.trim() !== href) line += ` (${href.replace(/^mailto:/i, '')})`;
        } else if (BLOCKS.has(name)) flush(true);
        else if (name === 'li') flush(false);
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

/** Sanitised HTML as Markdown (CommonMark): headings, emphasis, lists, links with their targets, images with their alt text. */
export function htmlToMarkdown(html: string): string {
  return turndown.turndown(html).trim();
}

/** A stored body (sanitised HTML) in the format asked for. */
export function renderBody(html: string, format: BodyFormat): string {
  return format === 'TEXT' ? htmlToText(html) : format === 'MARKDOWN' ? htmlToMarkdown(html) : html;
}
