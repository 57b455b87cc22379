import net from 'node:net';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/config';

/**
 * What the proxy does with traffic:
 * - `forward`: passes bytes both ways, as if it were not there;
 * - `cut`: the server is gone: every open socket is destroyed and the port
 *   refuses new connections (ECONNREFUSED), as when PostgreSQL is stopped;
 * - `blackhole`: the network drops packets silently: open sockets stay open,
 *   every byte is dropped both ways, and new connections are accepted but
 *   never reach the server, so clients wait for answers that never come.
 */
export type ProxyMode = 'forward' | 'cut' | 'blackhole';

interface Pair {
  readonly client: net.Socket;
  /** The connection to the target; null for a connection accepted while black-holed. */
  readonly upstream: net.Socket | null;
}

/**
 * A TCP proxy on 127.0.0.1 that a test puts between a client (the gateway) and
 * a server (PostgreSQL), and switches between {@link ProxyMode}s to stage
 * outages. The port stays the same across modes, so the client's configuration
 * never changes.
 */
export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<Pair>();
  private server: net.Server | null = null;

  private constructor(
    private readonly target: { host: string; port: number },
    private listenPort: number,
  ) {}

  /** Starts a proxy in `forward` mode on a free port. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  get current(): ProxyMode {
    return this.mode;
  }

  /** Connections the proxy holds open (accepted and not yet closed). */
  get connections(): number {
    return this.pairs.size;
  }

  /** Switches mode; resolves once the new mode is in force. */
  async set(mode: ProxyMode): Promise<void> {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'cut') {
      for (const pair of this.pairs) destroyPair(pair);
      this.pairs.clear();
      await this.unlisten();
    } else {
      // From `cut`, listen again on the same port; from `blackhole`, sockets held so far stay as they are.
      if (!this.server) await this.listen();
    }
  }

  /** Closes everything: the listener and every connection. */
  async close(): Promise<void> {
    for (const pair of this.pairs) destroyPair(pair);
    this.pairs.clear();
    await this.unlisten();
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        this.listenPort = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => {});
    if (this.mode === 'cut') return void client.destroy();
    const upstream = this.mode === 'forward' ? net.connect(this.target.port, this.target.host) : null;
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const forget = () => {
      this.pairs.delete(pair);
      destroyPair(pair);
    };
    client.on('close', forget);
    // Bytes pass only in `forward` mode; in `blackhole` they are read and dropped, both ways.
    client.on('data', (chunk: Buffer) => {
      if (this.mode === 'forward' && upstream) upstream.write(chunk);
    });
    if (upstream) {
      upstream.on('error', () => {});
      upstream.on('close', forget);
      upstream.on('data', (chunk: Buffer) => {
        if (this.mode === 'forward') client.write(chunk);
      });
    }
  }
}

function destroyPair(pair: Pair): void {
  pair.client.destroy();
  pair.upstream?.destroy();
}

/** A proxy in front of a PostgreSQL database (schema included), and that database's configuration through it. */
export async function proxyFor(database: DatabaseConfig): Promise<{ proxy: TcpProxy; through: DatabaseConfig }> {
  if (database.kind !== 'postgres') throw new Error('expected PostgreSQL');
  const target = new URL(database.url);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  const through = new URL(database.url);
  through.host = `127.0.0.1:${proxy.port}`;
  if (database.schema) through.searchParams.set('schema', database.schema);
  return { proxy, through: parseDatabaseUrl(through.toString()) };
}
