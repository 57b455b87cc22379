import DataLoader from 'dataloader';
import type { StatementScope } from '../../db/statement-scope';
import type { Locale } from '../content/locale';
import { observedBatch } from '../loader';
import type { Connection } from './connection.type';
import { isSharedPage, pageRequestJson, type PageRequest } from './keyset';

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
 * A key's paging arguments and options, as its page loader groups keys by
 * them. Those of a shared first page with shared options (or none) are
 * written once and kept with both: the same string every time, whose hash V8
 * keeps with it, so that finding it in a map reads no character of it again.
 */
function argumentsText(key: PageKey<unknown>): string {
  const { page, options } = key;
  const shared = isSharedPage(page) && (options === undefined || (typeof options === 'object' && options !== null && OPTIONS_JSON.has(options)));
  let byOptions = shared ? SHARED_ARGUMENTS.get(page) : undefined;
  const found = options === undefined ? byOptions?.none : byOptions?.options.get(options as object);
  if (found !== undefined) return found;
  const text = `${pageRequestJson(page)}\u0000${optionsJson(options)}`;
  if (shared) {
    if (!byOptions) SHARED_ARGUMENTS.set(page, (byOptions = { options: new WeakMap() }));
    if (options === undefined) byOptions.none = text;
    else byOptions.options.set(options as object, text);
  }
  return text;
}

/** {@link argumentsText}'s texts of shared pages, by the shared options (dropped with them) or none. */
const SHARED_ARGUMENTS = new WeakMap<PageRequest, { none?: string; readonly options: WeakMap<object, string> }>();

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
): PageLoader<T, O> {
  // Each key's arguments are written once: the cache key needs them, and so does the batch (2.5% of Q4's CPU when written twice);
  // shared options once for all keys (a selection's forty property names, for each of Q4's fifty nations, were 2% more).
  // The map is the loader's, and dies young with it (one map for all requests would live in the old generation and hold every request's keys until a collection).
  const written = new WeakMap<PageKey<O>, string>();
  const argumentsOf = (key: PageKey<O>) => {
    let text = written.get(key);
    if (text === undefined) written.set(key, (text = argumentsText(key)));
    return text;
  };
  const batch = async (keys: readonly PageKey<O>[]) => {
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
  };
  return new PageLoader<T, O>(name, observedBatch(scope, name, batch), argumentsOf);
}

/**
 * A page loader ({@link createPageLoader}): a DataLoader that also serves the
 * pages primed into it at once, with {@link loadNow}. DataLoader's `load`
 * answers even a page it holds with a new promise, which it settles only
 * after its next batch (one it schedules for the purpose), by adopting the
 * cached promise: for each of Q4's sixty nation occurrences, whose pages of
 * projects were primed with the stories (`nested-lists.ts`), a promise, a
 * batch and two more turns of the microtask queue, then the executor's
 * asynchronous path, to hand over a value that was there all along.
 */
export class PageLoader<T, O = undefined> extends DataLoader<PageKey<O>, Connection<T>, string> {
  /**
   * Pages primed with a value, by their arguments' text, then by parent: each
   * one's promise in the cache is already resolved to it. Found without
   * writing the cache key: a shared page's arguments are one string, whose
   * hash is kept (see {@link argumentsText}), and a parent is a short code or id.
   */
  private readonly primed = new Map<string, Map<string, Connection<T>>>();
  /** The loader's cache, here so that {@link prime} can tell whether a key is in it already (priming such a key changes nothing). */
  private readonly cache: Map<string, Promise<Connection<T>>>;

  constructor(
    name: string,
    batch: DataLoader.BatchLoadFn<PageKey<O>, Connection<T>>,
    /** A key's arguments' text (written once per key), of which its cache key is made ({@link pageKeyText}). */
    private readonly argumentsOf: (key: PageKey<O>) => string,
  ) {
    const cache = new Map<string, Promise<Connection<T>>>();
    super(batch, { name, cacheKeyFn: (key) => pageKeyText(key, argumentsOf(key)), cacheMap: cache });
    this.cache = cache;
  }

  /** The page a key asks for: the page itself when it was primed, otherwise what `load` gives. */
  loadNow(key: PageKey<O>): Connection<T> | Promise<Connection<T>> {
    // Nothing primed (no prefetch: SQLite, a cursor, another locale): straight to `load`, which writes the key's arguments once.
    if (this.primed.size === 0) return this.load(key);
    return this.primed.get(argumentsText(key))?.get(key.parent) ?? this.load(key);
  }

  override prime(key: PageKey<O>, value: Connection<T> | PromiseLike<Connection<T>> | Error): this {
    const written = this.argumentsOf(key);
    // Only a page itself is served at once: not an error, nor a promise (nor anything else DataLoader would cache as it is).
    const page = typeof value === 'object' && value !== null && !(value instanceof Error) && typeof (value as Partial<PromiseLike<unknown>>).then !== 'function';
    if (page && !this.cache.has(pageKeyText(key, written))) {
      let byParent = this.primed.get(written);
      if (!byParent) this.primed.set(written, (byParent = new Map()));
      byParent.set(key.parent, value as Connection<T>);
    }
    return super.prime(key, value);
  }

  override clear(key: PageKey<O>): this {
    this.primed.get(this.argumentsOf(key))?.delete(key.parent);
    return super.clear(key);
  }

  override clearAll(): this {
    this.primed.clear();
    return super.clearAll();
  }
}
