import type { Logger, QueryRunner } from 'typeorm';

/**
 * A TypeORM logger that records every SQL statement, so tests can pin how many
 * statements an operation costs (counts, never durations).
 */
export class SqlRecorder implements Logger {
  statements: string[] = [];

  /** Forgets what was recorded; call before the request to measure. */
  reset(): void {
    this.statements = [];
  }

  get count(): number {
    return this.statements.length;
  }

  logQuery(query: string, _parameters?: unknown[], _runner?: QueryRunner): void {
    this.statements.push(query);
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
