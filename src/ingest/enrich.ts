import { ContentType } from '../shared/content/content-status';
import type { SourceKind } from '../shared/content/source-kind';
import type { UpsertInput } from '../store/upsert';
import type { EntryError, ItemDraft } from './connector';
import { findNations } from './nations';
import { detectLanguage } from '../text/language';
import { slugify } from '../text/text';

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
  const inputs = drafts.map((draft) => {
    const found = findNations(`${draft.title}\n${draft.summary}\n${draft.body ?? ''}`);
    const countries = new Set([...(draft.countries ?? []).map((code) => code.toUpperCase()), ...found.countries]);
    const countryCode = draft.type === ContentType.STABILISATION_PROJECT ? draft.fields.countryCode : null;
    if (typeof countryCode === 'string') countries.add(countryCode.toUpperCase());
    const named = (draft.nations ?? []).map((code) => code.toUpperCase());
    const unknown = named.filter((code) => !context.memberCodes.has(code));
    if (unknown.length) errors.push({ position: `item ${draft.externalId}`, message: `not coalition members, ignored: ${unknown.join(', ')}`, externalId: draft.externalId, warning: true });
    const nations = [...new Set([...named.filter((code) => context.memberCodes.has(code)), ...found.nations.filter((code) => context.memberCodes.has(code))])];
    return {
      type: draft.type,
      slug: slugify(draft.title, 120),
      title: draft.title,
      summary: draft.summary,
      body: draft.body ?? null,
      // The declared language is the source's content (hashed); a guess is derived from title and summary (not hashed).
      ...(draft.language ? { language: draft.language } : { detectedLanguage: detectLanguage(`${draft.title}\n${draft.summary}`) }),
      url: draft.url ?? null,
      publishedAt: draft.publishedAt,
      countries: [...countries].sort(),
      nations: nations.sort(),
      tags: draft.tags ?? [],
      campaign: draft.campaign ?? null,
      source: { name: context.sourceName, kind: context.kind, externalId: draft.externalId, url: context.documentUrl, fetchedAt: context.fetchedAt },
      fields: draft.fields,
    } satisfies UpsertInput;
  });
  return { inputs, errors };
}
