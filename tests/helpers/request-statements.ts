import type { SqlRecorder } from './sql-count';

/**
 * What the gateway runs in the background beside requests, woken by writes:
 * the webhook fan-out (the enabled webhooks, the entries after their
 * position, the deliveries it queues), the deliverer's claims (and, on
 * SQLite, its read of the claimed deliveries' webhooks) and the change
 * log's reader. None of it belongs to a request's statement count.
 */
const BACKGROUND = [
  /"Webhook"\."disabled_at" IS NULL/,
  /^SELECT seq AS "seq"/,
  /^SELECT max\(seq\) AS "head", min\(at\) AS "oldest"/,
  /status = 'PENDING'/,
  /^INSERT INTO "webhook_delivery"/,
  /^UPDATE "webhook(_delivery)?"/,
  /^SELECT id AS "webhookId"/,
];

/** The statements recorded since the last reset that a request ran (those of background work left out). */
export function requestStatements(sql: SqlRecorder): string[] {
  return sql.statements.filter((statement) => !BACKGROUND.some((pattern) => pattern.test(statement)));
}
