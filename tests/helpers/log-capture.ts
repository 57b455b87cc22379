import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A log line as pino writes it: `msg`, `level` (30 info, 40 warn, 50 error) and the fields logged with it. */
export type LogLine = Record<string, any> & { msg: string; level: number };

/** A pino logger at `info` whose JSON lines land in `lines`, for tests that read what the gateway logged. */
export function capturingLogger(level: pino.LevelWithSilent = 'info'): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}
