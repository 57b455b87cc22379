import type { ChangeRow } from '../../changes/change-row';

/**
 * When content last changed, as far as this process knows: from when it
 * started following the change log, then each time the log brings a change
 * to an item (published, changed, withdrawn or deleted).
 *
 * A page's `Last-Modified` cannot come from its items alone. An item
 * withdrawn from a page leaves only older ones, and a client revalidating
 * with `If-Modified-Since` alone was answered 304 and kept showing it. And an
 * item's own time is written before its transaction commits: a page read in
 * between, without it, could be sent a `Last-Modified` no earlier than the
 * item's, which would then never look newer. A feed's `Last-Modified` is the
 * later of its newest item's time (which also covers an item scheduled for
 * later, which appears with no change) and this time. It moves for every
 * feed on any change, so such clients fetch more often than they need to,
 * never less (`If-None-Match`, with the ETag that names the page's exact
 * items, is not affected).
 */
export class FeedClock {
  private latest: number;

  constructor(now = Date.now()) {
    this.latest = now;
  }

  /**
   * A change-log listener. Counted from when this process hears of a change,
   * not from the time written with it: that is the writer's clock, possibly
   * another machine's, which may run ahead (a Last-Modified in the future) or
   * behind (a change dated before a page already sent), and it is taken before
   * the commit. Hearing of it comes after its commit, so a page read before
   * cannot be newer.
   */
  readonly onChanges = (rows: readonly ChangeRow[]): void => {
    if (rows.some((row) => row.subject === 'CONTENT')) this.latest = Math.max(this.latest, Date.now());
  };

  /** Counts everything before `time` as heard of: from when this process starts following the change log. */
  heardUpTo(time: number): void {
    this.latest = Math.max(this.latest, time);
  }

  /** The feed's `Last-Modified`: the later of its items' newest time (null for none) and the last change heard of. */
  lastModified(newestItem: Date | null): Date {
    return newestItem && newestItem.getTime() > this.latest ? newestItem : new Date(this.latest);
  }
}
