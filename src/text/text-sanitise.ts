import sanitizeHtml from 'sanitize-html';

/** The elements an item's body may keep. Headings start at `h2`: the page's own title is the `h1`. */
const ALLOWED_TAGS = [
  'p', 'br', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i', 'a', 'img',
  'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'pre',
];

const ALLOWED_TAG_SET = new Set(ALLOWED_TAGS);

/** The attributes they may keep; `rel` on links is always ours (see {@link LINK_REL}). */
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'width', 'height'],
};

/** Attributes holding a URL, with the schemes each allows (as `URL.protocol` spells them). */
const URL_ATTRIBUTES: Record<string, Record<string, readonly string[]>> = {
  a: { href: ['http:', 'https:', 'mailto:'] },
  img: { src: ['http:', 'https:'] },
};

/** Links to pages we do not vouch for: no ranking credit, no `window.opener` for the page opened. */
const LINK_REL = 'nofollow noopener';

/** Dropped with their content when they appear: never text a reader should see. */
const NON_TEXT_TAGS = [
  'script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'noframes', 'noembed', 'object', 'applet',
  'embed', 'textarea', 'select', 'option', 'title', 'head', 'xmp', 'plaintext', 'svg', 'math', 'canvas', 'audio', 'video',
];

const DIMENSION = /^[0-9]{1,5}$/;

/** Options for {@link sanitiseHtml} and {@link sanitiseReport}. */
export interface SanitiseOptions {
  /**
   * The address relative links and images are resolved against (an item's
   * own URL). Without one, relative URLs are removed: once served elsewhere
   * they would point nowhere.
   */
  readonly baseUrl?: string | null;
}

/** What {@link sanitiseReport} made of some HTML. */
export interface SanitiseReport {
  /** The sanitised HTML, as {@link sanitiseHtml} returns it. */
  readonly html: string;
  /**
   * What was removed, each named once in the order met: tags (`script`),
   * attributes (`onclick on img`), URLs (`javascript: URL in a href`),
   * `comment`, `declaration`. Empty when nothing was removed; formatting the
   * sanitiser normalises (quotes, entities, `<br />`) is not a removal, so this
   * list, not a comparison of strings, says whether the input was clean.
   */
  readonly removed: string[];
}

/**
 * HTML safe to keep as an item's body: sanitize-html with an explicit
 * allow-list (paragraphs, line breaks, `h2`–`h6`, quotes, lists, emphasis,
 * links, images, figures, tables, code). Everything else goes: `script`,
 * `style`, `iframe`, `object`, `embed`, forms, `meta`, `base`, `link`, `svg`,
 * `math` (the first ones with their content), every `on…` handler, every
 * `style` attribute. Links keep `href` (http, https, mailto) and `title` and
 * get `rel="nofollow noopener"`; images keep `src` (http, https), `alt`,
 * `width` and `height` (digits only), and go when they have no such `src`.
 * URLs are judged after the browser's own reading (entities decoded, tabs,
 * newlines and case folded by the WHATWG URL parser), so an obfuscated
 * `java&#x09;script:` is a `javascript:` URL, and kept ones are written in
 * their normalised form.
 */
export function sanitiseHtml(html: string, options: SanitiseOptions = {}): string {
  return sanitise(html, options, null);
}

/**
 * Sanitises like {@link sanitiseHtml} and says what it removed, for refusing
 * editors' input the sanitiser would change rather than changing it silently.
 */
export function sanitiseReport(html: string, options: SanitiseOptions = {}): SanitiseReport {
  const removed = new Set<string>();
  const result = sanitise(html, options, removed);
  if (html.includes('<!--')) removed.add('comment');
  if (/<!(?!--)|<\?/.test(html)) removed.add('declaration');
  return { html: result, removed: [...removed] };
}

/**
 * What the current call resolves against and records into. sanitize-html is
 * synchronous, so one call is running at a time, and the options object can
 * be built once: sanitize-html's fixed cost per call already dominates short
 * bodies.
 */
let current: { baseUrl: string | null; removed: Set<string> | null } = { baseUrl: null, removed: null };

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: ALLOWED_ATTRIBUTES,
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  allowedClasses: {},
  nonTextTags: NON_TEXT_TAGS,
  disallowedTagsMode: 'discard',
  enforceHtmlBoundary: false,
  parseStyleAttributes: false,
  transformTags: { '*': (tagName, attribs) => ({ tagName, attribs: cleanAttributes(tagName, attribs, current.baseUrl, current.removed) }) },
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

function sanitise(html: string, options: SanitiseOptions, removed: Set<string> | null): string {
  const previous = current;
  current = { baseUrl: options.baseUrl ?? null, removed };
  try {
    return sanitizeHtml(html, SANITIZE_OPTIONS);
  } finally {
    current = previous;
  }
}

/**
 * The attributes a tag keeps, URLs resolved and checked, `rel` set on links;
 * sanitize-html's own filter runs after it, so this is the second of two locks
 * and the one that records what it removes.
 */
function cleanAttributes(tag: string, attribs: sanitizeHtml.Attributes, baseUrl: string | null, removed: Set<string> | null): sanitizeHtml.Attributes {
  if (!ALLOWED_TAG_SET.has(tag)) {
    removed?.add(tag);
    return {};
  }
  const allowed = ALLOWED_ATTRIBUTES[tag];
  if (allowed === undefined) {
    for (const name in attribs) removed?.add(`${name} on ${tag}`);
    return {};
  }
  const urls = URL_ATTRIBUTES[tag] ?? {};
  const kept: sanitizeHtml.Attributes = {};
  for (const name in attribs) {
    const value = attribs[name];
    if (name === 'rel' && tag === 'a') continue;
    if (!allowed.includes(name)) {
      removed?.add(`${name} on ${tag}`);
    } else if (urls[name]) {
      const checked = checkUrl(value, urls[name], baseUrl);
      if (typeof checked === 'string') kept[name] = checked;
      else removed?.add(`${checked.problem} in ${tag} ${name}`);
    } else if ((name === 'width' || name === 'height') && !DIMENSION.test(value.trim())) {
      removed?.add(`${name} on ${tag}`);
    } else {
      kept[name] = name === 'width' || name === 'height' ? value.trim() : value;
    }
  }
  if (tag === 'a') kept.rel = LINK_REL;
  if (tag === 'img' && !kept.src && !attribs.src) removed?.add('img without src');
  return kept;
}

/**
 * A URL as the browser would read it (the WHATWG parser strips surrounding
 * controls and spaces, drops tabs and newlines inside and lower-cases the
 * scheme), absolute, with an allowed scheme; otherwise what is wrong with it.
 */
function checkUrl(value: string, schemes: readonly string[], baseUrl: string | null): string | { problem: string } {
  let url: URL;
  try {
    url = baseUrl ? new URL(value, baseUrl) : new URL(value);
  } catch {
    return { problem: !baseUrl && !/^[\s\u0000-\u001f]*[a-z][a-z0-9+.-]*:/i.test(value) ? 'relative URL' : 'invalid URL' };
  }
  if (!schemes.includes(url.protocol)) return { problem: `${url.protocol} URL` };
  return url.href;
}
