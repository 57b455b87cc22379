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

/** A key's paging arguments and options, as its page loader groups keys by them. */
function argumentsText(key: PageKey<unknown>): string {
  return `${pageRequestJson(key.page)}\u0000${optionsJson(key.options)}`;
}

/**
 * The cache key of a page loader's key ({@link createPageLoader}): equal for
 * keys asking for the same page of the same parent. `written` is the key's
 * arguments when they have been written already.
 */
export function pageKeyText(key: PageKey<unknown>, written = argumentsText(key)): string {
  return `${key.parent}\u0000${written}`;
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
  // Each key's arguments are written once: the cache key needs them, and so does the batch (2.5% of Q4's CPU when written twice);
  // shared options once for all keys (a selection's forty property names, for each of Q4's fifty nations, were 2% more).
  // The map is the loader's, and dies young with it (one map for all requests would live in the old generation and hold every request's keys until a collection).
  const written = new WeakMap<PageKey<O>, string>();
  const argumentsOf = (key: PageKey<O>) => {
    let text = written.get(key);
    if (text === undefined) written.set(key, (text = argumentsText(key)));
    return text;
  };
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
    { cacheKeyFn: (key) => pageKeyText(key, argumentsOf(key)) },
  );
}
