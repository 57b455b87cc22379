import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { loadConfig, type DatabaseConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/main';
import { Role } from '../../src/shared/viewer';
import { createApiKey } from '../../src/store/keys';
import { dropDatabase, freshDatabase, type Driver } from './drivers';
import { postOperation, waitFor } from './http';
import type { GraphQLResponse } from './server';
import { SqlRecorder } from './sql-count';
import { startUpstream, type Upstream } from './upstream';

/** Every field of an IngestRun, as tests read runs back. */
export const RUN_FIELDS = `id sourceName trigger startedAt endedAt outcome httpStatus documents created updated unchanged skipped held withdrawn republished errorCount message errors { position message externalId }`;

export interface RunRecord {
  id: string;
  sourceName: string;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
  outcome: 'RUNNING' | 'SUCCEEDED' | 'UNCHANGED' | 'FAILED';
  httpStatus: number | null;
  documents: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  held: number;
  withdrawn: number;
  republished: number;
  errorCount: number;
  message: string | null;
  errors: { position: string; message: string; externalId: string | null }[];
}

/**
 * The real gateway, over a fresh database, allowed to fetch from 127.0.0.1
 * (where tests start their upstream servers), with its SQL recorded and an
 * admin and an editor key.
 */
export interface IngestGateway {
  readonly driver: Driver;
  readonly gateway: RunningGateway;
  readonly database: DatabaseConfig;
  readonly sql: SqlRecorder;
  readonly admin: Record<string, string>;
  readonly editor: Record<string, string>;
  /** POSTs an operation as the admin unless other headers are given. */
  post<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** `post` that fails the test on any GraphQL error and returns `data`. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T>;
  /** Adds a source through `createSource`. */
  addSource(input: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** Starts a run through `runSource` and waits (polling `ingestRuns`) until it ends; returns the run as GraphQL gives it. */
  runSource(name: string): Promise<RunRecord>;
  /** The runs of a source, newest first. */
  runsOf(name: string): Promise<RunRecord[]>;
  stop(): Promise<void>;
}

export async function startIngestGateway(driver: Driver, env: Record<string, string> = {}): Promise<IngestGateway> {
  const database = freshDatabase(driver);
  const sql = new SqlRecorder();
  const config = loadConfig({ NODE_ENV: 'test', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', ...env }, { port: 0, host: '127.0.0.1', database });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, { demoIfEmpty: true, sqlLogger: sql });
  } catch (error) {
    await dropDatabase(database);
    throw error;
  }
  const keys: Record<'admin' | 'editor', Record<string, string>> = { admin: {}, editor: {} };
  for (const role of ['admin', 'editor'] as const) {
    const { secret } = await createApiKey(gateway.db, { name: `${role} desk`, role: role.toUpperCase() as Role });
    keys[role] = { authorization: `Bearer ${secret}` };
  }
  const post = <T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = keys.admin) => postOperation<T>(gateway.url, { query, variables }, headers);
  const ok = async <T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> => {
    const response = await post<T>(query, variables, headers);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    return response.body.data as T;
  };
  const runsOf = async (name: string): Promise<RunRecord[]> => {
    const data = await ok<{ ingestRuns: { edges: { node: RunRecord }[] } }>(`query ($source: String) { ingestRuns(source: $source, first: 100) { edges { node { ${RUN_FIELDS} } } } }`, { source: name });
    return data.ingestRuns.edges.map((edge) => edge.node);
  };
  return {
    driver,
    gateway,
    database,
    sql,
    admin: keys.admin,
    editor: keys.editor,
    post,
    ok,
    async addSource(input) {
      const data = await ok<{ createSource: { id: string; name: string } }>(`mutation ($input: SourceInput!) { createSource(input: $input) { id name } }`, { input });
      return data.createSource;
    },
    async runSource(name) {
      const data = await ok<{ runSource: { id: string } }>(`mutation ($name: String!) { runSource(name: $name) { id } }`, { name });
      const id = data.runSource.id;
      return waitFor(
        `run ${id} of ${name} to end`,
        async () => (await runsOf(name)).find((run) => run.id === id && run.outcome !== 'RUNNING'),
        { tries: 600, intervalMs: 50 },
      );
    },
    runsOf,
    async stop() {
      await gateway.stop();
      await dropDatabase(database);
    },
  };
}

/** The statements that write (INSERT, UPDATE, DELETE), in order. */
export function writeStatements(statements: readonly string[]): string[] {
  return statements.filter((statement) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(statement));
}

/** The table a write statement writes to. */
export function tableOf(statement: string): string {
  const match = /^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?(?:\."?([A-Za-z_][A-Za-z0-9_]*)"?)?/i.exec(statement);
  return match ? (match[2] ?? match[1]) : statement.slice(0, 40);
}

/** An upstream server and an ingest gateway for the enclosing `describe`: started before its tests, stopped after. */
export function ingestFixture(driver: Driver, env: Record<string, string> = {}): { readonly upstream: Upstream; readonly gw: IngestGateway } {
  const fixture = {} as { upstream: Upstream; gw: IngestGateway };
  before(async () => {
    fixture.upstream = await startUpstream();
    fixture.gw = await startIngestGateway(driver, env);
  });
  after(async () => {
    await fixture.gw?.stop();
    await fixture.upstream?.close();
  });
  return fixture;
}
