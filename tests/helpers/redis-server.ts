import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** A port nobody listens on at the moment of asking (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something on 127.0.0.1:port answers Redis' PING with +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A `redis-server` of the test's own on a port of its own, without
 * persistence, that the test can kill and start again on the same port to
 * stage an outage. Nothing else uses it, so the test may look at every key.
 */
export class OwnRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    const exited = once(child, 'exit');
    exited.catch(() => {});
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await answersPing(this.port)) return;
      if (child.exitCode !== null) break;
      await Promise.race([delay(50), exited]);
    }
    this.child = null;
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open but nothing is
   * answered, as when Redis is stuck or the network drops packets, until {@link resume}.
   */
  pause(): void {
    if (!this.child?.kill('SIGSTOP')) throw new Error('redis-server is not running');
  }

  resume(): void {
    if (!this.child?.kill('SIGCONT')) throw new Error('redis-server is not running');
  }

  /** Kills the server at once (SIGKILL: no goodbye to clients), and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
