import sanitizeHtml from 'sanitize-html';

/**
 * Plain text from a fragment of HTML or text: tags dropped (with the content
 * of `script` and `style`), entities decoded, whitespace collapsed.
 * (First version; the ingestion work replaces it with the full one.)
 */
export function plainText(html: string): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript'] });
  return decodeEntities(text).replace(/\s+/g, ' ').trim();
}

/** HTML kept for an item's body: an allow-list of tags and attributes; no script, style, event handler or `javascript:` URL. */
export function sanitiseHtml(html: string): string {
  return sanitizeHtml(html, { allowedSchemes: ['http', 'https', 'mailto'] });
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED[entity.toLowerCase()] ?? match;
  });
}

/** A URL-safe slug from a title in any script (Arabic is transliterated); never empty. */
export function slugify(title: string, maxLength = 80): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug || 'item';
}
