import { GraphQLError } from 'graphql';

/** Payloads a slow subscriber may have waiting before its subscription is ended. */
export const MAX_QUEUED = 1_000;

/** What a queued event becomes when reading it failed. */
const READ_FAILED = Symbol('read failed');

/**
 * A subscription's events in order: each arrives as a promise (its item being
 * read), is delivered when it resolves, in arrival order, and is dropped when
 * it resolves to null (not for this subscriber). A subscriber that falls
 * more than {@link MAX_QUEUED} events behind is ended with an error rather
 * than holding memory without bound. So is one whose event could not be read
 * (the database did not answer), when that event's turn comes: skipping it
 * would be a silent gap, and the subscriber can resume from `feedChanges`.
 */
export class LiveQueue<T> {
  private readonly queue: Promise<T | null | typeof READ_FAILED>[] = [];
  private waiting: ((value: IteratorResult<T>) => void) | null = null;
  private failing: ((error: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  push(value: Promise<T | null>): void {
    // Handled at once, whether or not it is kept: a read that fails while
    // earlier events are still on their way (or after the end) would otherwise
    // be an unhandled rejection, which ends the whole process.
    const settled = value.catch((): typeof READ_FAILED => READ_FAILED);
    if (this.done || this.error) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.fail(
        new GraphQLError(`This subscription fell more than ${MAX_QUEUED} events behind and was ended; subscribe again (and read feedChanges for what you missed)`, {
          extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIBER_BEHIND', limit: MAX_QUEUED },
        }),
      );
      return;
    }
    this.queue.push(settled);
    if (this.waiting) void this.pull();
  }

  /** Whether no event is waiting in the queue (each one taken has been handed to the consumer, or dropped). */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  iterable(onEnd: () => void): AsyncIterable<T> {
    this.onEnd = onEnd;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (this.error) return Promise.reject(this.error);
          if (this.done) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<T>>((resolve, reject) => {
            this.waiting = resolve;
            this.failing = reject;
            void this.pull();
          });
        },
        return: () => {
          this.done = true;
          this.stopListening();
          this.waiting?.({ value: undefined, done: true });
          this.waiting = null;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
  }

  private pulling = false;
  private onEnd: (() => void) | null = null;

  /**
   * Ends the subscription with an error. It also stops listening at once: a
   * consumer whose `next()` rejects does not call `return()` (graphql-ws
   * sends the error and forgets the operation), so the listener would
   * otherwise stay, and keep reading events for nobody.
   */
  private fail(error: Error): void {
    this.error = error;
    this.queue.length = 0;
    this.stopListening();
    const failing = this.failing;
    this.waiting = null;
    this.failing = null;
    failing?.(error);
  }

  private stopListening(): void {
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.();
  }

  private async pull(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (this.waiting && this.queue.length > 0) {
        const value = await this.queue[0];
        this.queue.shift();
        if (value === null) continue;
        if (value === READ_FAILED) {
          this.fail(
            new GraphQLError('An event of this subscription could not be read (the database did not answer) and the subscription was ended; subscribe again (and read feedChanges for what you missed)', {
              extensions: { code: 'SERVICE_UNAVAILABLE' },
            }),
          );
          return;
        }
        const resolve = this.waiting;
        this.waiting = null;
        this.failing = null;
        resolve?.({ value, done: false });
      }
    } finally {
      this.pulling = false;
    }
  }
}
