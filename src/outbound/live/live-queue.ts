/** Payloads a slow subscriber may have waiting before its subscription is ended. */
export const MAX_QUEUED = 1_000;

/**
 * A subscription's events in order: each arrives as a promise (its item being
 * read), is delivered when it resolves, in arrival order, and is dropped when
 * it resolves to null (not for this subscriber). A subscriber that falls
 * more than {@link MAX_QUEUED} events behind is ended with an error rather
 * than holding memory without bound.
 */
export class LiveQueue<T> {
  private readonly queue: Promise<T | null>[] = [];
  private waiting: ((value: IteratorResult<T>) => void) | null = null;
  private failing: ((error: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  push(value: Promise<T | null>): void {
    // A read that fails is skipped when its turn comes (see pull); until then, or if it is dropped, nothing awaits it, and its rejection must not go unhandled.
    value.catch(() => {});
    if (this.done) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.error = new Error(`This subscription fell more than ${MAX_QUEUED} events behind and was ended; subscribe again (and read feedChanges for what you missed)`);
      this.queue.length = 0;
      this.failing?.(this.error);
      return;
    }
    this.queue.push(value);
    if (this.waiting) void this.pull();
  }

  /** Whether no event is waiting in the queue (each one taken has been handed to the consumer, or dropped). */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  iterable(onEnd: () => void): AsyncIterable<T> {
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
          onEnd();
          this.waiting?.({ value: undefined, done: true });
          this.waiting = null;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
  }

  private pulling = false;

  private async pull(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (this.waiting && this.queue.length > 0) {
        const value = await this.queue[0].catch(() => null);
        this.queue.shift();
        if (value === null) continue;
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
