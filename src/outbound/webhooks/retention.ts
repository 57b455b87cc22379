import type { DataSource } from 'typeorm';
import { prunedThrough } from '../../changes/retention';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';

/** Deliveries deleted per statement, so that a large backlog never holds the database (or SQLite's one writer) for long. */
const BATCH = 1_000;

/**
 * Deletes the settled deliveries (succeeded, or failed for good) of changes
 * that have left the change log (`CHANGE_LOG_RETENTION_DAYS`): a delivery's
 * history, and a dead one's replay, are kept as long as the change it
 * carries, and the table does not grow for ever. Pending deliveries are owed
 * and never deleted. Webhook by webhook, in batches that each use the queue
 * index (webhook, status, change), yielding to the event loop between them
 * and giving up between two once `stopped` says so (shutdown). Returns how
 * many were deleted.
 */
export async function pruneDeliveries(db: DataSource, stopped: () => boolean = () => false): Promise<number> {
  const through = await prunedThrough(db);
  if (through === 0) return 0;
  const settled = [WebhookDeliveryStatus.SUCCEEDED, WebhookDeliveryStatus.FAILED];
  let deleted = 0;
  for (const { id } of await db.getRepository(Webhook).find({ select: { id: true } })) {
    for (;;) {
      const { affected } = await db
        .createQueryBuilder()
        .delete()
        .from(WebhookDelivery)
        .where(
          // The status again outside: on PostgreSQL a row that a replay made PENDING after the inner select is re-checked here, and kept.
          `status IN (:...settled) AND id IN (SELECT id FROM webhook_delivery WHERE webhook_id = :id AND status IN (:...settled) AND change_seq <= :through LIMIT ${BATCH})`,
          { id, settled, through },
        )
        .execute();
      const count = affected ?? 0;
      deleted += count;
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped()) return deleted;
      if (count < BATCH) break;
    }
  }
  return deleted;
}
