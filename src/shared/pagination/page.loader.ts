import type DataLoader from 'dataloader';
import type { StatementScope } from '../../db/statement-scope';
import type { Locale } from '../content/locale';
import { batchLoader } from '../loader';
import type { Connection } from './connection.type';
import { pageRequestJson, type PageRequest } from './keyset';

/** What the lists of several parents must share to go in one statement: the properties to read, the locale to serve. */
export interface ListOptions {
  readonly properties?: readonly string[];
  readonly locale?: Locale;
}

/**
 * The options of a nested list: the properties to read and the locale to serve
 * (undefined: the request's). Parents' keys are grouped by their value, not
 * by identity (see {@link createPageLoader}).
 */
export function listOptions(properties: readonly string[], locale: Locale | undefined): ListOptions {
  // One object per selection and locale (selections are cached per parsed field), so that its JSON is written once, not per parent.
  // The JSON is kept with the object: `properties` must not change after (requestedProperties' arrays never do).
  let byLocale = LIST_OPTIONS.get(properties);
  if (!byLocale) LIST_OPTIONS.set(properties, (byLocale = new Map()));
  let options = byLocale.get(locale);
  if (!options) {
    byLocale.set(locale, (options = Object.freeze({ properties, locale })));
    OPTIONS_JSON.set(options, JSON.stringify(options));
  }
  return options;
}

const LIST_OPTIONS = new WeakMap<readonly string[], Map<Locale | undefined, ListOptions>>();

/** The JSON of the shared options {@link listOptions} made, written with them; options made per call are written per call. */
const OPTIONS_JSON = new WeakMap<object, string>();

function optionsJson(options: unknown): string {
  return (typeof options === 'object' && options !== null && OPTIONS_JSON.get(options)) || JSON.stringify(options ?? null);
}

/** A request for one page of one parent's list, e.g. a campaign's stories. */
export interface PageKey<O = undefined> {
  readonly parent: string;
  readonly page: PageRequest;
  /** What else the parents of one batch must share: the fields to read, a feed filter. */
  readonly options: O;
}

/**
 * A key's paging arguments and options, written once per key object: the
 * cache key needs them, and so does the batch (2.5% of Q4's CPU when written
 * twice); shared options once for all keys (a selection's forty property
 * names, for each of Q4's fifty nations, were 2% more).
 */
function argumentsOf(key: PageKey<unknown>): string {
  let text = WRITTEN.get(key);
  if (text === undefined) WRITTEN.set(key, (text = `${pageRequestJson(key.page)}\u0000${optionsJson(key.options)}`));
  return text;
}

const WRITTEN = new WeakMap<PageKey<unknown>, string>();

/** The cache key of a page loader's key ({@link createPageLoader}): equal for keys asking for the same page of the same parent. */
export function pageKeyText(key: PageKey<unknown>): string {
  return `${key.parent}\u0000${argumentsOf(key)}`;
}

/**
 * A DataLoader for "one page per parent": keys with the same paging arguments
 * (the usual case: every campaign on a page asks for `stories(first: 5) { … }`) go
 * to `fetchPages` together, so a list of N parents costs one statement, not N.
 *
 * @param fetchPages loads one page for each parent, in the order given.
 * @param scope the request's statements, told of each batch.
 */
export function createPageLoader<T, O = undefined>(
  name: string,
  fetchPages: (parents: string[], page: PageRequest, options: O) => Promise<Connection<T>[]>,
  scope?: StatementScope,
): DataLoader<PageKey<O>, Connection<T>, string> {
  return batchLoader<PageKey<O>, Connection<T>, string>(
    scope,
    name,
    async (keys) => {
      const groups = new Map<string, { page: PageRequest; options: O; slots: number[] }>();
      keys.forEach((key, slot) => {
        const id = argumentsOf(key);
        const group = groups.get(id) ?? { page: key.page, options: key.options, slots: [] };
        group.slots.push(slot);
        groups.set(id, group);
      });
      const results: Connection<T>[] = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async ({ page, options, slots }) => {
          const pages = await fetchPages(slots.map((slot) => keys[slot].parent), page, options);
          slots.forEach((slot, i) => (results[slot] = pages[i]));
        }),
      );
      return results;
    },
    { cacheKeyFn: pageKeyText },
  );
}
