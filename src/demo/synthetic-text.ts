/**
 * The words synthetic items are written with, in English, French and Arabic:
 * places, themes, nations and a general vocabulary, each drawn with a Zipf-like
 * frequency (the n-th most common word about 1/n as often as the first), so
 * that full-text search over a synthetic dataset behaves as it would over real
 * content: a place and a theme together match a fraction of a percent of the
 * items, a country name a large share of them, and most of the vocabulary is
 * rare. Nothing here contains `<`, `>` or `&`, so a body is its paragraphs
 * wrapped in `<p>` with no escaping.
 */

/** The languages of synthetic items, with their shares. */
export type SyntheticLanguage = 'en' | 'fr' | 'ar';
export const LANGUAGE_SHARES: readonly (readonly [SyntheticLanguage, number])[] = [['en', 70], ['fr', 15], ['ar', 15]];

/** A word or phrase in the three languages. */
export type Words = Readonly<Record<SyntheticLanguage, string>>;

/**
 * Zipf-like weights for a list in rank order: 1 / (rank + 1)^s. `s` near 1 is
 * what word frequencies in natural text look like.
 */
export function zipf<T>(values: readonly T[], s = 1): [T, number][] {
  return values.map((value, rank) => [value, 1 / Math.pow(rank + 1, s)]);
}

/** Places by the country the item is in, most written-about first; names as each language writes them. */
export const PLACES: Readonly<Record<string, readonly Words[]>> = {
  IRQ: [
    { en: 'Mosul', fr: 'Mossoul', ar: 'الموصل' },
    { en: 'Ramadi', fr: 'Ramadi', ar: 'الرمادي' },
    { en: 'Fallujah', fr: 'Falloujah', ar: 'الفلوجة' },
    { en: 'Sinjar', fr: 'Sinjar', ar: 'سنجار' },
    { en: 'Baghdad', fr: 'Bagdad', ar: 'بغداد' },
    { en: 'Tikrit', fr: 'Tikrit', ar: 'تكريت' },
    { en: 'West Mosul', fr: 'Mossoul-Ouest', ar: 'غرب الموصل' },
    { en: 'Tal Afar', fr: 'Tal Afar', ar: 'تلعفر' },
    { en: 'Erbil', fr: 'Erbil', ar: 'أربيل' },
    { en: 'Hawija', fr: 'Hawija', ar: 'الحويجة' },
    { en: 'Qayyarah', fr: 'Qayyarah', ar: 'القيارة' },
    { en: 'Baiji', fr: 'Baïji', ar: 'بيجي' },
    { en: 'Anah', fr: 'Anah', ar: 'عانة' },
    { en: 'Hit', fr: 'Hit', ar: 'هيت' },
    { en: 'Rutba', fr: 'Routba', ar: 'الرطبة' },
  ],
  SYR: [
    { en: 'Raqqa', fr: 'Raqqa', ar: 'الرقة' },
    { en: 'Deir ez-Zor', fr: 'Deir ez-Zor', ar: 'دير الزور' },
    { en: 'Hajin', fr: 'Hajin', ar: 'هجين' },
    { en: 'Manbij', fr: 'Manbij', ar: 'منبج' },
    { en: 'Kobani', fr: 'Kobané', ar: 'كوباني' },
    { en: 'Tabqa', fr: 'Tabqa', ar: 'الطبقة' },
    { en: 'Hasakah', fr: 'Hassaké', ar: 'الحسكة' },
    { en: 'al-Hol', fr: 'al-Hol', ar: 'الهول' },
    { en: 'Baghuz', fr: 'Baghouz', ar: 'الباغوز' },
    { en: 'Tal Abyad', fr: 'Tall Abyad', ar: 'تل أبيض' },
    { en: 'Ain Issa', fr: 'Aïn Issa', ar: 'عين عيسى' },
    { en: 'Shaddadi', fr: 'Chaddadi', ar: 'الشدادي' },
  ],
  NGA: [
    { en: 'Maiduguri', fr: 'Maiduguri', ar: 'مايدوغوري' },
    { en: 'Borno State', fr: 'État de Borno', ar: 'ولاية بورنو' },
    { en: 'Yobe State', fr: 'État de Yobe', ar: 'ولاية يوبي' },
  ],
  AFG: [
    { en: 'Nangarhar', fr: 'Nangarhar', ar: 'ننغرهار' },
    { en: 'Jalalabad', fr: 'Jalalabad', ar: 'جلال آباد' },
    { en: 'Kunar', fr: 'Kounar', ar: 'كونار' },
  ],
  SOM: [
    { en: 'Puntland', fr: 'Puntland', ar: 'بونتلاند' },
    { en: 'Bosaso', fr: 'Bosaso', ar: 'بوصاصو' },
  ],
  LBY: [
    { en: 'Sirte', fr: 'Syrte', ar: 'سرت' },
    { en: 'Derna', fr: 'Derna', ar: 'درنة' },
    { en: 'Sabha', fr: 'Sebha', ar: 'سبها' },
  ],
  PHL: [
    { en: 'Marawi', fr: 'Marawi', ar: 'مراوي' },
    { en: 'Sulu', fr: 'Sulu', ar: 'سولو' },
  ],
  MLI: [
    { en: 'Menaka', fr: 'Ménaka', ar: 'ميناكا' },
    { en: 'Gao', fr: 'Gao', ar: 'غاو' },
  ],
};

/**
 * What items are about, most common first. `noun` is how a sentence names the
 * theme (French with its article, Arabic with ال), `sector` the project sector
 * it belongs to, if any.
 */
export interface Theme {
  readonly noun: Words;
  readonly sector: string | null;
}

export const THEMES: readonly Theme[] = [
  { noun: { en: 'reconstruction', fr: 'la reconstruction', ar: 'إعادة الإعمار' }, sector: 'infrastructure' },
  { noun: { en: 'returns', fr: 'les retours', ar: 'عودة النازحين' }, sector: 'social-cohesion' },
  { noun: { en: 'security', fr: 'la sécurité', ar: 'الأمن' }, sector: null },
  { noun: { en: 'water', fr: 'l’eau', ar: 'المياه' }, sector: 'water' },
  { noun: { en: 'electricity', fr: 'l’électricité', ar: 'الكهرباء' }, sector: 'electricity' },
  { noun: { en: 'demining', fr: 'le déminage', ar: 'إزالة الألغام' }, sector: 'demining' },
  { noun: { en: 'health care', fr: 'la santé', ar: 'الرعاية الصحية' }, sector: 'health' },
  { noun: { en: 'housing', fr: 'le logement', ar: 'السكن' }, sector: 'housing' },
  { noun: { en: 'detention', fr: 'la détention', ar: 'الاحتجاز' }, sector: null },
  { noun: { en: 'jobs', fr: 'l’emploi', ar: 'فرص العمل' }, sector: 'livelihoods' },
  { noun: { en: 'roads', fr: 'les routes', ar: 'الطرق' }, sector: 'infrastructure' },
  { noun: { en: 'camps', fr: 'les camps', ar: 'المخيمات' }, sector: null },
  { noun: { en: 'hospitals', fr: 'les hôpitaux', ar: 'المستشفيات' }, sector: 'health' },
  { noun: { en: 'schools', fr: 'les écoles', ar: 'المدارس' }, sector: 'education' },
  { noun: { en: 'police training', fr: 'la formation de la police', ar: 'تدريب الشرطة' }, sector: null },
  { noun: { en: 'propaganda', fr: 'la propagande', ar: 'الدعاية' }, sector: null },
  { noun: { en: 'foreign fighters', fr: 'les combattants étrangers', ar: 'المقاتلين الأجانب' }, sector: null },
  { noun: { en: 'agriculture', fr: 'l’agriculture', ar: 'الزراعة' }, sector: 'livelihoods' },
  { noun: { en: 'rubble removal', fr: 'le déblaiement', ar: 'إزالة الأنقاض' }, sector: 'infrastructure' },
  { noun: { en: 'bridges', fr: 'les ponts', ar: 'الجسور' }, sector: 'infrastructure' },
  { noun: { en: 'markets', fr: 'les marchés', ar: 'الأسواق' }, sector: 'livelihoods' },
  { noun: { en: 'women’s leadership', fr: 'le rôle des femmes', ar: 'قيادة المرأة' }, sector: 'social-cohesion' },
  { noun: { en: 'youth programmes', fr: 'les programmes pour la jeunesse', ar: 'برامج الشباب' }, sector: 'social-cohesion' },
  { noun: { en: 'terrorist financing', fr: 'le financement du terrorisme', ar: 'تمويل الإرهاب' }, sector: null },
  { noun: { en: 'border security', fr: 'la sécurité des frontières', ar: 'أمن الحدود' }, sector: null },
  { noun: { en: 'repatriation', fr: 'le rapatriement', ar: 'الإعادة إلى الوطن' }, sector: null },
  { noun: { en: 'justice', fr: 'la justice', ar: 'العدالة' }, sector: null },
  { noun: { en: 'sanitation', fr: 'l’assainissement', ar: 'الصرف الصحي' }, sector: 'water' },
  { noun: { en: 'water stations', fr: 'les stations d’eau', ar: 'محطات المياه' }, sector: 'water' },
  { noun: { en: 'power lines', fr: 'les lignes électriques', ar: 'خطوط الكهرباء' }, sector: 'electricity' },
  { noun: { en: 'media literacy', fr: 'l’éducation aux médias', ar: 'التربية الإعلامية' }, sector: null },
  { noun: { en: 'aviation security', fr: 'la sûreté aérienne', ar: 'أمن الطيران' }, sector: null },
  { noun: { en: 'mental health', fr: 'la santé mentale', ar: 'الصحة النفسية' }, sector: 'health' },
  { noun: { en: 'teacher training', fr: 'la formation des enseignants', ar: 'تدريب المعلمين' }, sector: 'education' },
  { noun: { en: 'social cohesion', fr: 'la cohésion sociale', ar: 'التماسك الاجتماعي' }, sector: 'social-cohesion' },
  { noun: { en: 'irrigation canals', fr: 'les canaux d’irrigation', ar: 'قنوات الري' }, sector: 'water' },
];

/** Outcomes a title can announce. */
export const ACTIONS: readonly Words[] = [
  { en: 'work begins', fr: 'les travaux commencent', ar: 'بدء الأعمال' },
  { en: 'families return', fr: 'les familles reviennent', ar: 'عودة العائلات' },
  { en: 'a new phase', fr: 'une nouvelle étape', ar: 'مرحلة جديدة' },
  { en: 'the first results', fr: 'les premiers résultats', ar: 'النتائج الأولى' },
  { en: 'a year on', fr: 'un an après', ar: 'بعد عام' },
  { en: 'what has changed', fr: 'ce qui a changé', ar: 'ما الذي تغير' },
  { en: 'local voices', fr: 'des voix locales', ar: 'أصوات محلية' },
  { en: 'the next steps', fr: 'les prochaines étapes', ar: 'الخطوات التالية' },
  { en: 'progress continues', fr: 'les progrès se poursuivent', ar: 'التقدم مستمر' },
  { en: 'a coalition update', fr: 'le point de la coalition', ar: 'تحديث من التحالف' },
  { en: 'services restored', fr: 'des services rétablis', ar: 'استعادة الخدمات' },
  { en: 'challenges remain', fr: 'des défis persistent', ar: 'تحديات قائمة' },
];

/** Title frames per language: {place}, {theme}, {theme2}, {action}, {nation}. The first letter is capitalised afterwards. */
export const TITLE_FRAMES: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: ['{theme} in {place}: {action}', '{place}: {theme} and {theme2}', 'How {place} is restoring {theme}', '{nation} supports {theme} in {place}', '{place}, {action}: {theme}'],
  fr: ['{theme} à {place} : {action}', '{place} : {theme} et {theme2}', 'Comment {place} rétablit {theme}', '{nation} soutient {theme} à {place}', '{place}, {action} : {theme}'],
  ar: ['{theme} في {place}: {action}', '{place}: {theme} و{theme2}', 'كيف تستعيد {place} {theme}', '{nation} تدعم {theme} في {place}', '{place}، {action}: {theme}'],
};

/**
 * Body sentences per language. Slots: {place}, {place2}, {theme}, {theme2},
 * {nation}, {country}, {partner}, {n} {n2} (nouns), {a} (adjective), {v}
 * (verb, third person), {pp} (past participle), {num}, {year}.
 */
export const SENTENCES: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: [
    'In {place}, {partner} {v} {a} {n} for {theme}.',
    '{nation} {v} {num} {n} to support {theme} across {country}.',
    'The {a} {n} in {place} was {pp} in {year}, officials said.',
    '{theme} remains a {a} {n} for families in {place} and {place2}.',
    'Since {year}, {num} {n} have been {pp} near {place}.',
    'Local {n} {v} the {n2} of {theme} with {partner}.',
    'Residents say {theme2} and {theme} are the {a} {n} now.',
    'The coalition {v} {a} {n} in {country} with {nation}.',
    'More than {num} {n} were {pp} this year.',
    'A {a} {n} {v} {theme2} in {place2}.',
  ],
  fr: [
    'À {place}, {partner} {v} {a} {n} pour {theme}.',
    '{nation} {v} {num} {n} pour soutenir {theme} en {country}.',
    'Le {n} {a} de {place} a été {pp} en {year}, selon les autorités.',
    '{theme} reste un {n} {a} pour les familles de {place} et de {place2}.',
    'Depuis {year}, {num} {n} ont été {pp} près de {place}.',
    'Les {n} locaux {v} {theme} avec {partner}.',
    'Selon les habitants, {theme2} et {theme} sont le {n} {a} du moment.',
    'La coalition {v} un {n} {a} en {country} avec {nation}.',
    'Plus de {num} {n} ont été {pp} cette année.',
    'Un {n} {a} {v} {theme2} à {place2}.',
  ],
  ar: [
    'في {place}، {v} {partner} {n} {a} من أجل {theme}.',
    '{v} {nation} {num} {n} لدعم {theme} في {country}.',
    'تم {pp} {n} {a} في {place} عام {year}، بحسب المسؤولين.',
    'لا يزال {theme} {n} {a} للعائلات في {place} و{place2}.',
    'منذ عام {year}، تم {pp} {num} {n} قرب {place}.',
    '{v} {n} المحلي {theme} مع {partner}.',
    'يقول السكان إن {theme2} و{theme} هما {n} {a} الآن.',
    '{v} التحالف {n} {a} في {country} مع {nation}.',
    'تم {pp} أكثر من {num} {n} هذا العام.',
    '{n} {a} {v} {theme2} في {place2}.',
  ],
};

/** Nouns, most common first. */
export const NOUNS: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: [
    'support', 'project', 'families', 'people', 'services', 'communities', 'authorities', 'partners', 'workers', 'programme', 'teams',
    'children', 'residents', 'councils', 'equipment', 'funding', 'engineers', 'volunteers', 'officials', 'facilities', 'students',
    'teachers', 'doctors', 'farmers', 'survivors', 'generators', 'pumps', 'classrooms', 'clinics', 'buildings', 'neighbourhoods',
    'villages', 'districts', 'experts', 'trainers', 'graduates', 'contractors', 'shelters', 'kits', 'grants', 'loans', 'workshops',
    'surveys', 'assessments', 'patrols', 'checkpoints', 'courts', 'judges', 'investigators', 'prosecutors', 'journalists',
    'broadcasters', 'imams', 'elders', 'mayors', 'nurses', 'midwives', 'pharmacies', 'laboratories', 'wells', 'reservoirs', 'pipelines',
    'substations', 'transformers', 'turbines', 'bakeries', 'mills', 'greenhouses', 'orchards', 'livestock', 'tractors', 'seeds',
  ],
  fr: [
    'soutien', 'projet', 'familles', 'habitants', 'services', 'communautés', 'autorités', 'partenaires', 'travailleurs', 'programme',
    'équipes', 'enfants', 'conseils', 'équipements', 'financements', 'ingénieurs', 'bénévoles', 'responsables', 'installations',
    'élèves', 'enseignants', 'médecins', 'agriculteurs', 'survivants', 'générateurs', 'pompes', 'classes', 'dispensaires', 'bâtiments',
    'quartiers', 'villages', 'districts', 'experts', 'formateurs', 'diplômés', 'entrepreneurs', 'abris', 'trousses', 'subventions',
    'prêts', 'ateliers', 'enquêtes', 'évaluations', 'patrouilles', 'tribunaux', 'juges', 'journalistes', 'maires', 'infirmières',
    'pharmacies', 'laboratoires', 'puits', 'réservoirs', 'canalisations', 'transformateurs', 'boulangeries', 'moulins', 'semences',
  ],
  ar: [
    'الدعم', 'المشروع', 'العائلات', 'السكان', 'الخدمات', 'المجتمعات', 'السلطات', 'الشركاء', 'العمال', 'البرنامج', 'الفرق', 'الأطفال',
    'المجالس', 'المعدات', 'التمويل', 'المهندسون', 'المتطوعون', 'المسؤولون', 'المرافق', 'الطلاب', 'المعلمون', 'الأطباء', 'المزارعون',
    'الناجون', 'المولدات', 'المضخات', 'الفصول', 'العيادات', 'المباني', 'الأحياء', 'القرى', 'المناطق', 'الخبراء', 'المدربون',
    'الخريجون', 'المقاولون', 'الملاجئ', 'المنح', 'القروض', 'الورش', 'الدراسات', 'التقييمات', 'الدوريات', 'المحاكم', 'القضاة',
    'الصحفيون', 'رؤساء البلديات', 'الممرضات', 'الصيدليات', 'المختبرات', 'الآبار', 'الخزانات', 'الأنابيب', 'المحولات', 'المخابز',
  ],
};

/** Adjectives, most common first. */
export const ADJECTIVES: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: [
    'new', 'local', 'first', 'essential', 'urgent', 'basic', 'safe', 'public', 'major', 'small', 'additional', 'temporary', 'permanent',
    'damaged', 'restored', 'vital', 'critical', 'modern', 'regional', 'rural', 'remote', 'clean', 'reliable', 'affordable', 'solar',
    'mobile', 'joint', 'national', 'independent', 'sustainable', 'lasting', 'fragile', 'practical', 'technical', 'specialised',
  ],
  fr: [
    'nouveau', 'local', 'premier', 'essentiel', 'urgent', 'sûr', 'public', 'important', 'petit', 'supplémentaire', 'temporaire',
    'permanent', 'endommagé', 'rétabli', 'vital', 'critique', 'moderne', 'régional', 'rural', 'isolé', 'propre', 'fiable', 'solaire',
    'mobile', 'conjoint', 'national', 'indépendant', 'durable', 'fragile', 'pratique', 'technique', 'spécialisé',
  ],
  ar: [
    'الجديد', 'المحلي', 'الأول', 'الأساسي', 'العاجل', 'الآمن', 'العام', 'الكبير', 'الصغير', 'الإضافي', 'المؤقت', 'الدائم', 'المتضرر',
    'الحيوي', 'الحديث', 'الإقليمي', 'الريفي', 'النائي', 'النظيف', 'الموثوق', 'الشمسي', 'المتنقل', 'المشترك', 'الوطني', 'المستدام',
    'الهش', 'العملي', 'الفني', 'المتخصص',
  ],
};

/** Verbs (third person present), most common first. */
export const VERBS: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: [
    'provides', 'supports', 'funds', 'delivers', 'restores', 'repairs', 'rebuilds', 'trains', 'clears', 'opens', 'equips', 'protects',
    'monitors', 'expands', 'improves', 'completes', 'launches', 'coordinates', 'renovates', 'installs', 'hands over', 'inspects',
    'documents', 'reinforces', 'connects', 'reopens', 'distributes', 'finances', 'mentors', 'evaluates',
  ],
  fr: [
    'fournit', 'soutient', 'finance', 'livre', 'rétablit', 'répare', 'reconstruit', 'forme', 'déblaie', 'ouvre', 'équipe', 'protège',
    'surveille', 'étend', 'améliore', 'achève', 'lance', 'coordonne', 'rénove', 'installe', 'remet', 'inspecte', 'documente', 'renforce',
    'raccorde', 'rouvre', 'distribue', 'accompagne', 'évalue',
  ],
  ar: [
    'يقدم', 'يدعم', 'يمول', 'يسلم', 'يعيد', 'يصلح', 'يبني', 'يدرب', 'يطهر', 'يفتتح', 'يجهز', 'يحمي', 'يراقب', 'يوسع', 'يحسن', 'ينجز',
    'يطلق', 'ينسق', 'يرمم', 'يركب', 'يفحص', 'يوثق', 'يعزز', 'يربط', 'يوزع', 'يرافق', 'يقيم',
  ],
};

/** Past participles (Arabic: verbal nouns after تم), most common first. */
export const PARTICIPLES: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: ['restored', 'rebuilt', 'repaired', 'cleared', 'opened', 'completed', 'delivered', 'trained', 'equipped', 'reopened', 'installed', 'rehabilitated', 'handed over', 'inspected', 'connected', 'renovated', 'surveyed', 'registered'],
  fr: ['rétabli', 'reconstruit', 'réparé', 'déblayé', 'ouvert', 'achevé', 'livré', 'formé', 'équipé', 'rouvert', 'installé', 'réhabilité', 'remis', 'inspecté', 'raccordé', 'rénové', 'recensé', 'enregistré'],
  ar: ['ترميم', 'إعادة بناء', 'إصلاح', 'تطهير', 'افتتاح', 'إنجاز', 'تسليم', 'تدريب', 'تجهيز', 'إعادة فتح', 'تركيب', 'تأهيل', 'فحص', 'ربط', 'تجديد', 'مسح', 'تسجيل'],
};

/** Who does the work, as a sentence names them. */
export const PARTNER_NAMES: Readonly<Record<SyntheticLanguage, readonly string[]>> = {
  en: ['UNDP', 'the local council', 'UNICEF', 'UNMAS', 'the HALO Trust', 'Mines Advisory Group', 'the World Food Programme', 'IOM', 'GIZ', 'USAID', 'engineers from the coalition', 'a local contractor'],
  fr: ['le PNUD', 'le conseil local', 'l’UNICEF', 'l’UNMAS', 'HALO Trust', 'Mines Advisory Group', 'le Programme alimentaire mondial', 'l’OIM', 'la GIZ', 'l’USAID', 'des ingénieurs de la coalition', 'une entreprise locale'],
  ar: ['برنامج الأمم المتحدة الإنمائي', 'المجلس المحلي', 'اليونيسف', 'دائرة الأمم المتحدة للإجراءات المتعلقة بالألغام', 'منظمة هالو ترست', 'المجموعة الاستشارية للألغام', 'برنامج الأغذية العالمي', 'المنظمة الدولية للهجرة', 'الوكالة الألمانية للتعاون الدولي', 'الوكالة الأمريكية للتنمية الدولية', 'مهندسو التحالف', 'مقاول محلي'],
};

/** Openings of a digest article's summary, by language: {outlet} reports … */
export const REPORTS: Readonly<Record<SyntheticLanguage, string>> = { en: '{outlet} reports: ', fr: '{outlet} rapporte : ', ar: 'أفادت {outlet}: ' };
/** Openings of a post's title. */
export const POST_OPENINGS: Readonly<Record<SyntheticLanguage, string>> = { en: 'Update: ', fr: 'Point : ', ar: 'تحديث: ' };
/** How a project title ends: … project. */
export const PROJECT_TITLES: Readonly<Record<SyntheticLanguage, string>> = { en: '{place}: {theme} project', fr: '{place} : projet pour {theme}', ar: '{place}: مشروع {theme}' };
