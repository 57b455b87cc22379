import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The thread that checkpoints a SQLite database's write-ahead log (see
 * sqlite-checkpoint.ts): its own connection, PASSIVE checkpoints. PASSIVE
 * never waits for readers or the writer; what it could not copy in one pass
 * it copies in the next.
 */
const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');

let timer: NodeJS.Timeout | null = null;
let stopping = false;
/** Frames the last pass had copied. */
let copied = -1;

/**
 * One pass, then the next: at once while the log has frames this pass did not
 * copy (the writer kept appending) and the copy moves on, so that it catches
 * up and the writer's next transaction can start the log over; else after
 * `intervalMs`.
 */
function pass(): void {
  timer = null;
  if (stopping) return;
  let behind = false;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    // Again at once only while passes make progress: a reader holding an old snapshot stops the copy, and polling it would spin.
    behind = result.log > 0 && result.checkpointed < result.log && result.checkpointed !== copied;
    copied = result.checkpointed;
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
  timer = behind ? setTimeout(pass, 10) : setTimeout(pass, intervalMs);
}
timer = setTimeout(pass, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  stopping = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort?.close();
});
