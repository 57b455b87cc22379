import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './http';

/** One request a receiver got. */
export interface Received {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** When it arrived (epoch ms, this process's clock). */
  readonly at: number;
  /** The parsed body. */
  readonly json: any;
}

/** How the receiver answers: a status (with optional headers and body), or `'hang'` to never answer. */
export type Answer = number | { status: number; headers?: Record<string, string>; body?: string | Buffer } | 'hang';

/** Decides the answer to a request, given how many requests on its path came before it. */
export type Behaviour = (request: Received, before: number) => Answer;

/**
 * A webhook receiver on 127.0.0.1 and an ephemeral port: records every
 * request, and answers per path with what the test set (204 by default).
 */
export class Receiver {
  readonly requests: Received[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => receiver.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The URL of `path` on this receiver, answered by `behaviour` (204 when none). */
  url(path: string, behaviour?: Behaviour): string {
    if (behaviour) this.behaviours.set(path, behaviour);
    return `${this.origin}${path}`;
  }

  on(path: string, behaviour: Behaviour): void {
    this.behaviours.set(path, behaviour);
  }

  /** The requests on `path`, in arrival order. */
  at(path: string): Received[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Waits until `path` got at least `count` requests; returns them all. */
  async waitFor(path: string, count: number, what = `${count} request(s) on ${path}`): Promise<Received[]> {
    await waitFor(what, () => this.at(path).length >= count, { tries: 1000, intervalMs: 20 });
    return this.at(path);
  }

  /** Ends every response left hanging (the connection is destroyed). */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = (req.url ?? '/').split('?')[0];
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
      const received: Received = { path, method: req.method ?? '', headers, body, at: Date.now(), json };
      const before = this.at(path).length;
      this.requests.push(received);
      const answer = (this.behaviours.get(path) ?? (() => 204))(received, before);
      if (answer === 'hang') {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      const { status, headers: answerHeaders, body: answerBody } = typeof answer === 'number' ? { status: answer, headers: {}, body: undefined } : answer;
      // The sender may close the connection once it has the status: the rest of a long answer then goes nowhere.
      res.on('error', () => {});
      res.writeHead(status, { 'content-type': 'text/plain', ...answerHeaders });
      res.end(answerBody ?? `answered ${status}\n`);
    });
  }
}
