import { plainText } from '../text/text';
import { normaliseForSearch } from './normalise';

/** The text an item is found by: its fields in its own language and in every translation. */
export interface SearchableText {
  readonly title: string;
  readonly summary: string;
  /** Sanitised HTML, or null. */
  readonly body?: string | null;
  /** A project's place, a post's text: found like the summary. */
  readonly extra?: readonly (string | null | undefined)[];
}

/** The normalised text the search index holds for one item, by weight: title above summary above body. */
export interface SearchDocument {
  readonly title: string;
  readonly summary: string;
  readonly body: string;
}

/** Longest body text indexed (characters, before normalising): PostgreSQL limits a tsvector to 1 MB. */
const MAX_BODY = 200_000;

/**
 * What an item is indexed by: title, summary (with the type's short fields)
 * and body, each normalised the same way queries are (`normalise.ts`), over
 * the original and every translation, so that a reader finds an item in any
 * of the languages it exists in.
 */
export function searchDocument(versions: readonly SearchableText[]): SearchDocument {
  return {
    title: join(versions.map((version) => version.title)),
    summary: join(versions.flatMap((version) => [version.summary, ...(version.extra ?? [])])),
    body: join(versions.map((version) => (version.body ? plainText(version.body).slice(0, MAX_BODY) : null))),
  };
}

/**
 * The texts of one field, normalised, each distinct text once. A text met
 * twice would count its words twice, which ranks by repetition rather than
 * relevance: a post's text is its summary as the social archive stores it,
 * and a translation often keeps a name as the original's title.
 */
function join(texts: readonly (string | null | undefined)[]): string {
  const distinct = new Set<string>();
  for (const text of texts) {
    const normalised = text ? normaliseForSearch(text) : '';
    if (normalised !== '') distinct.add(normalised);
  }
  return [...distinct].join(' ');
}
