import { loadConfig, type DatabaseConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/main';
import { Role } from '../../src/shared/viewer';
import { Editor, keyHeaders, poster } from './changes';
import { dropDatabase, freshDatabase, type Driver } from './drivers';
import { capturingLogger, type LogLine } from './log-capture';
import { SqlRecorder } from './sql-count';

/** The real gateway over a fresh database, for the live suites: its SQL recorded, its log captured, an editor at hand. */
export interface LiveGateway {
  readonly url: string;
  readonly gateway: RunningGateway;
  readonly database: DatabaseConfig;
  readonly sql: SqlRecorder;
  /** What the gateway logged, parsed. */
  readonly lines: LogLine[];
  readonly editor: Editor;
  /** Stops the gateway and drops its database. */
  stop(): Promise<void>;
}

/** Starts the gateway on an ephemeral port over a fresh database (a new SQLite file, a new PostgreSQL schema), with `env` added to the test environment. */
export async function startLiveGateway(driver: Driver, env: Record<string, string> = {}): Promise<LiveGateway> {
  const database = freshDatabase(driver);
  const sql = new SqlRecorder();
  const { lines, logger } = capturingLogger();
  const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', ...env }, { port: 0, host: '127.0.0.1', database }), { sqlLogger: sql, logger });
  const editor = new Editor(poster(gateway.url), await keyHeaders(gateway.db, Role.EDITOR));
  return {
    url: gateway.url,
    gateway,
    database,
    sql,
    lines,
    editor,
    async stop() {
      await gateway.stop();
      await dropDatabase(database);
    },
  };
}
