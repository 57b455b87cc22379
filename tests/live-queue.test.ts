import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { LiveQueue } from '../src/outbound/live/live-queue';

describe('LiveQueue', () => {
  it('delivers in arrival order, skips nulls and events whose read failed, and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const queue = new LiveQueue<string>();
      let ended = false;
      const iterator = queue.iterable(() => (ended = true))[Symbol.asyncIterator]();
      let releaseFirst!: (value: string) => void;
      const first = new Promise<string>((resolve) => (releaseFirst = resolve));
      const next = iterator.next();
      queue.push(first);
      // Rejects while the first event is still being read: nobody awaits it yet.
      queue.push(Promise.reject(new Error('the database went away')));
      queue.push(Promise.resolve(null));
      queue.push(Promise.resolve('third'));
      await tick();
      await tick();
      releaseFirst('first');
      assert.deepEqual(await next, { value: 'first', done: false });
      assert.deepEqual(await iterator.next(), { value: 'third', done: false });
      await iterator.return!();
      assert.equal(ended, true);
      // Give Node's unhandled-rejection check a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('ends a subscriber that fell too far behind with an error, and what it dropped rejects nowhere', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const queue = new LiveQueue<string>();
      const iterator = queue.iterable(() => undefined)[Symbol.asyncIterator]();
      const rejects: ((error: Error) => void)[] = [];
      for (let n = 0; n <= 1_000; n++) queue.push(new Promise<string>((_resolve, reject) => rejects.push(reject)));
      await assert.rejects(iterator.next(), /fell more than 1000 events behind/);
      for (const reject of rejects) reject(new Error('read failed after the queue was dropped'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
