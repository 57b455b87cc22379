import { registerEnumType } from 'type-graphql';

/** The languages the coalition publishes in, as readers choose them. */
export enum Locale {
  EN = 'EN',
  AR = 'AR',
  FR = 'FR',
}

registerEnumType(Locale, {
  name: 'Locale',
  description: 'A language content is served in.',
  valuesConfig: {
    EN: { description: 'English.' },
    AR: { description: 'Arabic (written right to left).' },
    FR: { description: 'French.' },
  },
});

/** Which way a text runs. */
export enum TextDirection {
  LTR = 'LTR',
  RTL = 'RTL',
}

registerEnumType(TextDirection, {
  name: 'TextDirection',
  description: 'Which way a text runs, for `dir` attributes.',
  valuesConfig: {
    LTR: { description: 'Left to right (English, French, German, Kurmanji in Latin letters…).' },
    RTL: { description: 'Right to left (Arabic, Persian, Kurdish Sorani, Urdu, Hebrew…).' },
  },
});

/** The locale a BCP 47 language tag belongs to (`fr-BE` → FR), or null for other languages. */
export const localeOfLanguage = rememberedByTag((tag): Locale | null => {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  return primary === 'en' ? Locale.EN : primary === 'ar' ? Locale.AR : primary === 'fr' ? Locale.FR : null;
});

/**
 * `read` of a language tag (null: English), remembered per tag: it is asked
 * for every item read, and items carry few tags. Tags come from sources and
 * clients: however many they send, the memo stays this small.
 */
function rememberedByTag<T>(read: (tag: string) => T): (language: string | null | undefined) => T {
  const remembered = new Map<string, T>();
  return (language) => {
    const tag = language ?? 'en';
    let value = remembered.get(tag);
    if (value === undefined) {
      value = read(tag);
      if (remembered.size >= MAX_REMEMBERED_TAGS) remembered.clear();
      remembered.set(tag, value);
    }
    return value as T;
  };
}

const MAX_REMEMBERED_TAGS = 256;

/**
 * Scripts written right to left that are in use today (Unicode's bidirectional
 * class R or AL for their letters): Arabic (Arabic, Persian, Kurdish Sorani,
 * Urdu, Pashto…), Hebrew (Hebrew, Yiddish), Syriac, Thaana (Dhivehi), N'Ko,
 * Adlam, Hanifi Rohingya, Mandaic, Mende Kikakui, Samaritan and Yezidi.
 */
const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Syrc', 'Thaa', 'Nkoo', 'Adlm', 'Rohg', 'Mand', 'Mend', 'Samr', 'Yezi']);

/**
 * Which way text in a language runs, from the script its BCP 47 tag names or
 * implies (`fa` and `ckb` → Arabic script, right to left; `ku` → Latin, left
 * to right; `ku-Arab` → right to left), by CLDR's likely subtags as `Intl`
 * has them. Null (English) and tags `Intl` cannot read run left to right.
 */
export const directionOfLanguage = rememberedByTag((tag): TextDirection => {
  const script = scriptOf(tag);
  return script !== undefined && RTL_SCRIPTS.has(script) ? TextDirection.RTL : TextDirection.LTR;
});

/**
 * The script a tag names or implies; for a tag `Intl` refuses (sources send
 * `ar_IQ`, `ar-EG-u`, `ar-1`, which the loose tag check lets in, as it does
 * for `localeOfLanguage`), its language subtag's.
 */
function scriptOf(tag: string): string | undefined {
  for (const candidate of [tag, tag.split(/[-_]/)[0]]) {
    try {
      return new Intl.Locale(candidate).maximize().script;
    } catch {
      // Not a tag `Intl` reads: try the language alone.
    }
  }
  return undefined;
}

/** The BCP 47 tag of a locale. */
export function languageOfLocale(locale: Locale): string {
  return locale.toLowerCase();
}

/** Checks a BCP 47 language tag (`en`, `fr-BE`, `ar-IQ`, `zh-Hant-TW`) loosely: what RFC 5646's common forms look like. */
export function isLanguageTag(value: string): boolean {
  return /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$/.test(value);
}

/**
 * The locale a request's `Accept-Language` prefers among the ones we serve
 * (RFC 9110 §12.5.4: the highest quality wins, a tie goes to the first;
 * `*` means any, here English); null when it names none of them.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  let best: { locale: Locale; q: number } | null = null;
  for (const part of header.split(',')) {
    const [range, ...params] = part.trim().split(';');
    // The weight's `q=` is case-insensitive, as every literal in HTTP's grammar (RFC 5234 §2.3).
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q=') || p.startsWith('Q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const locale = range.trim() === '*' ? Locale.EN : localeOfLanguage(range.trim());
    if (locale && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? null;
}

/** The description of every root field's `locale` argument. */
export const LOCALE_ARGUMENT =
  'The locale to serve the content in (carried down to everything beneath): an item written in it or translated into it is served in it, others in their original language. Without it: `Accept-Language`, else EN.';
