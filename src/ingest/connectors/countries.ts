import countries from 'i18n-iso-countries';

/**
 * Kosovo has no ISO 3166-1 code; the library calls it XKK, while IATI,
 * the EU and most registers use XK and XKX. The graph stores XKX.
 */
const KOSOVO = 'XKX';

/** Names in use that the library's English list lacks. */
const EXTRA_NAMES: Record<string, string> = {
  syria: 'SYR',
  'syrian arab republic': 'SYR',
  kosovo: KOSOVO,
  'the netherlands': 'NLD',
  'the gambia': 'GMB',
  'ivory coast': 'CIV',
  'republic of iraq': 'IRQ',
  'kurdistan region of iraq': 'IRQ',
};

let byName: Map<string, string> | null = null;
const cache = new Map<string, string | null>();

/**
 * The ISO 3166-1 alpha-3 code for an alpha-2 code, an alpha-3 code or an
 * English country name (any case); null when it names no country. Results are
 * remembered, since a register repeats the same few countries many times.
 */
export function alpha3Of(value: string): string | null {
  const key = value.trim();
  let code = cache.get(key);
  if (code === undefined) {
    code = lookUp(key);
    cache.set(key, code);
  }
  return code;
}

/** The alpha-3 code for an alpha-2 code only (as IATI gives them); null when unknown. */
export function alpha3OfAlpha2(value: string): string | null {
  const code = value.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? alpha3Of(code) : null;
}

function lookUp(value: string): string | null {
  const upper = value.toUpperCase();
  if (upper === 'XK' || upper === 'XKX' || upper === 'XKK') return KOSOVO;
  if (/^[A-Z]{2}$/.test(upper)) return countries.alpha2ToAlpha3(upper) ?? null;
  if (/^[A-Z]{3}$/.test(upper) && countries.isValid(upper)) return upper;
  return names().get(value.toLowerCase().replace(/\s+/g, ' ')) ?? null;
}

function names(): Map<string, string> {
  if (!byName) {
    byName = new Map();
    for (const [alpha2, list] of Object.entries(countries.getNames('en', { select: 'all' }))) {
      const alpha3 = alpha2 === 'XK' ? KOSOVO : countries.alpha2ToAlpha3(alpha2);
      if (!alpha3) continue;
      for (const name of list) byName.set(name.toLowerCase(), alpha3);
    }
    for (const [name, alpha3] of Object.entries(EXTRA_NAMES)) byName.set(name, alpha3);
  }
  return byName;
}
