/**
 * Loads values by key in batches, one batch at a time: keys asked for while a
 * batch is being read wait for the next, which takes up to `size` of them.
 * Unlike DataLoader, which sends every batch of a tick at once, a burst of
 * keys never holds more than one database connection: what live events read
 * for a thousand changes is a handful of statements in a row, not a thousand
 * side by side that the requests of the moment would wait behind.
 *
 * Nothing is cached: a key asked for again after its batch was read is read
 * again (a live event keeps what it read).
 */
export class SerialBatcher<K, V> {
  private pending = new Map<K, { promise: Promise<V>; resolve: (value: V) => void; reject: (error: unknown) => void }>();
  private running = false;

  /**
   * @param load reads a batch of keys: one value per key, in key order (DataLoader's contract; see `byKey`)
   * @param size keys per batch
   */
  constructor(
    private readonly load: (keys: K[]) => Promise<readonly V[]>,
    private readonly size: number,
  ) {}

  /** The value of `key`, read with the keys asked for around it. */
  get(key: K): Promise<V> {
    const waiting = this.pending.get(key);
    if (waiting) return waiting.promise;
    let resolve!: (value: V) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<V>((res, rej) => ((resolve = res), (reject = rej)));
    this.pending.set(key, { promise, resolve, reject });
    if (!this.running) {
      this.running = true;
      // After the current tick: the keys asked for in it (a whole tailer page's events) go together.
      setImmediate(() => void this.run());
    }
    return promise;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch: [K, { resolve: (value: V) => void; reject: (error: unknown) => void }][] = [];
        for (const entry of this.pending) {
          batch.push(entry);
          if (batch.length === this.size) break;
        }
        for (const [key] of batch) this.pending.delete(key);
        try {
          const values = await this.load(batch.map(([key]) => key));
          batch.forEach(([, waiting], n) => waiting.resolve(values[n]));
        } catch (error) {
          for (const [, waiting] of batch) waiting.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
