import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphQLError } from 'graphql';
import { LiveQueue, MAX_QUEUED, READ_AHEAD } from '../src/outbound/live/live-queue';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A queue whose events are their own reads (a promise of what the subscriber gets). */
const promiseQueue = <T>(maxQueued?: number) => new LiveQueue<Promise<T | null>, T>((event) => event, maxQueued);

/** Counts unhandled rejections while `work` runs (one would end a gateway). */
async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await work();
    await tick();
    await tick();
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe('LiveQueue', () => {
  it('delivers in arrival order and skips events that are not for the subscriber', async () => {
    const queue = promiseQueue<number>();
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    let release!: (n: number) => void;
    queue.push(new Promise((resolve) => (release = resolve)));
    queue.push(Promise.resolve(null));
    queue.push(Promise.resolve(3));
    const first = iterator.next();
    release(1);
    assert.deepEqual(await first, { value: 1, done: false });
    assert.deepEqual(await iterator.next(), { value: 3, done: false });
  });

  it('ends the subscription with an error, and stops listening, when an event cannot be read: no unhandled rejection', async () => {
    let ended = 0;
    const queue = promiseQueue<number>();
    const iterator = queue.iterable(() => ended++)[Symbol.asyncIterator]();
    let release!: (n: number) => void;
    let next!: Promise<IteratorResult<number>>;
    const unhandled = await unhandledDuring(async () => {
      // The first event is still being read (its turn has come) when the second one's read fails.
      queue.push(new Promise((resolve) => (release = resolve)));
      queue.push(Promise.reject(new Error('timeout exceeded when trying to connect')));
      next = iterator.next();
      await tick();
    });
    assert.deepEqual(unhandled, []);
    release(1);
    assert.deepEqual(await next, { value: 1, done: false });
    await assert.rejects(iterator.next(), (error: GraphQLError) => /could not be read/.test(error.message) && error.extensions.code === 'SERVICE_UNAVAILABLE');
    assert.equal(ended, 1, 'the listener is removed (graphql-ws does not call return() after an error)');
    await assert.rejects(iterator.next(), /could not be read/);
    assert.equal(ended, 1);
  });

  it('reads nothing pushed after the subscription ended', async () => {
    let reads = 0;
    const queue = new LiveQueue<number, number>(async (n) => (reads++, n));
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    await iterator.return!();
    queue.push(1);
    assert.equal(reads, 0);
    assert.equal(queue.idle, true);
  });

  it('ends a subscriber that falls too far behind, and stops listening', async () => {
    let ended = 0;
    const queue = promiseQueue<number>(50);
    const iterator = queue.iterable(() => ended++)[Symbol.asyncIterator]();
    for (let n = 0; n <= 50; n++) queue.push(Promise.resolve(n));
    assert.equal(ended, 1);
    await assert.rejects(iterator.next(), (error: GraphQLError) => {
      assert.match(error.message, /fell more than 50 events behind/);
      assert.deepEqual(error.extensions, { code: 'RATE_LIMITED', reason: 'SUBSCRIBER_BEHIND', limit: 50 });
      return true;
    });
    assert.equal(queue.queued, 0, 'what waited is let go');
  });

  it('reads events only a little ahead of the subscriber, half a read-ahead at a time, and delivers a burst of MAX_QUEUED in order', async () => {
    const started: number[] = [];
    const queue = new LiveQueue<number, number>(async (n) => {
      started.push(n);
      return n % 3 === 0 ? null : n;
    });
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    for (let n = 0; n < MAX_QUEUED; n++) queue.push(n);
    assert.equal(queue.queued, MAX_QUEUED);
    assert.equal(started.length, READ_AHEAD, 'only the read-ahead is read before the subscriber takes any');
    const got: number[] = [];
    const batches: number[] = [];
    const expected = Array.from({ length: MAX_QUEUED }, (_, n) => n).filter((n) => n % 3 !== 0);
    while (got.length < expected.length) {
      const before = started.length;
      const { value, done } = await iterator.next();
      assert.equal(done, false);
      got.push(value as number);
      if (started.length > before) batches.push(started.length - before);
      const handed = MAX_QUEUED - queue.queued;
      assert.ok(started.length - handed <= READ_AHEAD, `at most the read-ahead in flight: ${started.length} read, ${handed} handed on or dropped`);
    }
    assert.deepEqual(started, Array.from({ length: MAX_QUEUED }, (_, n) => n), 'every event read once, in order');
    assert.deepEqual(got, expected, 'delivered in order, without the ones not for the subscriber');
    // The last event is not for the subscriber: the next pull drops it, and nothing is left.
    void iterator.next();
    await tick();
    assert.ok(batches.length > 0 && batches.slice(0, -1).every((size) => size >= READ_AHEAD / 2), `refilled in halves (the last may be the rest): ${[...new Set(batches)]}`);
    assert.equal(queue.idle, true);
  });

  it('hands a long burst on in turns: other work gets the event loop before the burst is through (turns.ts)', async () => {
    const burst = 20_000;
    const queue = new LiveQueue<number, number>(async (n) => n, burst);
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    for (let n = 0; n < burst; n++) queue.push(n);
    let taken = 0;
    let takenWhenOtherWorkRan = -1;
    // Another turn's work (a request's callback, in a gateway): without turns it ran only after all 20,000.
    setImmediate(() => (takenWhenOtherWorkRan = taken));
    while (taken < burst) {
      assert.equal((await iterator.next()).value, taken);
      taken++;
    }
    assert.ok(takenWhenOtherWorkRan >= 0 && takenWhenOtherWorkRan < burst, `the other work ran after ${takenWhenOtherWorkRan} of ${burst}`);
  });

  it('ends the subscription when reading an event throws at once, as when its read rejects', async () => {
    const queue = new LiveQueue<number, number>((n) => {
      if (n === 1) throw new Error('no connection');
      return Promise.resolve(n);
    });
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    queue.push(0);
    queue.push(1);
    assert.deepEqual(await iterator.next(), { value: 0, done: false });
    await assert.rejects(iterator.next(), (error: GraphQLError) => error.extensions.code === 'SERVICE_UNAVAILABLE');
  });
});
