import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The head of each webhook's queue in one index probe. The deliverer may only
 * send a webhook's oldest pending delivery (deliveries go in order), and asks
 * for it per candidate: `min(change_seq) … WHERE webhook_id = ? AND status =
 * 'PENDING'`. Through the unique (webhook_id, change_seq) index that walked
 * past every delivery already made; with status in the middle it is one probe.
 */
export class WebhookDeliveryQueue1764750000000 implements MigrationInterface {
  name = 'WebhookDeliveryQueue1764750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_webhook_delivery_queue" ON "webhook_delivery" ("webhook_id", "status", "change_seq")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_webhook_delivery_queue"`);
  }
}
