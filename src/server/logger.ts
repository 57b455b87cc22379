import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** One structured JSON line per event on stdout; quiet in tests unless LOG_LEVEL says otherwise. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'coalition-graph' } });
}
