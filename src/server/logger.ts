import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** Bytes of log lines gathered before one write. */
const BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer, ms. */
const FLUSH_MS = 1000;

/** stdout's one buffered destination, shared by every logger of the process (made on first use). */
let stdout: ReturnType<typeof pino.destination> | null = null;

/**
 * One structured JSON line per event on stdout; quiet in tests unless LOG_LEVEL says otherwise.
 *
 * Lines go to an asynchronous, buffered destination (SonicBoom on fd 1,
 * `sync: false`): a request's line is appended to a buffer written by one
 * `write(2)` once it holds {@link BUFFER_BYTES} (about 15 request lines), or
 * at the latest {@link FLUSH_MS} after, instead of a blocking write per line
 * (a profile of Q1 at LOG_LEVEL=info put ~5% of the process's CPU in those
 * writes). pino writes what is still buffered synchronously on `exit` (SIGTERM
 * and SIGINT end in `process.exit`, see `main.ts`), so no line is lost on shutdown.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  const level = config.logLevel;
  if (level === 'silent') return pino({ level, base: { service: 'coalition-graph' } });
  return pino({ level, base: { service: 'coalition-graph' } }, stdoutDestination());
}

function stdoutDestination(): ReturnType<typeof pino.destination> {
  if (stdout) return stdout;
  const destination = (stdout = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES }));
  // A quiet gateway's lines still appear within a second.
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready or already closed: the next tick or pino's exit flush writes it.
    }
  }, FLUSH_MS).unref();
  return destination;
}
