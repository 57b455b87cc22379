import { GraphQLError } from 'graphql';
import { turnTaken } from './turns';

/**
 * Events a subscriber may have waiting before its subscription is ended, by
 * default (`LIVE_MAX_BEHIND`): more than the largest burst a healthy
 * subscriber should see (an ingest run publishing a partner's whole
 * register). A waiting event is a reference to an event every subscriber
 * shares, but it keeps that event (and what was read and executed for it)
 * alive: the bound is on memory as much as on patience.
 */
export const MAX_QUEUED = 10_000;

/**
 * Events being read ahead of the subscriber (their items, their filters'
 * checks), at most. Refilled half at a time, so that the reads of many
 * subscribers at the same place in a burst go together, a chunk of items
 * per statement.
 */
export const READ_AHEAD = 100;

/** What a queued event becomes when reading it failed. */
const READ_FAILED = Symbol('read failed');

/**
 * A subscription's events in order. Each event waits as it came (a shared
 * reference) until it is among the next {@link READ_AHEAD}; then `read`
 * turns it into what the subscriber gets (its item read, its filter checked),
 * and it is delivered when that resolves, in arrival order, or dropped when it
 * resolves to null (not for this subscriber). So a burst of changes costs each
 * subscriber a reference per change, and the database reads in step with what
 * subscribers take, not all at once.
 *
 * A subscriber that falls more than {@link MAX_QUEUED} events behind is ended
 * with an error rather than holding memory without bound. So is one whose
 * event could not be read (the database did not answer), when that event's
 * turn comes: skipping it would be a silent gap, and the subscriber can resume
 * from `feedChanges`.
 */
export class LiveQueue<E, T> {
  /** Events not yet being read, from `head` on (the part before it is taken). */
  private waitingEvents: E[] = [];
  private head = 0;
  /** Events being read (or read), in order. */
  private readonly reading: Promise<T | null | typeof READ_FAILED>[] = [];
  private waiting: ((value: IteratorResult<T>) => void) | null = null;
  private failing: ((error: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  constructor(
    private readonly read: (event: E) => Promise<T | null>,
    private readonly maxQueued = MAX_QUEUED,
  ) {}

  push(event: E): void {
    if (this.done || this.error) return;
    if (this.queued >= this.maxQueued) {
      this.fail(
        new GraphQLError(`This subscription fell more than ${this.maxQueued} events behind and was ended; subscribe again (and read feedChanges for what you missed)`, {
          extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIBER_BEHIND', limit: this.maxQueued },
        }),
      );
      return;
    }
    this.waitingEvents.push(event);
    // Events pushed together (a page of the change log) are read together: the reads they start in this tick go in one batch.
    this.readAhead(true);
    if (this.waiting) void this.pull();
  }

  /** Events waiting or being read. */
  get queued(): number {
    return this.waitingEvents.length - this.head + this.reading.length;
  }

  /** Starts reading events, up to {@link READ_AHEAD} ahead: as they come, or, as the subscriber takes them, once no more than half of that is left. */
  private readAhead(asTheyCome = false): void {
    if (!asTheyCome && this.reading.length > READ_AHEAD / 2) return;
    while (this.reading.length < READ_AHEAD && this.head < this.waitingEvents.length) {
      const event = this.waitingEvents[this.head++];
      let reading: Promise<T | null>;
      try {
        reading = this.read(event);
      } catch (error) {
        reading = Promise.reject(error);
      }
      // Handled at once, whether or not it is kept: a read that fails while
      // earlier events are still on their way (or after the end) would otherwise
      // be an unhandled rejection, which ends the whole process.
      this.reading.push(reading.catch((): typeof READ_FAILED => READ_FAILED));
    }
    if (this.head === this.waitingEvents.length) {
      this.waitingEvents = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.waitingEvents.length) {
      this.waitingEvents = this.waitingEvents.slice(this.head);
      this.head = 0;
    }
  }

  /** Whether no event is waiting in the queue (each one taken has been handed to the consumer, or dropped). */
  get idle(): boolean {
    return this.queued === 0;
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
    this.waitingEvents = [];
    this.head = 0;
    this.reading.length = 0;
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
      while (this.waiting && this.reading.length > 0) {
        const value = await this.reading[0];
        // Ended while it was read: fail() or return() emptied the queue.
        if (this.error || this.done) return;
        if (value !== null) {
          // Requests get their turn when delivery has had the event loop long enough (see turns.ts); the event stays at the head meanwhile.
          const turn = turnTaken();
          if (turn) {
            await turn;
            if (this.error || this.done) return;
          }
        }
        this.reading.shift();
        this.readAhead();
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
