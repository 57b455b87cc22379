import type { Locale } from '../shared/content/locale';
import type { LocalisedItem } from '../shared/content/localise';
import { localisedNationName } from './localised-names';
import type { MemberNation } from './member-nation.entity';

const views = new WeakMap<MemberNation, Map<Locale, MemberNation>>();

/**
 * A member as served in `locale`: its name in that locale, and the locale
 * carried to its feed and projects. One view per member and locale, made
 * once and kept as long as the catalogue keeps the member, so serving a page
 * of items in Arabic allocates nothing per nation.
 */
export function localisedNation(nation: MemberNation, locale: Locale | null | undefined): MemberNation {
  if (!locale) return nation;
  let byLocale = views.get(nation);
  if (!byLocale) views.set(nation, (byLocale = new Map()));
  let view = byLocale.get(locale);
  if (!view) {
    view = Object.create(nation) as MemberNation;
    Object.defineProperty(view, 'name', { value: localisedNationName(nation.code, nation.name, locale), enumerable: true });
    (view as MemberNation & LocalisedItem).requestedLocale = locale;
    byLocale.set(locale, view);
  }
  return view;
}
