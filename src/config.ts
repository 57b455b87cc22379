import path from 'node:path';

/** Where the graph keeps its content: an embedded SQLite file or a PostgreSQL database. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      /** Connection string without our own `schema` parameter. */
      readonly url: string;
      /** The PostgreSQL schema to work in (`?schema=` in `DATABASE_URL`); `public` when absent. */
      readonly schema?: string;
    };

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  /** Origins allowed to call `/graphql` from a browser; `'*'` allows any. */
  readonly corsOrigins: readonly string[] | '*';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long SIGTERM waits for requests in flight before closing connections. */
  readonly shutdownTimeoutMs: number;
}

/** A bad configuration value; the message names the variable and says what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/gateway.sqlite';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads the environment once and returns a frozen, validated configuration.
 * This is the only module that reads `process.env`; explicit `overrides` win
 * (tests and the CLI pass them), so nothing else needs to touch the environment.
 *
 * @example loadConfig(process.env, { port: 0, database: parseDatabaseUrl('sqlite::memory:') })
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const { NODE_ENV, HOST, PORT, DATABASE_URL, CORS_ORIGINS, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS } = env;

  const nodeEnv = oneOf('NODE_ENV', NODE_ENV || 'development', ['development', 'production', 'test'] as const);
  const config: Config = {
    nodeEnv,
    host: HOST || '0.0.0.0',
    port: integer('PORT', PORT, 4000, 0, 65535),
    database: parseDatabaseUrl(DATABASE_URL || DEFAULT_DATABASE_URL, 'DATABASE_URL'),
    corsOrigins: parseOrigins(CORS_ORIGINS),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'), LOG_LEVELS),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', SHUTDOWN_TIMEOUT_MS, 8000, 0, 60_000),
    ...overrides,
  };
  return Object.freeze(config);
}

/**
 * Parses `sqlite:PATH` (relative to the working directory; `sqlite::memory:` for a
 * throw-away database) or `postgres://…` / `postgresql://…`, whose optional
 * `?schema=NAME` selects the PostgreSQL schema to work in.
 */
export function parseDatabaseUrl(url: string, variable = 'DATABASE_URL'): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError(`${variable}: "sqlite:" needs a path, e.g. sqlite:./data/gateway.sqlite`);
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${variable}: not a valid postgres:// URL`);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(`${variable}: schema "${schema}" must be lowercase letters, digits and _`);
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema };
  }
  throw new ConfigError(`${variable}: expected sqlite:PATH or postgres://…, got "${url.split(':')[0]}:…"`);
}

function parseOrigins(value: string | undefined): readonly string[] | '*' {
  if (!value || value.trim() === '*') return '*';
  return Object.freeze(value.split(',').map((origin) => origin.trim()).filter(Boolean));
}

function integer(variable: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${variable}: expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${variable}: expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
