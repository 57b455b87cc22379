import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import type { Logger } from 'typeorm';
import type { DatabaseConfig } from '../../src/config';

/**
 * A process of its own that prunes the change log once (`pruneChangeLog`), as
 * a gateway's tailer does, on a database the test made: two of them prune at
 * once as two gateways on one database do. The test steps between their
 * statements from outside, never by waiting a while:
 * - every statement is announced on stdout before it runs, so the test knows
 *   when the prune first writes (where it may wait for the other's lock);
 * - with `pauseBeforeDelete`, the prune stops before deleting entries, in its
 *   transaction, until the test says go on.
 * Each process blocks while stopped (a synchronous read of its stdin), as it
 * would inside a statement: it holds what its transaction took.
 */
export class PrunerProcess {
  private readonly lines: AsyncIterator<string>;
  /** The prune's outcome: how far it pruned, or the error's code. */
  readonly result: Promise<{ pruned: number } | { error: string }>;
  private resolveResult!: (value: { pruned: number } | { error: string }) => void;
  private waiting: { test: (message: Message) => boolean; resolve: (message: Message) => void } | null = null;
  private readonly seen: Message[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly stderr: () => string,
  ) {
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    void this.read();
  }

  /** Starts the process and waits until its database is open. */
  static async start(database: DatabaseConfig, cutoff: Date, options: { pauseBeforeDelete?: boolean } = {}): Promise<PrunerProcess> {
    const child = spawn(process.execPath, [__filename, JSON.stringify(database), cutoff.toISOString(), options.pauseBeforeDelete ? 'pause' : 'run'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const pruner = new PrunerProcess(child, () => stderr);
    await pruner.next((message) => message.ready === true, 'its database to open');
    return pruner;
  }

  /** Starts the prune. */
  go(): void {
    this.child.stdin.write('go\n');
  }

  /** Lets a prune stopped before its delete go on. */
  resume(): void {
    this.child.stdin.write('on\n');
  }

  /** Resolves at the first message (seen already or to come) that `test` accepts. */
  next(test: (message: Message) => boolean, what: string): Promise<Message> {
    const seen = this.seen.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiting = { test, resolve };
      void this.result.then((result) => reject(new Error(`the pruner ended (${JSON.stringify(result)}) before ${what}`)));
    });
  }

  /**
   * Resolves as the prune's first statement that writes is sent: from there it may wait for the other's turn. On SQLite
   * that is its `BEGIN IMMEDIATE`, which takes the write lock (see `data-source.ts`).
   */
  firstWrite(): Promise<Message> {
    return this.next((message) => typeof message.sql === 'string' && /^\s*(INSERT|UPDATE|DELETE|BEGIN IMMEDIATE)\b/i.test(message.sql), 'its first write');
  }

  /** Waits for the process to end after telling its outcome; one that has not told it yet (a failed test) is killed. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (!this.seen.some((message) => 'pruned' in message || 'error' in message)) this.child.kill('SIGKILL');
    await exited;
  }

  private async read(): Promise<void> {
    for (;;) {
      const { value, done } = await this.lines.next();
      // Its output ended: a prune that told its outcome has it already (a promise settles once).
      if (done) return this.resolveResult({ error: `ended before telling its outcome: ${this.stderr()}` });
      const message = JSON.parse(value as string) as Message;
      this.seen.push(message);
      if ('pruned' in message || 'error' in message) this.resolveResult(message as { pruned: number } | { error: string });
      if (this.waiting?.test(message)) {
        this.waiting.resolve(message);
        this.waiting = null;
      }
    }
  }
}

/** What the process says, a line of JSON each. */
interface Message {
  readonly ready?: boolean;
  readonly sql?: string;
  readonly paused?: boolean;
  readonly pruned?: number;
  readonly error?: string;
}

function say(message: Message): void {
  fs.writeSync(1, `${JSON.stringify(message)}\n`);
}

/** Blocks until a line comes on stdin (the test's word). */
function awaitWord(): void {
  const byte = Buffer.alloc(1);
  for (;;) {
    const read = fs.readSync(0, byte, 0, 1, null);
    if (read === 0 || byte[0] === 0x0a) return;
  }
}

async function main(): Promise<void> {
  const [databaseJson, cutoffIso, mode] = process.argv.slice(2);
  // Loaded here, not above: the test's side of this module needs none of it.
  const { openDatabase } = await import('../../src/db/data-source');
  const { ENTITIES } = await import('../../src/server/modules');
  const { pruneChangeLog } = await import('../../src/changes/retention');
  let pruning = false;
  const logger: Logger = {
    logQuery(query) {
      if (!pruning) return;
      say({ sql: query });
      if (mode === 'pause' && /^DELETE FROM change_log\b/i.test(query)) {
        say({ paused: true });
        awaitWord();
      }
    },
    logQueryError() {},
    logQuerySlow() {},
    logSchemaBuild() {},
    logMigration() {},
    log() {},
  };
  const db = await openDatabase(JSON.parse(databaseJson) as DatabaseConfig, { entities: ENTITIES, logger });
  say({ ready: true });
  awaitWord();
  pruning = true;
  try {
    say({ pruned: await pruneChangeLog(db, new Date(cutoffIso)) });
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    say({ error: `${code ?? 'no code'}: ${message}` });
  } finally {
    pruning = false;
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
