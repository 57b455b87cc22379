import DataLoader from 'dataloader';
import type { Connection } from './connection.type';
import type { PageRequest } from './keyset';

/** A request for one page of one parent's list, e.g. a campaign's stories, optionally filtered. */
export interface PageKey<F = undefined> {
  readonly parent: string;
  readonly page: PageRequest;
  /** Extra arguments every parent in a batch must share, such as a feed filter. */
  readonly filter?: F;
}

/**
 * A DataLoader for "one page per parent": keys with the same paging arguments
 * (the usual case: every campaign on a page asks for `stories(first: 5)`) go
 * to `fetchPages` together, so a list of N parents costs one statement, not N.
 *
 * @param fetchPages loads one page for each parent, in the order given.
 */
export function createPageLoader<T, F = undefined>(
  name: string,
  fetchPages: (parents: string[], page: PageRequest, filter: F | undefined) => Promise<Connection<T>[]>,
): DataLoader<PageKey<F>, Connection<T>, string> {
  const argumentsOf = (key: PageKey<F>) => JSON.stringify([key.page, key.filter ?? null]);
  return new DataLoader<PageKey<F>, Connection<T>, string>(
    async (keys) => {
      const groups = new Map<string, { page: PageRequest; filter: F | undefined; slots: number[] }>();
      keys.forEach((key, slot) => {
        const id = argumentsOf(key);
        const group = groups.get(id) ?? { page: key.page, filter: key.filter, slots: [] };
        group.slots.push(slot);
        groups.set(id, group);
      });
      const results: Connection<T>[] = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async ({ page, filter, slots }) => {
          const pages = await fetchPages(slots.map((slot) => keys[slot].parent), page, filter);
          slots.forEach((slot, i) => (results[slot] = pages[i]));
        }),
      );
      return results;
    },
    { name, cacheKeyFn: (key) => `${key.parent}\u0000${argumentsOf(key)}` },
  );
}
