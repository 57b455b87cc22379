import type { ChangeRow } from '../../changes/change-row';

/** Content changes that may take an item off a feed page without leaving anything newer on it: withdrawn, deleted, or changed out of a filter. */
const LEAVING = new Set(['UNPUBLISHED', 'DELETED', 'UPDATED']);

/**
 * When an item last left, or may have left, some feed, as far as this process
 * knows: from its own start, then from every change the change log brings.
 *
 * A page's `Last-Modified` cannot come from its items alone: an item
 * withdrawn from a page leaves only older ones, and a client revalidating
 * with `If-Modified-Since` alone was answered 304 and kept showing the
 * withdrawn item. A feed's `Last-Modified` is the later of its newest item's
 * change and this time. It moves for any feed whenever any item is withdrawn
 * or changed, so such clients fetch more often than they need to, never less
 * (`If-None-Match`, with the ETag that names the page's exact items, is not
 * affected). A process knows nothing of removals before it started
 * following the change log, so it counts from then.
 */
export class FeedRemovals {
  private latest: number;

  constructor(now = Date.now()) {
    this.latest = now;
  }

  /**
   * A change-log listener. Counted from when this process hears of a change,
   * not from the time written with it: that is the writer's clock, possibly
   * another machine's, which may run ahead (a Last-Modified in the future) or
   * behind (a withdrawal dated before a page already sent). Hearing of it
   * comes after its commit, so a page read before cannot be newer.
   */
  readonly onChanges = (rows: readonly ChangeRow[]): void => {
    if (rows.some((row) => row.subject === 'CONTENT' && LEAVING.has(row.kind))) this.latest = Math.max(this.latest, Date.now());
  };

  /** Counts everything before `time` as heard of: from when this process starts following the change log. */
  heardUpTo(time: number): void {
    this.latest = Math.max(this.latest, time);
  }

  /** The feed's `Last-Modified`: the later of its items' newest change (null for none) and the latest removal. */
  lastModified(newestItem: Date | null): Date {
    return newestItem && newestItem.getTime() > this.latest ? newestItem : new Date(this.latest);
  }
}
