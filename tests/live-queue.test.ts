import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphQLError } from 'graphql';
import { LiveQueue, MAX_QUEUED } from '../src/outbound/live/live-queue';

const tick = () => new Promise((resolve) => setImmediate(resolve));

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
    const queue = new LiveQueue<number>();
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
    const queue = new LiveQueue<number>();
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

  it('handles a failed read pushed after the subscription ended', async () => {
    const queue = new LiveQueue<number>();
    const iterator = queue.iterable(() => {})[Symbol.asyncIterator]();
    await iterator.return!();
    const unhandled = await unhandledDuring(async () => queue.push(Promise.reject(new Error('gone'))));
    assert.deepEqual(unhandled, []);
  });

  it('ends a subscriber that falls too far behind, and stops listening', async () => {
    let ended = 0;
    const queue = new LiveQueue<number>();
    const iterator = queue.iterable(() => ended++)[Symbol.asyncIterator]();
    for (let n = 0; n <= MAX_QUEUED; n++) queue.push(Promise.resolve(n));
    assert.equal(ended, 1);
    await assert.rejects(iterator.next(), (error: GraphQLError) => {
      assert.match(error.message, /fell more than 1000 events behind/);
      assert.deepEqual(error.extensions, { code: 'RATE_LIMITED', reason: 'SUBSCRIBER_BEHIND', limit: MAX_QUEUED });
      return true;
    });
  });
});
