import { Arg, Args, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { ContentChangeKind } from '../../changes/change-log';
import { FeedFilter } from '../../feed/feed.inputs';
import type { Context } from '../../shared/context';
import { ConnectionArgs } from '../../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../../shared/pagination/connection.type';
import { pageOf, pageRequest, type Keyset } from '../../shared/pagination/keyset';
import { BadUserInputError } from '../../shared/errors';
import { Role } from '../../shared/viewer';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus } from './webhook.entity';
import { createWebhook, deleteWebhook, enableWebhook, listWebhooks, ownWebhook, replayDelivery, rotateWebhookSecret, updateWebhook } from './webhooks';

@InputType({ description: 'A webhook: where to send changes, and which.' })
export class WebhookInput {
  @Field({ description: 'The http(s) URL that receives a POST per change. Private and loopback addresses, and names resolving to one, are refused unless the gateway allows them (OUTBOUND_ALLOWED_HOSTS): when the webhook is made (BAD_USER_INPUT, `extensions.reason: "ADDRESS_REFUSED"`) and again at every delivery.' })
  url!: string;

  @Field(() => FeedFilter, { nullable: true, description: 'Only changes to items matching this filter (as `Query.feed`), before or after the change.' })
  filter?: FeedFilter | null;

  @Field(() => [ContentChangeKind], { nullable: true, description: 'Only these kinds of change; all four when omitted.' })
  events?: ContentChangeKind[] | null;
}

@InputType({ description: 'What to change of a webhook: only the fields given change.' })
export class WebhookUpdateInput {
  @Field(() => String, { nullable: true, description: 'A new receiving URL, checked as `WebhookInput.url` is. Deliveries not yet made go to it, at once (one waiting for a retry to the old URL too), each with a fresh set of retries. A webhook stopped by a 410 stays stopped until `enableWebhook`.' })
  url?: string | null;

  @Field(() => FeedFilter, { nullable: true, description: 'A new filter (as `Query.feed`); null for every change. Left out: the filter stays.' })
  filter?: FeedFilter | null;

  @Field(() => [ContentChangeKind], { nullable: true, description: 'The kinds of change to deliver; null or empty for all four. Left out: they stay.' })
  events?: ContentChangeKind[] | null;
}

@ObjectType({ description: 'A webhook just made (or whose secret was just rotated), with its signing secret: shown only now.' })
export class WebhookCreated {
  @Field(() => Webhook, { description: 'The webhook.' })
  webhook!: Webhook;

  @Field({ description: 'The Standard Webhooks signing secret (`whsec_…`). Store it: it is not shown again. Verify each delivery’s `webhook-signature` with it.' })
  secret!: string;
}

@ObjectType({ description: 'A page of a webhook’s deliveries, newest first.' })
export class WebhookDeliveryConnection extends ConnectionType<WebhookDelivery>(WebhookDelivery, 'WebhookDelivery') {}

const DELIVERY_KEYSET: Keyset<WebhookDelivery> = {
  columns: ['d.change_seq', 'd.id'],
  kinds: ['number', 'string'],
  order: 'DESC',
  key: (delivery) => [delivery.changeSeq, delivery.id],
};

/** Partners manage their own webhooks; admins all. */
@Resolver()
export class WebhookResolver {
  @Authorized(Role.PARTNER)
  @Query(() => [Webhook], { description: 'Your webhooks (every webhook, for an admin). Needs a key with the PARTNER role or above.' })
  webhooks(@Ctx() ctx: Context): Promise<Webhook[]> {
    return listWebhooks(ctx.db, ctx.viewer);
  }

  @Authorized(Role.PARTNER)
  @Query(() => WebhookDeliveryConnection, {
    description:
      'A webhook’s deliveries, newest first, optionally of one status. Needs the webhook’s key (or ADMIN). Settled ones are kept as long as the change log keeps their change (CHANGE_LOG_RETENTION_DAYS); pending ones until they settle.',
  })
  async webhookDeliveries(
    @Arg('webhook', () => ID, { description: 'The webhook’s id.' }) webhook: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries with this status.' }) status: WebhookDeliveryStatus | null,
    @Args() args: ConnectionArgs,
    @Ctx() ctx: Context,
  ): Promise<Connection<WebhookDelivery>> {
    const hook = await ownWebhook(ctx.db, ctx.viewer, webhook);
    const page = pageRequest(args, DELIVERY_KEYSET.kinds);
    const qb = ctx.db.getRepository(WebhookDelivery).createQueryBuilder('d').where('d.webhook_id = :id', { id: hook.id });
    if (status) qb.andWhere('d.status = :status', { status });
    return pageOf(qb, DELIVERY_KEYSET, page);
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => WebhookCreated, {
    description: 'Makes a webhook for your key: every change to published content committed from now on that matches its filter and events is POSTed to its URL, signed per Standard Webhooks. Returns its secret, shown only now. A key may have 25 webhooks (CONFLICT past that); a key revoked or expired stops its webhooks.',
  })
  createWebhook(@Arg('input', () => WebhookInput, { description: 'The webhook.' }) input: WebhookInput, @Ctx() ctx: Context): Promise<WebhookCreated> {
    return createWebhook(ctx.db, ctx.viewer, input);
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => Webhook, {
    description:
      'Changes a webhook’s URL, filter or events, keeping its id, secret, place in the change log and deliveries (a partner moving its endpoint loses nothing queued). The new filter and events apply to changes fanned out from now: one committed just before may still come under the old ones.',
  })
  updateWebhook(
    @Arg('id', () => ID, { description: 'The webhook’s id.' }) id: string,
    @Arg('input', () => WebhookUpdateInput, { description: 'What to change.' }) input: WebhookUpdateInput,
    @Ctx() ctx: Context,
  ): Promise<Webhook> {
    if (input.url === null) throw new BadUserInputError('input.url: a webhook needs a URL; leave it out to keep the one it has', { field: 'input.url' });
    return updateWebhook(ctx.db, ctx.viewer, id, { url: input.url, filter: input.filter, events: input.events });
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => ID, { description: 'Deletes a webhook and its deliveries; returns its id.' })
  deleteWebhook(@Arg('id', () => ID, { description: 'The webhook’s id.' }) id: string, @Ctx() ctx: Context): Promise<string> {
    return deleteWebhook(ctx.db, ctx.viewer, id);
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => WebhookCreated, { description: 'Gives a webhook a new secret, shown only now. For a day the old secret signs beside it (two signatures in `webhook-signature`), so your receiver can switch without missing a delivery.' })
  rotateWebhookSecret(@Arg('id', () => ID, { description: 'The webhook’s id.' }) id: string, @Ctx() ctx: Context): Promise<WebhookCreated> {
    return rotateWebhookSecret(ctx.db, ctx.viewer, id);
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => Webhook, {
    description:
      'Restarts a webhook that stopped because its endpoint answered 410 Gone: the delivery it answered 410 is sent again (while the change log keeps its change, CHANGE_LOG_RETENTION_DAYS), then the changes made meanwhile, in order. `CONFLICT` when the key that made it was revoked, has expired or was deleted (`extensions.reason` says which): such a webhook stays stopped; make a new one with a current key. `CONFLICT` with `reason: CHANGES_EXPIRED` when it stopped longer ago than the change log keeps changes, so that some it was never sent are gone: read the feed to catch up, then restart it with `acceptMissedChanges: true`.',
  })
  enableWebhook(
    @Arg('id', () => ID, { description: 'The webhook’s id.' }) id: string,
    @Arg('acceptMissedChanges', () => Boolean, {
      defaultValue: false,
      description: 'Restart even though changes made while the webhook was stopped have left the change log and will never be sent (you have caught up from the feed); deliveries go on from the oldest change kept.',
    })
    acceptMissedChanges: boolean,
    @Ctx() ctx: Context,
  ): Promise<Webhook> {
    return enableWebhook(ctx.db, ctx.viewer, id, { acceptMissedChanges });
  }

  @Authorized(Role.PARTNER)
  @Mutation(() => WebhookDelivery, { description: 'Sends a delivery again (a FAILED one, or one your receiver lost): it is queued for its webhook’s next turn, with a fresh set of retries.' })
  replayWebhookDelivery(@Arg('id', () => ID, { description: 'The delivery’s id.' }) id: string, @Ctx() ctx: Context): Promise<WebhookDelivery> {
    return replayDelivery(ctx.db, ctx.viewer, id);
  }
}
