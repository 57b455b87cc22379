/**
 * Arabic script to Latin letters, one letter at a time: a simple, readable
 * transliteration for addresses, not a scholarly one (no macrons, no ʿ).
 *
 * - Consonants take their usual English spelling: ب b, ت t, ث th, ج j, ح h,
 *   خ kh, د d, ذ dh, ر r, ز z, س s, ش sh, ص s, ض d, ط t, ظ z, غ gh, ف f, ق q,
 *   ك k, ل l, م m, ن n, ه h; ع and the hamza ء are dropped.
 * - Alef is `a` (إ `i`, آ `aa`), alef maqsura ى `a`, ta marbuta ة `a` (its
 *   pausal sound: مدرسة madrsa).
 * - و and ي are `w` and `y` at the start of a word, next to an alef or before
 *   a written short vowel, and the long vowels `u` and `i` elsewhere (في fi,
 *   الموصل almusl).
 * - Short vowels are not written in Arabic, so they appear only when the
 *   title carries diacritics: fatha `a`, kasra `i`, damma `u`, tanwin `an`,
 *   `in`, `un`; shadda doubles the consonant, sukun is silent.
 * - Persian and Kurdish letters (پ p, چ ch, ژ zh, گ g, ڤ v, ڕ r, ڵ l, ێ e, ۆ o,
 *   ە e) and Arabic-Indic digits are covered too.
 *
 * So "إعادة فتح المدارس في الموصل" becomes "iada-fth-almdars-fi-almusl".
 */
const ARABIC: Record<string, string> = {
  '\u0621': '', 'ا': 'a', 'أ': 'a', 'إ': 'i', 'آ': 'aa', 'ٱ': 'a', 'ؤ': 'u', 'ئ': 'i', 'ى': 'a', 'ة': 'a',
  'ب': 'b', 'ت': 't', 'ث': 'th', 'ج': 'j', 'ح': 'h', 'خ': 'kh', 'د': 'd', 'ذ': 'dh', 'ر': 'r', 'ز': 'z',
  'س': 's', 'ش': 'sh', 'ص': 's', 'ض': 'd', 'ط': 't', 'ظ': 'z', 'ع': '', 'غ': 'gh', 'ف': 'f', 'ق': 'q',
  'ك': 'k', 'ک': 'k', 'ل': 'l', 'م': 'm', 'ن': 'n', 'ه': 'h', 'ھ': 'h', 'ۀ': 'a',
  'پ': 'p', 'چ': 'ch', 'ژ': 'zh', 'گ': 'g', 'ڤ': 'v', 'ڕ': 'r', 'ڵ': 'l', 'ێ': 'e', 'ۆ': 'o', 'ە': 'e',
  '\u064e': 'a', '\u0650': 'i', '\u064f': 'u', '\u064b': 'an', '\u064d': 'in', '\u064c': 'un', '\u0652': '', '\u0670': 'a',
  'ـ': '',
};
const WAW = new Set(['و']);
const YA = new Set(['ي', 'ی', 'ې']);
const ALEFS = new Set(['ا', 'أ', 'إ', 'آ', 'ٱ']);
const SHADDA = '\u0651';
const ARABIC_SCRIPT = /[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/;

/** Latin letters Unicode decomposition leaves whole. */
const LATIN: Record<string, string> = {
  'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ł': 'l', 'ı': 'i', 'ħ': 'h', 'ŋ': 'ng',
};

/**
 * A URL-safe slug (`[a-z0-9-]`) from a title in any script: accents folded
 * ("Réouverture des écoles" → "reouverture-des-ecoles"), Arabic transliterated
 * with the letter map above, other scripts dropped. Cut to `maxLength` at a
 * word boundary when it is longer, and never empty: a title with nothing
 * usable becomes `item` (the runner makes slugs unique).
 */
export function slugify(title: string, maxLength = 80): string {
  let text = title.normalize('NFKC');
  if (ARABIC_SCRIPT.test(text)) text = transliterateArabic(text);
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłıħŋ]/g, (letter) => LATIN[letter])
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cutSlug(slug, Math.max(1, maxLength)) || 'item';
}

function cutSlug(slug: string, maxLength: number): string {
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  if (slug[maxLength] === '-') return cut;
  const boundary = cut.lastIndexOf('-');
  return (boundary > 0 ? cut.slice(0, boundary) : cut).replace(/-+$/, '');
}

function transliterateArabic(text: string): string {
  let out = '';
  let previous = '';
  for (let i = 0; i < text.length; i += 1) {
    const letter = text[i];
    const next = text[i + 1] ?? '';
    // Before a written short vowel, و and ي are consonants whatever their neighbours.
    const consonant = !isArabicLetter(previous) || ALEFS.has(previous) || ALEFS.has(next) || /[\u064b-\u0651]/.test(next);
    if (letter === SHADDA) {
      // Doubles the last consonant written: the letters after the last vowel.
      const consonant = /[^aeiou]+$/.exec(out)?.[0] ?? '';
      out += consonant.length <= 2 ? consonant : '';
    } else if (WAW.has(letter)) {
      out += consonant ? 'w' : 'u';
    } else if (YA.has(letter)) {
      out += consonant ? 'y' : 'i';
    } else if (letter === 'ة' && out.endsWith('a')) {
      // After a written fatha the ta marbuta's vowel is already there (مَدْرَسَة madrasa).
    } else if (letter in ARABIC) {
      out += ARABIC[letter];
    } else if (letter >= '\u0660' && letter <= '\u0669') {
      out += String(letter.charCodeAt(0) - 0x0660);
    } else if (letter >= '\u06f0' && letter <= '\u06f9') {
      out += String(letter.charCodeAt(0) - 0x06f0);
    } else {
      out += letter;
    }
    if (letter !== SHADDA && !/[\u064b-\u0652\u0670]/.test(letter)) previous = letter;
  }
  return out;
}

function isArabicLetter(character: string): boolean {
  return character !== '' && ARABIC_SCRIPT.test(character) && !/[\u060c\u061b\u061f\u066a-\u066d\u06d4\u0660-\u0669\u06f0-\u06f9]/.test(character);
}
