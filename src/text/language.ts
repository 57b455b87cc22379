import { franc } from 'franc-min';

/** ISO 639-3 codes franc returns, as the two-letter BCP 47 tags they have (those that have one). */
const TWO_LETTER: Readonly<Record<string, string>> = {
  eng: 'en', fra: 'fr', arb: 'ar', ara: 'ar', deu: 'de', spa: 'es', ita: 'it', por: 'pt', nld: 'nl', tur: 'tr', rus: 'ru', ukr: 'uk', pol: 'pl',
  ckb: 'ku', kmr: 'ku', pes: 'fa', urd: 'ur', hin: 'hi', ben: 'bn', ind: 'id', zlm: 'ms', swh: 'sw', hau: 'ha', som: 'so', amh: 'am',
  cmn: 'zh', jpn: 'ja', kor: 'ko', swe: 'sv', dan: 'da', nob: 'nb', fin: 'fi', ell: 'el', heb: 'he', ron: 'ro', hun: 'hu', ces: 'cs',
};

/** Text shorter than this is not guessed: franc is unreliable on a few words. */
const MIN_LENGTH = 20;

/**
 * The language a text is written in, as a BCP 47 tag (`en`, `fr`, `ar`, or
 * any other franc recognises), or null when the text is too short or too
 * mixed to tell. Used when an editor or a source does not say.
 */
export function detectLanguage(text: string): string | null {
  const sample = text.slice(0, 2_000);
  if (sample.replace(/\s+/g, '').length < MIN_LENGTH) return null;
  const code = franc(sample, { minLength: MIN_LENGTH });
  if (code === 'und') return null;
  return TWO_LETTER[code] ?? code;
}
