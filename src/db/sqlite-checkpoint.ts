import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** How often the checkpointing thread copies the log into the database. */
const INTERVAL_MS = 250;

/**
 * The log size (pages of 4 KiB, so 64 MiB) at which a commit checkpoints by
 * itself, should the thread fall behind or stop: a bound, not the usual way.
 */
export const INLINE_CHECKPOINT_PAGES = 16_384;

/** The size the log file is cut back to once it has been copied in whole. */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Moves a SQLite database's checkpoints off the event loop. In WAL mode a
 * commit that takes the log past `wal_autocheckpoint` pages copies the log
 * into the database file and syncs it, on the connection that committed: with
 * better-sqlite3 that is the thread serving requests. An ingest batch of 200
 * items writes some 2,400 pages (every index of every table it touches), so
 * every batch paid a checkpoint of random writes and an fsync: 60–200 ms of
 * blocked event loop per commit at 100,000 items, a third of the run. Here a
 * worker thread with its own connection checkpoints (PASSIVE, so it never
 * blocks the writer or readers) every {@link INTERVAL_MS}, and the gateway's
 * connection checkpoints inline only past {@link INLINE_CHECKPOINT_PAGES}.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopping = false;
  private reported = false;
  private readonly exited: Promise<void>;

  constructor(file: string) {
    this.worker = new Worker(path.join(__dirname, 'sqlite-checkpoint-worker.js'), { workerData: { file, intervalMs: INTERVAL_MS } });
    // It never keeps the process alive: on exit without stop(), the log is checkpointed by the next connection.
    this.worker.unref();
    const warn = (message: string) => {
      if (this.reported) return;
      this.reported = true;
      process.emitWarning(`SQLite checkpoints: ${message}; commits checkpoint by themselves past ${INLINE_CHECKPOINT_PAGES} pages of log`, 'CoalitionGraphWarning');
    };
    this.worker.on('message', (message: { error?: string }) => message.error && warn(message.error));
    this.worker.on('error', (error) => warn(error.message));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Stops the thread and closes its connection (before the gateway's own closes). */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      // Held while it closes, or a process with nothing else to do would exit mid-await.
      this.worker.ref();
      this.worker.postMessage('stop');
    }
    return this.exited;
  }
}
