/**
 * The words `nations.ts` looks for, beside the formal country names it takes
 * from `i18n-iso-countries`. How a surface form is written here is its case
 * rule: in capitals (`US`, `EU`) it matches only in capitals; capitalised
 * (`Turkey`) it matches capitalised or in capitals; in lower case (`irakien`,
 * `state of Georgia`) it matches in any case. Arabic has no case.
 */

/**
 * The 76 member countries of October 2019 (ISO 3166-1 alpha-3; Kosovo as XKX),
 * copied from the shared reference data so the runtime reads nothing outside
 * the repository.
 */
export const MEMBER_COUNTRY_CODES: readonly string[] = [
  'AFG', 'ALB', 'AUS', 'AUT', 'BHR', 'BEL', 'BIH', 'BGR', 'CMR', 'CAN', 'TCD', 'HRV', 'CYP', 'CZE', 'COD', 'DNK',
  'DJI', 'EGY', 'EST', 'ETH', 'FJI', 'FIN', 'FRA', 'GEO', 'DEU', 'GRC', 'GIN', 'HUN', 'ISL', 'IRQ', 'IRL', 'ITA',
  'JPN', 'JOR', 'KEN', 'XKX', 'KWT', 'LVA', 'LBN', 'LBY', 'LTU', 'LUX', 'MYS', 'MDA', 'MNE', 'MAR', 'NLD', 'NZL',
  'NER', 'NGA', 'MKD', 'NOR', 'OMN', 'PAN', 'PHL', 'POL', 'PRT', 'QAT', 'KOR', 'ROU', 'SAU', 'SRB', 'SGP', 'SVK',
  'SVN', 'SOM', 'ESP', 'SWE', 'TWN', 'TUN', 'TUR', 'UKR', 'ARE', 'GBR', 'USA', 'YEM',
];

/** The five member organisations; their codes are the graph's, not ISO's, so they never count as countries. */
export const ORGANISATION_CODES: readonly string[] = ['EU', 'NATO', 'INTERPOL', 'LAS', 'CENSAD'];

/** Codes the library spells otherwise: it gives Kosovo the older user-assigned XKK. */
export const LIBRARY_CODE_OVERRIDES: Readonly<Record<string, string>> = { XKK: 'XKX' };

/**
 * Library names left out because they are more often something else:
 * Maurice (a first name), Grenade (a grenade, Granada), Réunion (a meeting),
 * Dominique (a first name), عمان (also Amman, Jordan's capital, spelt alike
 * once the vowels are gone), مالي ("financial"), بنين ("boys", as in boys'
 * schools). Safer forms of the countries that matter are in {@link NATION_NAMES}.
 */
export const DROPPED_LIBRARY_NAMES: readonly string[] = ['Maurice', 'Grenade', 'Réunion', 'Reunion', 'Dominique', 'عمان', 'مالي', 'بنين'];

/** Country names that are also given names: see the person rule in `nations.ts`. */
export const PERSON_LIKE_NAMES: readonly string[] = ['Jordan', 'Chad', 'Georgia'];

/**
 * Capitalised words that may stand right before or after a person-like name
 * without making it a person's (`Jordan Valley`, `Northern Chad`).
 */
export const PLACE_WORDS: readonly string[] = [
  'Valley', 'River', 'Basin', 'Lake', 'Rift', 'Armed', 'Army', 'Forces', 'Government', 'Embassy', 'Ministry',
  'Border', 'Authorities', 'Police', 'Parliament', 'Hashemite', 'North', 'South', 'East', 'West', 'Northern',
  'Southern', 'Eastern', 'Western', 'Central', 'Neighbouring', 'Neighboring',
];

/**
 * Acronyms that are also words (`us`, French `eau`): in a line written all
 * in capitals they need more than their shape (see the pronoun rule in `nations.ts`).
 */
export const WORD_ACRONYMS: readonly string[] = ['US', 'EAU'];

/**
 * Phrases that contain a country's name without naming the country ("Niger
 * Delta", "Latin America"), and bare names shared by two countries (Congo,
 * Korea): they match like names but stand for nothing, so the longest-match
 * rule hides the shorter name inside them.
 */
export const BLOCKED_PHRASES: readonly string[] = [
  // English
  'Niger Delta', 'Lake Chad', 'New Mexico', 'New Jersey', 'Jersey City', 'Jersey Shore', 'New Guinea',
  'Gulf of Guinea', 'Guinea pig', 'Guinea pigs', 'Guinea fowl', 'Guinea worm', 'Latin America', 'Latin American',
  'Latin Americans', 'South America', 'South American', 'South Americans', 'North America', 'North American',
  'North Americans', 'Central America', 'Central American', 'Pan American', 'Indian Ocean', 'British Columbia',
  'Atlanta Georgia', 'Savannah Georgia', 'Georgia Tech', 'Georgia State', 'state of Georgia', 'Georgia governor',
  'governor of Georgia', 'Georgia Senate', 'Georgia senator', 'Georgia Bulldogs', 'Congo', 'Korea',
  'Islamic State of Iraq and Syria', 'Islamic State of Iraq and the Levant', 'Islamic State in Iraq and Syria',
  'Islamic State in Iraq and the Levant', 'Islamic State of Iraq and al-Sham',
  // French
  'delta du Niger', 'lac Tchad', 'Nouveau-Mexique', 'Nouvelle-Guinée', 'golfe de Guinée', "cochon d'Inde",
  "cochons d'Inde", 'Amérique latine', 'Amérique du Sud', 'Amérique du Nord', 'Amérique centrale', 'latino-américain',
  'latino-américaine', 'latino-américains', 'latino-américaines', 'sud-américain', 'sud-américaine', 'sud-américains',
  'sud-américaines', 'nord-américain', 'nord-américaine', 'nord-américains', 'nord-américaines', 'océan Indien',
  'Colombie-Britannique', 'Atlanta Géorgie', 'État de Géorgie', 'Corée', 'État islamique en Irak et au Levant',
  'État islamique en Irak et en Syrie', 'État islamique en Irak et au Cham',
  // Arabic
  'دلتا النيجر', 'بحيرة تشاد', 'المغرب العربي', 'أمريكا اللاتينية', 'أمريكا الجنوبية', 'أمريكا الشمالية', 'أمريكا الوسطى',
  'أميركا اللاتينية', 'أميركا الجنوبية', 'أميركا الشمالية', 'أميركا الوسطى', 'المحيط الهندي', 'الكونغو', 'كوريا',
  'ولاية جورجيا', 'غينيا الجديدة', 'خليج غينيا', 'الدولة الإسلامية في العراق والشام', 'الدولة الإسلامية في العراق وسوريا',
];

/** Names, demonyms and adjectives for one code, beyond the library's formal names. */
export interface NationNames {
  /** Names and short forms in any language, written as they must be matched (see the case rule above). */
  readonly names?: readonly string[];
  /** English demonyms and adjectives, singular: `nations.ts` derives the plural (`Iraqi` → `Iraqis`). */
  readonly en?: readonly string[];
  /** French adjectives of nationality, masculine singular: the feminine and plurals are derived (`irakien` → `irakiennes`). */
  readonly fr?: readonly string[];
  /** Arabic nisba adjectives, masculine indefinite: the feminine, plurals and article are derived (`عراقي` → `العراقية`). */
  readonly ar?: readonly string[];
}

/**
 * What people call members, the region's non-members and the organisations,
 * in English, French and Arabic: the library knows formal names only
 * ("Syrian Arab Republic"), while news says "Syria", "Syrian", "syrien", "السوري".
 */
export const NATION_NAMES: Readonly<Record<string, NationNames>> = {
  // Organisations
  EU: {
    names: ['EU', 'European Union', 'European Commission', 'European Parliament', 'UE', 'Union européenne', 'Commission européenne', 'Parlement européen',
      'الاتحاد الأوروبي', 'الاتحاد الأوربي', 'المفوضية الأوروبية', 'البرلمان الأوروبي'],
  },
  NATO: {
    names: ['Nato', 'North Atlantic Treaty Organization', 'North Atlantic Treaty Organisation', 'North Atlantic Alliance', 'Otan',
      "Organisation du traité de l'Atlantique nord", 'Alliance atlantique', 'الناتو', 'ناتو', 'حلف شمال الأطلسي', 'حلف الأطلسي', 'الحلف الأطلسي'],
  },
  INTERPOL: {
    names: ['Interpol', 'International Criminal Police Organization', 'International Criminal Police Organisation',
      'Organisation internationale de police criminelle', 'الإنتربول', 'إنتربول', 'منظمة الشرطة الجنائية الدولية'],
  },
  LAS: {
    names: ['Arab League', 'League of Arab States', 'Ligue arabe', 'Ligue des États arabes', 'جامعة الدول العربية', 'الجامعة العربية'],
  },
  CENSAD: {
    names: ['CEN-SAD', 'CENSAD', 'Community of Sahel-Saharan States', 'Communauté des États sahélo-sahariens', 'تجمع دول الساحل والصحراء', 'تجمع الساحل والصحراء'],
  },

  // Member countries
  AFG: { en: ['Afghan'], fr: ['afghan'], ar: ['أفغاني'] },
  ALB: { en: ['Albanian'], fr: ['albanais'], ar: ['ألباني'] },
  AUS: { en: ['Australian'], fr: ['australien'], ar: ['أسترالي'] },
  AUT: { en: ['Austrian'], fr: ['autrichien'], ar: ['نمساوي'] },
  BHR: { en: ['Bahraini'], fr: ['bahreïnien', 'bahreïni'], ar: ['بحريني'] },
  BEL: { en: ['Belgian'], fr: ['belge'], ar: ['بلجيكي'] },
  BIH: { names: ['Bosnia', 'Bosnia-Herzegovina', 'Bosnie', 'البوسنة'], en: ['Bosnian'], fr: ['bosnien', 'bosniaque'], ar: ['بوسني'] },
  BGR: { en: ['Bulgarian'], fr: ['bulgare'], ar: ['بلغاري'] },
  CMR: { en: ['Cameroonian'], fr: ['camerounais'], ar: ['كاميروني'] },
  CAN: { en: ['Canadian'], fr: ['canadien'], ar: ['كندي'] },
  TCD: { en: ['Chadian'], fr: ['tchadien'], ar: ['تشادي'] },
  HRV: { en: ['Croatian', 'Croat'], fr: ['croate'], ar: ['كرواتي'] },
  CYP: { en: ['Cypriot'], fr: ['chypriote'], ar: ['قبرصي'] },
  CZE: { names: ['Tchéquie', 'التشيك'], en: ['Czech'], fr: ['tchèque'], ar: ['تشيكي'] },
  COD: {
    names: ['DRC', 'DR Congo', 'Democratic Republic of Congo', 'Congo-Kinshasa', 'RDC', 'République démocratique du Congo',
      'الكونغو الديمقراطية'],
  },
  DNK: { en: ['Danish', 'Dane'], fr: ['danois'], ar: ['دنماركي', 'دانماركي'] },
  DJI: { en: ['Djiboutian'], fr: ['djiboutien'], ar: ['جيبوتي'] },
  EGY: { en: ['Egyptian'], fr: ['égyptien'], ar: ['مصري'] },
  EST: { en: ['Estonian'], fr: ['estonien'], ar: ['إستوني'] },
  ETH: { en: ['Ethiopian'], fr: ['éthiopien'], ar: ['إثيوبي'] },
  FJI: { en: ['Fijian'], fr: ['fidjien'], ar: ['فيجي'] },
  FIN: { names: ['Finns'], en: ['Finnish'], fr: ['finlandais'], ar: ['فنلندي'] },
  FRA: { names: ['Frenchman', 'Frenchmen', 'Frenchwoman', 'Frenchwomen'], en: ['French'], fr: ['français'], ar: ['فرنسي'] },
  GEO: { en: ['Georgian'], fr: ['géorgien'], ar: ['جورجي'] },
  DEU: { names: ['الألمان'], en: ['German'], fr: ['allemand'], ar: ['ألماني'] },
  GRC: { names: ['grec', 'grecque', 'grecs', 'grecques'], en: ['Greek'], ar: ['يوناني'] },
  GIN: { names: ['Guinea-Conakry', 'Guinée-Conakry'], en: ['Guinean'], fr: ['guinéen'], ar: ['غيني'] },
  HUN: { en: ['Hungarian'], fr: ['hongrois'] },
  ISL: { names: ['Icelandic'], en: ['Icelander'], fr: ['islandais'], ar: ['آيسلندي', 'أيسلندي'] },
  IRQ: { names: ['Iraq'], en: ['Iraqi'], fr: ['irakien'], ar: ['عراقي'] },
  IRL: { names: ['Irish', 'Irishman', 'Irishmen'], fr: ['irlandais'], ar: ['أيرلندي', 'إيرلندي'] },
  ITA: { en: ['Italian'], fr: ['italien'], ar: ['إيطالي'] },
  JPN: { en: ['Japanese'], fr: ['japonais'], ar: ['ياباني'] },
  JOR: { names: ['المملكة الأردنية الهاشمية'], en: ['Jordanian'], fr: ['jordanien'], ar: ['أردني'] },
  KEN: { en: ['Kenyan'], fr: ['kényan'], ar: ['كيني'] },
  XKX: { names: ['Kosovo', 'كوسوفو'], en: ['Kosovar', 'Kosovan'], fr: ['kosovar'], ar: ['كوسوفي'] },
  KWT: { en: ['Kuwaiti'], fr: ['koweïtien'], ar: ['كويتي'] },
  LVA: { en: ['Latvian'], fr: ['letton'], ar: ['لاتفي'] },
  LBN: { en: ['Lebanese'], fr: ['libanais'], ar: ['لبناني'] },
  LBY: { en: ['Libyan'], fr: ['libyen'], ar: ['ليبي'] },
  LTU: { en: ['Lithuanian'], fr: ['lituanien'], ar: ['ليتواني'] },
  LUX: { names: ['Luxembourgish', 'لوكسمبورج'], en: ['Luxembourger'], fr: ['luxembourgeois'], ar: ['لوكسمبورغي'] },
  MYS: { en: ['Malaysian'], fr: ['malaisien'], ar: ['ماليزي'] },
  MDA: { names: ['Moldova', 'Republic of Moldova', 'Moldavie'], en: ['Moldovan'], fr: ['moldave'], ar: ['مولدوفي'] },
  MNE: { en: ['Montenegrin'], fr: ['monténégrin'] },
  MAR: { names: ['المملكة المغربية'], en: ['Moroccan'], fr: ['marocain'], ar: ['مغربي'] },
  NLD: { names: ['Holland', 'Dutchman', 'Dutchmen'], en: ['Dutch'], fr: ['néerlandais'], ar: ['هولندي'] },
  NZL: { en: ['New Zealander'], fr: ['néo-zélandais'], ar: ['نيوزيلندي'] },
  NER: { en: ['Nigerien'], fr: ['nigérien'] },
  NGA: { en: ['Nigerian'], fr: ['nigérian'], ar: ['نيجيري'] },
  MKD: { names: ['Macedonia', 'FYROM', 'Macédoine', 'مقدونيا'], en: ['Macedonian', 'North Macedonian'], fr: ['macédonien'], ar: ['مقدوني'] },
  NOR: { en: ['Norwegian'], fr: ['norvégien'], ar: ['نرويجي'] },
  OMN: { names: ['سلطنة عمان'], en: ['Omani'], fr: ['omanais'], ar: ['عماني'] },
  PAN: { en: ['Panamanian'], fr: ['panaméen'], ar: ['بنمي'] },
  PHL: { names: ['Philippine'], en: ['Filipino'], fr: ['philippin'], ar: ['فلبيني'] },
  POL: { names: ['Polish', 'Poles'], fr: ['polonais'], ar: ['بولندي'] },
  PRT: { en: ['Portuguese'], fr: ['portugais'], ar: ['برتغالي'] },
  QAT: { en: ['Qatari'], fr: ['qatari', 'qatarien'], ar: ['قطري'] },
  KOR: { names: ['ROK', 'الكوري الجنوبي', 'الكورية الجنوبية'], en: ['South Korean'], fr: ['sud-coréen'] },
  ROU: { en: ['Romanian'], fr: ['roumain'] },
  SAU: { names: ['KSA', 'المملكة العربية السعودية'], en: ['Saudi'], fr: ['saoudien'], ar: ['سعودي'] },
  SRB: { en: ['Serbian', 'Serb'], fr: ['serbe'], ar: ['صربي'] },
  SGP: { en: ['Singaporean'], fr: ['singapourien'], ar: ['سنغافوري'] },
  SVK: { en: ['Slovak', 'Slovakian'], fr: ['slovaque'], ar: ['سلوفاكي'] },
  SVN: { en: ['Slovenian', 'Slovene'], fr: ['slovène'], ar: ['سلوفيني'] },
  SOM: { en: ['Somali', 'Somalian'], fr: ['somalien'], ar: ['صومالي'] },
  ESP: { names: ['Spanish'], en: ['Spaniard'], fr: ['espagnol'], ar: ['إسباني'] },
  SWE: { names: ['Swedish'], en: ['Swede'], fr: ['suédois'], ar: ['سويدي'] },
  TWN: { names: ['Taiwanese', 'Chinese Taipei'], fr: ['taïwanais'], ar: ['تايواني'] },
  TUN: { en: ['Tunisian'], fr: ['tunisien'], ar: ['تونسي'] },
  TUR: { names: ['Turkish', 'turc', 'turque', 'turcs', 'turques', 'الأتراك', 'أتراك'], en: ['Turk'], ar: ['تركي'] },
  UKR: { en: ['Ukrainian'], fr: ['ukrainien'], ar: ['أوكراني'] },
  ARE: { names: ['Emirates', 'EAU', 'Émirats', 'الإمارات'], en: ['Emirati'], fr: ['émirien', 'émirati'], ar: ['إماراتي'] },
  GBR: {
    names: ['Britain', 'British', 'Brits', 'Grande-Bretagne', 'بريطانيا'],
    en: ['Briton'], fr: ['britannique'], ar: ['بريطاني'],
  },
  USA: {
    names: ['America', 'États-Unis', 'Amérique', 'أمريكا', 'أميركا', 'الأمريكان', 'الأميركان'],
    en: ['American'], fr: ['américain'], ar: ['أمريكي', 'أميركي'],
  },
  YEM: { names: ['Yemenite'], en: ['Yemeni'], fr: ['yéménite'], ar: ['يمني'] },

  // Non-members the coalition's news names most
  SYR: { names: ['Syria', 'سورية'], en: ['Syrian'], fr: ['syrien'], ar: ['سوري'] },
  IRN: { en: ['Iranian'], fr: ['iranien'], ar: ['إيراني'] },
  ISR: { en: ['Israeli'], fr: ['israélien'], ar: ['إسرائيلي'] },
  RUS: { names: ['russe', 'russes', 'الروس'], en: ['Russian'], ar: ['روسي'] },
  PSE: { en: ['Palestinian'], fr: ['palestinien'], ar: ['فلسطيني'] },
  SDN: { en: ['Sudanese'], fr: ['soudanais'], ar: ['سوداني'] },
  SSD: { en: ['South Sudanese'], fr: ['sud-soudanais'] },
  DZA: { en: ['Algerian'], fr: ['algérien'], ar: ['جزائري'] },
  MRT: { en: ['Mauritanian'], fr: ['mauritanien'], ar: ['موريتاني'] },
  MLI: { names: ['في مالي', 'إلى مالي', 'من مالي', 'جمهورية مالي', 'شمال مالي', 'وسط مالي'], en: ['Malian'], fr: ['malien'] },
  BFA: { names: ['Burkina', 'بوركينا'], en: ['Burkinabe'], fr: ['burkinabé'] },
  PAK: { en: ['Pakistani'], fr: ['pakistanais'], ar: ['باكستاني'] },
  IND: { en: ['Indian'], fr: ['indien'], ar: ['هندي'] },
  CHN: { names: ['Chinese'], fr: ['chinois'], ar: ['صيني'] },
  CHE: { names: ['Swiss', 'suisse', 'suisses'], ar: ['سويسري'] },
  MUS: { names: ['île Maurice'] },
  VGB: { names: ['British Virgin Islands'] },
  VIR: { names: ['US Virgin Islands'] },
};
