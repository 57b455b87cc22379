import { createHash } from 'node:crypto';
import { ContentType } from '../shared/content/content-status';
import type { SourceKind } from '../shared/content/source-kind';
import type { UpsertInput } from '../store/upsert';
import type { EntryError, ItemDraft } from './connector';
import { findNations } from './nations';
import { detectLanguage } from '../text/language';
import { slugify, truncateText } from '../text/text';
import { storableText } from './storable-text';

/**
 * The sizes of the columns an item's values go to. A source's value past one
 * (a feed entry's 300-character link as its id, a register's long title) made
 * PostgreSQL refuse its whole batch on every run ("value too long"): values
 * are cut to fit, and an id too long is kept as its hash (stable from run to
 * run, as the id is).
 */
const MAX_TITLE = 300;
const MAX_TAG = 64;
const MAX_URL = 2048;
const MAX_EXTERNAL_ID = 200;

/**
 * The type's own text columns and their sizes: text past one is cut, and an
 * address past one is dropped (a cut address leads nowhere).
 */
const FIELD_TEXT: Readonly<Record<string, number>> = { outlet: 200, sector: 100, place: 300, implementingPartner: 300, authorHandle: 100 };
const FIELD_ADDRESS: Readonly<Record<string, number>> = { originalUrl: 2048 };

/** The type's own fields as their columns take them: text (lists of text too) without characters no column may hold, cut or dropped as above. */
function fittedFields(fields: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let fitted: Record<string, unknown> | null = null;
  for (const [name, raw] of Object.entries(fields)) {
    if (Array.isArray(raw) && raw.some((entry) => typeof entry === 'string' && storableText(entry) !== entry)) {
      (fitted ??= { ...fields })[name] = raw.map((entry: unknown) => (typeof entry === 'string' ? storableText(entry) : entry));
      continue;
    }
    if (typeof raw !== 'string') continue;
    const value = storableText(raw);
    if (value !== raw) (fitted ??= { ...fields })[name] = value;
    const text = FIELD_TEXT[name];
    const address = FIELD_ADDRESS[name];
    if (text !== undefined && value.length > text) (fitted ??= { ...fields })[name] = truncateText(value, text);
    else if (address !== undefined && value.length > address) (fitted ??= { ...fields })[name] = null;
  }
  return fitted ?? fields;
}

/** A BCP 47 language tag as the `language` column keeps it (35 characters at most); anything else is guessed from the text instead. */
const LANGUAGE_TAG = /^(?=.{2,35}$)[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * A source's id as the item keeps it: itself without U+0000 (which no
 * PostgreSQL column may hold), or its SHA-256 when it is longer than the
 * column (`sha256:` and 64 hex digits). Only U+0000: an id is matched with
 * the one stored on earlier runs, and ids with other control characters (or a
 * lone surrogate, which the database keeps as U+FFFD and matches the same way)
 * were stored as they are.
 */
export function storedExternalId(externalId: string): string {
  const id = externalId.includes('\0') ? externalId.replaceAll('\0', '') : externalId;
  return id.length <= MAX_EXTERNAL_ID ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** What enrichment needs of the source and the run. */
export interface EnrichContext {
  readonly sourceName: string;
  readonly kind: SourceKind;
  /** The address of the document the items came from, recorded as their `Source.url`. */
  readonly documentUrl: string;
  readonly fetchedAt: Date;
  /** The members' codes: codes a source names that are not members are dropped (with an error), not written. */
  readonly memberCodes: ReadonlySet<string>;
}

/**
 * What every connector's items get before they are written: a slug from the
 * title (Arabic transliterated; the writer makes it unique), the members and
 * countries their text names joined with those the source gave, and their
 * provenance, and the language the source declares (guessed from the title
 * and summary when it declares none, as the writer would: here the guess
 * costs the parsing worker, not the thread that writes and serves). Pure: it
 * runs beside parsing, off the main thread.
 */
export function enrich(drafts: readonly ItemDraft[], context: EnrichContext): { inputs: UpsertInput[]; errors: EntryError[] } {
  const errors: EntryError[] = [];
  // Kept only when it fits its column: a redirect may lead to any address, and one too long failed every item of the document.
  const documentUrl = context.documentUrl.length <= MAX_URL ? context.documentUrl : null;
  const inputs = drafts.map((given) => {
    const draft = storableDraft(given);
    const found = findNations(`${draft.title}\n${draft.summary}\n${draft.body ?? ''}`);
    const countries = new Set([...(draft.countries ?? []).map((code) => code.toUpperCase()), ...found.countries]);
    const countryCode = draft.type === ContentType.STABILISATION_PROJECT ? draft.fields.countryCode : null;
    if (typeof countryCode === 'string') countries.add(countryCode.toUpperCase());
    const named = (draft.nations ?? []).map((code) => code.toUpperCase());
    const unknown = named.filter((code) => !context.memberCodes.has(code));
    if (unknown.length) errors.push({ position: `item ${draft.externalId}`, message: `not coalition members, ignored: ${unknown.join(', ')}`, externalId: draft.externalId, warning: true });
    const nations = [...new Set([...named.filter((code) => context.memberCodes.has(code)), ...found.nations.filter((code) => context.memberCodes.has(code))])];
    // `en_US` as sources write it is `en-US`.
    const declared = draft.language?.replace(/_/g, '-');
    const language = declared && LANGUAGE_TAG.test(declared) ? declared : null;
    return {
      type: draft.type,
      slug: slugify(draft.title, 120),
      title: truncateText(draft.title, MAX_TITLE),
      summary: draft.summary,
      body: draft.body ?? null,
      // The declared language is the source's content (hashed); a guess is derived from title and summary (not hashed).
      ...(language ? { language } : { detectedLanguage: detectLanguage(`${draft.title}\n${draft.summary}`) }),
      url: draft.url && draft.url.length <= MAX_URL ? draft.url : null,
      publishedAt: draft.publishedAt,
      ...(draft.publishedAtIsLastChange ? { publishedAtIsLastChange: true } : {}),
      countries: [...countries].sort(),
      nations: nations.sort(),
      tags: [...new Set((draft.tags ?? []).map((tag) => truncateText(tag, MAX_TAG)))],
      campaign: draft.campaign ?? null,
      source: { name: context.sourceName, kind: context.kind, externalId: storedExternalId(draft.externalId), url: documentUrl, fetchedAt: context.fetchedAt },
      fields: fittedFields(draft.fields),
    } satisfies UpsertInput;
  });
  return { inputs, errors };
}

/**
 * The draft's text without the characters no column may hold. Connectors
 * drop them as they normalise text; this is the net under every connector
 * (a body through the sanitiser, an attribute taken as it stands), since one
 * NUL made PostgreSQL refuse the whole batch of its item.
 */
function storableDraft(draft: ItemDraft): ItemDraft {
  const text = (value: string | null | undefined) => (typeof value === 'string' ? storableText(value) : value);
  return {
    ...draft,
    title: storableText(draft.title),
    summary: storableText(draft.summary),
    body: text(draft.body),
    url: text(draft.url),
    language: text(draft.language),
    campaign: text(draft.campaign),
    ...(draft.tags ? { tags: draft.tags.map(storableText) } : {}),
  };
}
