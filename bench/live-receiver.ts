import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';

/** One delivery as the receiver saw it. */
export interface Received {
  readonly hook: number;
  readonly msgId: string;
  /** `data.id` of the payload: the item's global id. */
  readonly itemId: string;
  readonly type: string;
  readonly at: number;
}

/**
 * A partner's receiver on 127.0.0.1: `/hook/<n>` for each webhook. Answers
 * 204 at once, records every delivery, and checks the Standard Webhooks
 * signature of every `verifyEvery`-th delivery of each path (and of any
 * delivery whose body does not parse) with the `standardwebhooks` library.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  verified = 0;
  readonly badSignatures: string[] = [];
  readonly badRequests: string[] = [];
  private readonly secrets = new Map<number, string>();
  private readonly perHook = new Map<number, number>();
  private server: http.Server | null = null;
  private listeners: (() => void)[] = [];

  constructor(private readonly verifyEvery = 10) {}

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const at = performance.timeOrigin + performance.now();
        response.writeHead(204).end();
        this.record(request, Buffer.concat(chunks).toString('utf8'), at);
      });
    });
    this.server.keepAliveTimeout = 75_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setSecret(hook: number, secret: string): void {
    this.secrets.set(hook, secret);
  }

  /** Called (once) after each delivery is recorded. */
  onDelivery(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  private record(request: http.IncomingMessage, body: string, at: number): void {
    const match = /^\/hook\/(\d+)$/.exec(request.url ?? '');
    if (!match || request.method !== 'POST') {
      this.badRequests.push(`${request.method} ${request.url}`);
      return;
    }
    const hook = Number(match[1]);
    const msgId = String(request.headers['webhook-id'] ?? '');
    let payload: { type?: string; data?: { id?: string } } | null = null;
    try {
      payload = JSON.parse(body);
    } catch {
      payload = null;
    }
    const n = (this.perHook.get(hook) ?? 0) + 1;
    this.perHook.set(hook, n);
    if (n % this.verifyEvery === 1 || !payload?.data?.id) {
      const secret = this.secrets.get(hook);
      try {
        if (!secret) throw new Error('no secret for this path');
        new StandardWebhook(secret).verify(body, {
          'webhook-id': msgId,
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        });
        this.verified++;
      } catch (error) {
        this.badSignatures.push(`/hook/${hook} ${msgId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.received.push({ hook, msgId, itemId: String(payload?.data?.id ?? ''), type: String(payload?.type ?? ''), at });
    for (const listener of this.listeners) listener();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
