import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Role } from '../../src/shared/viewer';
import { Editor, dataOf, keyHeaders, type Post } from './changes';
import { waitFor, type ConfiguredGateway } from './http';
import type { Received } from './webhook-receiver';

/**
 * Short retries, and the receiver's address allowed, as the contract says
 * tests do. The time limit stays long enough that a receiver in a busy test
 * process still answers within it (past it, a delivery is retried, and
 * tests that count requests would see it twice).
 */
export const WEBHOOK_ENV = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms', WEBHOOK_TIMEOUT_MS: '2000' };

export const CREATE = `mutation ($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id url filter events enabled disabledAt } } }`;
export const DELIVERIES = `query ($webhook: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(webhook: $webhook, status: $status, first: 100) { edges { node { id webhookId type status attempts lastStatus lastError body deliveredAt } } }
}`;
export const WEBHOOKS = `{ webhooks { id url enabled disabledAt disabledReason } }`;

export interface Delivery {
  id: string;
  webhookId: string;
  type: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  body: any;
  deliveredAt: string | null;
}

/** A partner managing webhooks through the GraphQL admin mutations. */
export class Partner {
  constructor(
    private readonly post: Post,
    readonly headers: Record<string, string>,
  ) {}

  async create(input: Record<string, unknown>): Promise<{ id: string; secret: string; webhook: any }> {
    const { createWebhook } = dataOf(await this.post(CREATE, { input }, this.headers));
    return { id: createWebhook.webhook.id, secret: createWebhook.secret, webhook: createWebhook.webhook };
  }

  /** Deliveries, newest first. */
  async deliveries(webhook: string, status?: string): Promise<Delivery[]> {
    const data = dataOf(await this.post(DELIVERIES, { webhook, status: status ?? null }, this.headers));
    return data.webhookDeliveries.edges.map((edge: { node: Delivery }) => edge.node);
  }

  /** Waits until the webhook has `count` deliveries, every one of them settled (not PENDING); returns them oldest first. */
  async settled(webhook: string, count: number, what = `${count} settled deliveries`): Promise<Delivery[]> {
    return waitFor(what, async () => {
      const deliveries = await this.deliveries(webhook);
      return deliveries.length >= count && deliveries.every((delivery) => delivery.status !== 'PENDING') ? deliveries.reverse() : null;
    }, { tries: 1500, intervalMs: 20 });
  }

  async webhook(id: string): Promise<any> {
    return (await this.list()).find((hook: { id: string }) => hook.id === id);
  }

  /** The partner's webhooks, as `webhooks` lists them. */
  async list(): Promise<any[]> {
    return dataOf(await this.post(WEBHOOKS, {}, this.headers)).webhooks;
  }

  async mutate(name: 'rotateWebhookSecret' | 'enableWebhook' | 'deleteWebhook' | 'replayWebhookDelivery', id: string, selection = ''): Promise<any> {
    return dataOf(await this.post(`mutation ($id: ID!) { ${name}(id: $id) ${selection} }`, { id }, this.headers))[name];
  }
}

/** Verifies a request as a receiver does with the standardwebhooks library; returns the payload it vouches for. */
export function verified(request: Received, secret: string): any {
  return new StandardWebhook(secret).verify(request.body, {
    'webhook-id': request.headers['webhook-id'],
    'webhook-timestamp': request.headers['webhook-timestamp'],
    'webhook-signature': request.headers['webhook-signature'],
  });
}

/** The `webhook-id` a delivery is sent under. */
export function messageId(delivery: { id: string }): string {
  return `msg_${delivery.id.replace(/-/g, '')}`;
}

/** An editor and a partner of `gw`, each with a key of its own. */
export async function editorAndPartner(gw: ConfiguredGateway): Promise<{ editor: Editor; partner: Partner }> {
  const post = gw.post.bind(gw);
  return { editor: new Editor(post, await keyHeaders(gw.gateway.db, Role.EDITOR)), partner: new Partner(post, await keyHeaders(gw.gateway.db, Role.PARTNER)) };
}
