import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { System } from './queries';

/** A system under test, running as its own process. */
export interface ServerProcess {
  readonly system: System;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * The entry points of the three systems (this file runs from dist/bench/). The gateway is this build's,
 * or another's (`BENCH_GATEWAY_MAIN=/path/to/dist/src/main.js`, to compare two versions on one harness).
 */
const GATEWAY_MAIN = process.env.BENCH_GATEWAY_MAIN ? path.resolve(process.env.BENCH_GATEWAY_MAIN) : path.resolve(__dirname, '../src/main.js');
const POSTGRAPHILE_MAIN = path.resolve(__dirname, 'postgraphile.js');
const FLOOR_MAIN = path.resolve(__dirname, 'floor.js');

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Only what the child needs: nothing from the caller's shell (REDIS_URL, DATABASE_URL …) leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC', NODE_ENV: 'production' };
}

/** How a benchmark starts the gateway, beyond its database and log file. */
export interface GatewayProcessOptions {
  /** Environment variables over the deployed defaults (e.g. `FAST_PATH`). */
  readonly env?: Readonly<Record<string, string>>;
  /** `LOG_LEVEL` (default `info`, as deployed). */
  readonly logLevel?: string;
  /** Another build's `dist/src/main.js` (bench/ab.ts compares two). */
  readonly main?: string;
  /** Node's own flags before the script (bench/ab.ts compares runtime settings, e.g. `--max-semi-space-size=32`). */
  readonly nodeFlags?: readonly string[];
}

/**
 * The gateway as a deployment runs it: `node dist/src/main.js`, production mode
 * (rate limits on), the playground off, a line per request (LOG_LEVEL=info,
 * as deployed; `--log-level` changes it), and a partner limit the run cannot exhaust.
 */
export async function startGatewayProcess(databaseUrl: string, logFile: string, options: GatewayProcessOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const env = {
    ...baseEnv(),
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: options.logLevel ?? 'info',
    PLAYGROUND: 'off',
    RATE_LIMITS: 'partner=1000000000',
    ...options.env,
  };
  const origin = `http://127.0.0.1:${port}`;
  return startProcess('gateway', options.main ?? GATEWAY_MAIN, env, logFile, `${origin}/graphql`, async () => (await fetch(`${origin}/readyz`)).ok, options.nodeFlags);
}

/** PostGraphile 5 over the same database (see bench/postgraphile.ts for its settings). */
export async function startPostGraphileProcess(databaseUrl: string, logFile: string): Promise<ServerProcess> {
  const port = await freePort();
  const env = { ...baseEnv(), DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port) };
  const url = `http://127.0.0.1:${port}/graphql`;
  return startProcess('postgraphile', POSTGRAPHILE_MAIN, env, logFile, url, async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    return response.ok;
  });
}

/** The raw-SQL floor over the same database (see bench/floor.ts). */
export async function startFloorProcess(databaseUrl: string, logFile: string): Promise<ServerProcess> {
  const port = await freePort();
  const env = { ...baseEnv(), DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port) };
  const url = `http://127.0.0.1:${port}/graphql`;
  return startProcess('floor', FLOOR_MAIN, env, logFile, url, async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"Q6"}' });
    return response.ok;
  });
}

async function startProcess(
  system: System,
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  url: string,
  ready: () => Promise<boolean>,
  nodeFlags: readonly string[] = [],
): Promise<ServerProcess> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, script], { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));
  const stop = async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`${system} exited with code ${exited} before it was ready; see ${logFile}`);
    try {
      if (await ready()) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${system} was not ready within 120 s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { system, url, pid: child.pid!, stop };
}

/**
 * The command-line entry of a bench server (`node dist/bench/floor.js`): serves `DATABASE_URL` on `PORT`
 * (0 picks one) and `HOST`, says where on stdout, and stops on SIGTERM or SIGINT; any failure is one line and exit 1.
 */
export function runStandalone(name: string, title: string, start: (url: string, port: number, host: string) => Promise<{ url: string; close(): Promise<void> }>): void {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write(`${name}: DATABASE_URL is required\n`);
    process.exit(1);
  }
  start(url, Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1').then(
    (running) => {
      process.stdout.write(`${title} is serving ${running.url}\n`);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void running.close().then(() => process.exit(0)));
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
