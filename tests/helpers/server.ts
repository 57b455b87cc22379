import 'reflect-metadata';
import { loadConfig, type DatabaseConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/main';
import { dropDatabase, freshDatabase, type Driver } from './drivers';
import { SqlRecorder } from './sql-count';

/** A GraphQL response as a test sees it; `extensions` (the operation's cost) is kept apart so tests can assert whole bodies. */
export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[]; [key: string]: unknown };
  extensions?: { cost?: { cost: number; limit: number }; [key: string]: unknown };
}

/** The real gateway on an ephemeral port, over a fresh database, with its SQL recorded. */
export interface TestGateway {
  readonly driver: Driver;
  readonly url: string;
  readonly origin: string;
  readonly database: DatabaseConfig;
  readonly gateway: RunningGateway;
  readonly sql: SqlRecorder;
  /** POSTs an operation to /graphql and returns the parsed response. */
  post<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/** Starts the real app (migrations, demo content, HTTP on port 0) against a fresh database. */
export async function startTestGateway(driver: Driver, options: { demo?: boolean } = {}): Promise<TestGateway> {
  const database = freshDatabase(driver);
  const sql = new SqlRecorder();
  const config = loadConfig({ NODE_ENV: 'test' }, { port: 0, host: '127.0.0.1', database });
  const gateway = await startGateway(config, { demoIfEmpty: options.demo ?? true, sqlLogger: sql });
  // The webhook deliverer's first look for pending work runs beside start-up; let it end, so that it
  // never lands in the statements a test counts for its first request.
  await gateway.services.webhooks?.settle();
  return {
    driver,
    url: gateway.url,
    origin: gateway.url.replace(/\/graphql$/, ''),
    database,
    gateway,
    sql,
    async post<T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const { extensions, ...body } = (await response.json()) as GraphQLResponse<T>['body'] & Pick<GraphQLResponse, 'extensions'>;
      return { status: response.status, headers: response.headers, body, extensions };
    },
    async stop() {
      await gateway.stop();
      await dropDatabase(database);
    },
  };
}
