/** A media range of an Accept header, e.g. `text/*;q=0.8`. */
interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** The media types a GraphQL client asks for (GraphQL over HTTP, §4.2). */
const GRAPHQL_TYPES = ['application/graphql-response+json', 'application/json'] as const;

/**
 * True when the Accept header ranks `text/html` above every GraphQL response
 * type: what a browser's address bar sends (`text/html,…,*\/*;q=0.8`), and
 * what no GraphQL client sends. A tie (`*\/*`, or no header, as curl and
 * `fetch` send) is not a preference, so those requests still reach Apollo.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = quality(ranges, 'text/html');
  return html > 0 && GRAPHQL_TYPES.every((type) => html > quality(ranges, type));
}

/**
 * The quality the header gives one media type: that of the most specific range
 * that matches it (RFC 9110 §12.5.1), 0 when none does.
 */
export function quality(ranges: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return q;
}

/** Splits an Accept header into media ranges; parameters other than `q` are ignored. */
export function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [mediaType, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = mediaType.split('/');
    if (!type || !subtype) return [];
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    return [{ type, subtype, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 }];
  });
}
