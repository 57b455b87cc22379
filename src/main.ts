import 'reflect-metadata';
import v8 from 'node:v8';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase } from './db/data-source';
import { isDatabaseEmpty, loadDemoContent } from './demo/demo.loader';
import { campaignCatalogue } from './campaigns/campaign-catalogue';
import { nationCatalogue } from './member-nations/nation-catalogue';
import { setTestHooks, type TestHooks } from './db/test-hooks';
import { startServer, type Gateway } from './server/http';
import { createLogger, type Logger } from './server/logger';
import { ENTITIES } from './server/modules';
import { createServices, type Services } from './server/services';

export interface StartOptions {
  /** Load the demo content when the database has none (the default for `npm start`). */
  readonly demoIfEmpty?: boolean;
  /** Sees every SQL statement; tests pass one that counts them. */
  readonly sqlLogger?: TypeOrmLogger;
  readonly logger?: Logger;
  /** Hooks only tests set, to provoke failures (see `db/test-hooks.ts`). */
  readonly testHooks?: TestHooks;
}

/** A started gateway with its database; `stop()` drains requests, then closes the database. */
export interface RunningGateway extends Gateway {
  readonly db: Awaited<ReturnType<typeof openDatabase>>;
  readonly services: Services;
  stop(): Promise<void>;
}

/**
 * Opens (and migrates) the database, loads the demo content into an empty one,
 * and serves. The one start-up path, shared by `npm start`, the CLI and tests.
 */
export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
  limitHeapGrowth(config.heapGrowthPercent);
  const logger = options.logger ?? createLogger(config);
  const db = await openDatabase(config.database, {
    entities: ENTITIES,
    logger: options.sqlLogger,
    statementTimeoutMs: config.db.statementTimeoutMs,
    connectTimeoutMs: config.db.connectTimeoutMs,
    poolSize: config.db.poolSize,
  });
  if (options.testHooks) setTestHooks(db, options.testHooks);
  const services = createServices(config, db, logger);
  try {
    if ((options.demoIfEmpty ?? true) && (await isDatabaseEmpty(db))) {
      await loadDemoContent(db, (line) => logger.info(`demo content: ${line}`));
    }
    await Promise.all([nationCatalogue(db).get(), campaignCatalogue(db).get(), services.start()]);
    const gateway = await startServer(services);
    let stopping: Promise<void> | undefined;
    return {
      ...gateway,
      db,
      services,
      stop: () => (stopping ??= gateway.close().then(() => services.close()).then(() => db.destroy())),
    };
  } catch (error) {
    await services.close();
    await db.destroy();
    throw error;
  }
}

/**
 * Sets how far the heap may grow between full collections (`HEAP_GROWTH_PERCENT`).
 * V8 reads the flag at each collection, so setting it at start-up works for
 * whatever command line started the process; 0 restores V8's own heuristic.
 */
function limitHeapGrowth(percent: number): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** Describes a start-up failure in one line for a person. */
export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01' || code === '28000') {
    return `cannot connect to the database: ${message}`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES') return `cannot open the database file: ${message}`;
  return message;
}

/** Serves until SIGTERM or SIGINT, then drains and exits. */
export async function serve(config: Config, options: StartOptions = {}): Promise<void> {
  const logger = options.logger ?? createLogger(config);
  const gateway = await startGateway(config, { ...options, logger });
  const where = config.database.kind === 'sqlite' ? config.database.path : 'PostgreSQL';
  logger.info({ url: gateway.url, database: where }, 'gateway ready');
  process.stdout.write(`Coalition Graph is serving ${gateway.url} (database: ${where})\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      gateway.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`coalition-graph: ${describeStartupError(error)}\n`);
    process.exit(1);
  }
  serve(config).catch((error: unknown) => {
    process.stderr.write(`coalition-graph: ${describeStartupError(error)}\n`);
    process.exit(1);
  });
}
