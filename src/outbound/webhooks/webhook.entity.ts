import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { ContentChangeKind } from '../../changes/change-log';

/**
 * A partner's endpoint that is called with every change to published content
 * that matches its filter, signed per Standard Webhooks with its secret.
 * `position` is how far in the change log deliveries have been made for it,
 * so that changes written while no gateway ran (by the CLI, say) are
 * delivered too, once a gateway starts.
 */
@Entity({ name: 'webhook' })
@Index('IDX_webhook_owner', ['ownerKeyId'])
@ObjectType({ description: 'An endpoint called with the changes to published content that match its filter, signed per Standard Webhooks.' })
export class Webhook {
  @Field(() => ID, { description: 'Identifier of the webhook.' })
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_webhook' })
  id!: string;

  /** The key that made it (its owner); null for one made with the command line. */
  @Column({ type: 'uuid', nullable: true })
  ownerKeyId!: string | null;

  @Field({ description: 'Name of the key (or `cli`) that made the webhook.' })
  @Column({ type: 'varchar', length: 200 })
  ownerName!: string;

  @Field({ description: 'The https (or http) URL that receives a POST for each change.' })
  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The filter changes must match, as `FeedFilter`; null for every change.' })
  @Column({ type: 'simple-json', nullable: true })
  filter!: Record<string, unknown> | null;

  @Field(() => [ContentChangeKind], { nullable: true, description: 'The kinds of change delivered; null for all four.' })
  @Column({ type: 'simple-json', nullable: true })
  events!: ContentChangeKind[] | null;

  /** The signing secret (`whsec_…`); shown only when made or rotated. */
  @Column({ type: 'varchar', length: 100 })
  secret!: string;

  /** The secret before the last rotation, still signing beside the new one until `previousSecretUntil`, so a receiver can switch without missing a delivery. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  previousSecret!: string | null;

  @Column({ type: Date, nullable: true })
  previousSecretUntil!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When deliveries stopped (the endpoint answered 410 Gone); null while the webhook is enabled. `enableWebhook` restarts it.' })
  @Column({ type: Date, nullable: true })
  disabledAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why deliveries stopped; null while enabled.' })
  @Column({ type: 'varchar', length: 300, nullable: true })
  disabledReason!: string | null;

  /** The change-log position up to which deliveries have been made. */
  @Column({ type: 'integer', default: 0 })
  position!: number;

  @Field(() => Int, { description: 'Increases with every change to the webhook: its settings, its secret, a stop or a restart; not with the deliveries it receives.' })
  @VersionColumn()
  version!: number;

  @Field(() => Date, { description: 'When the webhook was made.' })
  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  @Field({ description: 'True while changes are delivered.' })
  get enabled(): boolean {
    return this.disabledAt === null;
  }
}

/** Where a delivery stands. */
export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not yet delivered: waiting for its turn (deliveries of one webhook go in order) or for its next attempt.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Given up: every retry failed, the endpoint refused it (a 4xx other than 408 and 429), or answered 410 Gone. `replayWebhookDelivery` sends it again.' },
  },
});

/** One change to deliver to one webhook, with its attempts. */
@Entity({ name: 'webhook_delivery' })
@Index('UQ_webhook_delivery_change', ['webhookId', 'changeSeq'], { unique: true })
@Index('IDX_webhook_delivery_due', ['status', 'nextAttemptAt'])
@Index('IDX_webhook_delivery_queue', ['webhookId', 'status', 'changeSeq'])
@ObjectType({ description: 'One change delivered (or to be delivered) to one webhook, with its attempts.', simpleResolvers: true })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Identifier of the delivery; sent as the `webhook-id` header (`msg_…`), the same on every attempt, so receivers can drop duplicates.' })
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_webhook_delivery' })
  id!: string;

  @Field(() => ID, { description: 'The webhook it is for.' })
  @Column({ type: 'uuid' })
  webhookId!: string;

  @ManyToOne(() => Webhook, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'FK_webhook_delivery_webhook' })
  private webhook?: never;

  /** The change-log position of the change delivered. */
  @Column({ type: 'integer' })
  changeSeq!: number;

  @Field({ description: 'The event type: `content.published`, `content.updated`, `content.unpublished` or `content.deleted`.' })
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  /** The exact body sent and signed (JSON text). */
  @Column({ type: 'text' })
  payload!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Where it stands.' })
  @Column({ type: 'varchar', length: 16 })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null once it succeeded or failed for good.' })
  @Column({ type: Date, nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was last attempted.' })
  @Column({ type: Date, nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status the endpoint last answered; null when no answer came.' })
  @Column({ type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong on the last attempt, in one line.' })
  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  /** Which process is attempting it, until when (a process that died lets its claim lapse). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  claimedBy!: string | null;

  @Column({ type: Date, nullable: true })
  claimedUntil!: Date | null;

  @Field(() => Date, { description: 'When the change was queued for this webhook.' })
  @Column({ type: Date })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the endpoint accepted it.' })
  @Column({ type: Date, nullable: true })
  deliveredAt!: Date | null;

  @Field(() => GraphQLJSONObject, { description: 'The body sent: `{ type, timestamp, data: { id, type, item } }`.' })
  get body(): Record<string, unknown> {
    return JSON.parse(this.payload) as Record<string, unknown>;
  }
}
