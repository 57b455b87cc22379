import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The built server entry point, as `npm start` runs it. */
export const MAIN = path.resolve(__dirname, '../../src/main.js');

/** The gateway running as `node dist/src/main.js` in a child process. */
export interface MainProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly origin: string;
  /** Resolves when the child exits, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Stops the child (SIGTERM, then SIGKILL after `graceMs`) and removes its database. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node dist/src/main.js` on an ephemeral port over a fresh SQLite file,
 * as `tests/server.test.ts` does for its shutdown suite: `PORT=0`, and the port
 * read from the "serving" line on stdout. `env` is added to a shell-like
 * environment (no NODE_ENV, so development, as `npm start`; silent logs).
 */
export async function startMainProcess(env: Record<string, string> = {}): Promise<MainProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-main-'));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite:${path.join(dir, 'g.sqlite')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
  };
  delete childEnv.NODE_ENV;
  delete childEnv.NODE_TEST_CONTEXT;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [MAIN], { cwd: dir, env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^Coalition Graph is serving http:\/\/127\.0\.0\.1:(\d+)\/graphql /m.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      exited.then(({ code, signal }) => reject(new Error(`main.js exited (${code ?? signal}) before serving: ${stdout}${stderr}`)));
    });
  } catch (error) {
    cleanUp();
    throw error;
  }
  return {
    child,
    port,
    origin: `http://127.0.0.1:${port}`,
    exited,
    stderr: () => stderr,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited.finally(() => clearTimeout(timer));
      }
      cleanUp();
      return exited;
    },
  };
}
