import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** Bytes of log lines gathered before one write. */
const BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer, ms. */
const FLUSH_MS = 1000;

/** Destinations made by {@link createLogger}, flushed once when the process exits. */
const destinations = new Set<{ flushSync(): void }>();
let flushOnExit = false;

/**
 * One structured JSON line per event on stdout; quiet in tests unless LOG_LEVEL says otherwise.
 *
 * Lines go to an asynchronous, buffered destination (SonicBoom on fd 1,
 * `sync: false`): a request's line is appended to a buffer written by one
 * `write(2)` once it holds {@link BUFFER_BYTES} (about 15 request lines), or
 * at the latest {@link FLUSH_MS} after, instead of a blocking write per line
 * (a profile of Q1 at LOG_LEVEL=info put ~5% of the process's CPU in those
 * writes). What is still buffered is written synchronously on `exit` (SIGTERM
 * and SIGINT end in `process.exit`, see `main.ts`), so no line is lost on shutdown.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  const level = config.logLevel;
  if (level === 'silent') return pino({ level, base: { service: 'coalition-graph' } });
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  destinations.add(destination);
  // A quiet gateway's lines still appear within a second.
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready or already closed: the next tick or the exit flush writes it.
    }
  }, FLUSH_MS).unref();
  if (!flushOnExit) {
    flushOnExit = true;
    process.once('exit', flushAll);
  }
  return pino({ level, base: { service: 'coalition-graph' } }, destination);
}

/** Writes out every queued log line now (the process is about to exit). */
export function flushAll(): void {
  for (const destination of destinations) {
    try {
      destination.flushSync();
    } catch {
      // Nothing queued, or stdout already closed: nothing more can be written.
    }
  }
}
