import countries from 'i18n-iso-countries';
import arabic from 'i18n-iso-countries/langs/ar.json';
import english from 'i18n-iso-countries/langs/en.json';
import french from 'i18n-iso-countries/langs/fr.json';
import { Locale } from '../shared/content/locale';

countries.registerLocale(english);
countries.registerLocale(french);
countries.registerLocale(arabic);

/** The five organisations' names are ours: no library has them. */
const ORGANISATIONS: Readonly<Record<string, Readonly<Record<Locale, string>>>> = {
  EU: { EN: 'European Union', FR: 'Union européenne', AR: 'الاتحاد الأوروبي' },
  NATO: { EN: 'North Atlantic Treaty Organization', FR: 'Organisation du traité de l’Atlantique nord', AR: 'حلف شمال الأطلسي' },
  INTERPOL: { EN: 'INTERPOL', FR: 'INTERPOL', AR: 'الإنتربول' },
  LAS: { EN: 'Arab League', FR: 'Ligue arabe', AR: 'جامعة الدول العربية' },
  CENSAD: { EN: 'Community of Sahel-Saharan States', FR: 'Communauté des États sahélo-sahariens', AR: 'تجمع دول الساحل والصحراء' },
};

/** The library's code for a member whose ISO code it spells otherwise. */
const LIBRARY_CODES: Readonly<Record<string, string>> = { XKX: 'XKK' };

/**
 * A member's name in a locale: the organisations' from our table, countries'
 * from i18n-iso-countries (its short names, e.g. "Irak", "العراق"); the
 * English name as stored when the locale is English or the library has none.
 */
export function localisedNationName(code: string, englishName: string, locale: Locale): string {
  if (locale === Locale.EN) return englishName;
  const organisation = ORGANISATIONS[code];
  if (organisation) return organisation[locale];
  const name = countries.getName(LIBRARY_CODES[code] ?? code, locale.toLowerCase(), { select: 'official' });
  return name ?? englishName;
}
