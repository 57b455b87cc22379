import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** Destinations made by {@link createLogger}, flushed once when the process exits. */
const destinations = new Set<{ flushSync(): void }>();
let flushOnExit = false;

/**
 * One structured JSON line per event on stdout; quiet in tests unless LOG_LEVEL says otherwise.
 *
 * Lines go to an asynchronous destination (SonicBoom on fd 1, `sync: false`):
 * a request's line is queued and written with its neighbours by one `write(2)`
 * instead of a blocking write per line, which cost ~8% of a simple query's
 * throughput at LOG_LEVEL=info. What is still queued is written synchronously
 * on `exit` (SIGTERM and SIGINT end in `process.exit`, see `main.ts`), so no
 * line is lost on shutdown.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  const level = config.logLevel;
  if (level === 'silent') return pino({ level, base: { service: 'coalition-graph' } });
  const destination = pino.destination({ dest: 1, sync: false });
  destinations.add(destination);
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
