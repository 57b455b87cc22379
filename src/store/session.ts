import type { DataSource, EntityManager } from 'typeorm';
import { campaignCatalogue } from '../campaigns/campaign-catalogue';
import { appendChanges, type ChangeInput } from '../changes/change-log';
import { announceCommit } from '../changes/local-commits';
import { isDeadlock } from '../db/failures';
import { transaction } from '../db/in-turn';
import type { StatementScope } from '../db/statement-scope';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { loadLookups, type Lookups } from './content-rows';

/** Who writes: an API key (its id and name), or a tool (`cli`, `demo`, `ingest:<source>`). */
export interface Actor {
  readonly keyId: string | null;
  readonly name: string;
}

/** The command line, the demo loader and other tools write as this actor unless they name themselves. */
export const CLI_ACTOR: Actor = Object.freeze({ keyId: null, name: 'cli' });

/**
 * One write in progress: its transaction, who makes it, and the changes it
 * will append to the change log just before it commits. Every write of
 * content, campaigns, members and keys goes through a session (see
 * {@link write}), so that no writer, present or future, can change what
 * readers see without its change-log entry, and no entry exists without its
 * change: both commit or roll back together.
 */
export class WriteSession {
  private readonly changes: ChangeInput[] = [];
  private readonly touched = new Set<'campaigns' | 'nations'>();
  private lookupsRead: Promise<Lookups> | null = null;

  constructor(
    readonly manager: EntityManager,
    readonly actor: Actor,
  ) {}

  get postgres(): boolean {
    return this.manager.connection.options.type === 'postgres';
  }

  /**
   * The campaigns and members as this transaction sees them, read once per
   * write (two statements) and read again after the write changes either.
   */
  lookups(): Promise<Lookups> {
    return (this.lookupsRead ??= loadLookups(this.manager));
  }

  /** Records a change, appended with the others when the write commits. */
  change(change: ChangeInput): void {
    this.changes.push(change);
    if (change.subject === 'CAMPAIGN') this.touched.add('campaigns');
    if (change.subject === 'MEMBER') this.touched.add('nations');
    if (change.subject === 'CAMPAIGN' || change.subject === 'MEMBER') this.lookupsRead = null;
  }

  /** Appends the recorded changes (one statement per 500), inside the transaction; returns their positions. */
  async flush(): Promise<number[]> {
    const changes = this.changes.splice(0);
    return changes.length ? appendChanges(this.manager, changes) : [];
  }

  /** After the commit: this process's own copies are dropped at once; other processes learn from the log. */
  committed(db: DataSource, positions: readonly number[]): void {
    if (this.touched.has('campaigns')) campaignCatalogue(db).clear();
    if (this.touched.has('nations')) nationCatalogue(db).clear();
    if (positions.length) announceCommit(db, positions);
  }
}

/** Attempts at a write that PostgreSQL cancels to break a deadlock, the first included (see {@link write}). */
export const DEADLOCK_ATTEMPTS = 3;

/** The pause before a write goes again after a deadlock: about this long (spread by half either way), twice that before the third attempt. */
const DEADLOCK_PAUSE_MS = 20;

/**
 * Runs `work` in one transaction with a {@link WriteSession}, appends the
 * changes it recorded, and commits; a failure anywhere rolls everything back,
 * change-log entries included. With a `scope` (a GraphQL request's), the
 * write's statements count towards it and are cancelled with it. On SQLite,
 * writes take turns with each other and with every other statement (see
 * {@link transaction}): `work` writes and reads through the session only, and
 * waits for nothing else.
 *
 * On PostgreSQL two writers that lock the same rows in opposite orders
 * deadlock (an editor's update locks the item's row first, then others: its
 * nations' through the tags' foreign keys, among them; another writer, an
 * ingest batch say, may hold one of those and want the item's), and
 * PostgreSQL cancels one of them (40P01). That write
 * would succeed if sent again, so it is run again here, whole, in a new
 * transaction (up to {@link DEADLOCK_ATTEMPTS} times in all), after a short
 * pause at random that lets the other writer commit: without this an editor
 * got `INTERNAL_SERVER_ERROR` for a race they had no part in. Running `work`
 * again is safe because everything it does happens in the transaction, which
 * rolled back whole, and in a new session: what happens after the commit
 * (caches dropped, the commit announced) happens once. `work` must keep it so:
 * nothing outside the database before it returns. A deadlock on the last
 * attempt is thrown as it came (the gateway logs it and answers
 * `INTERNAL_SERVER_ERROR`). No other failure is retried: the gateway asks for
 * no isolation level above READ COMMITTED, where PostgreSQL raises no
 * serialization failures (40001) to retry, and a changed version is the
 * editor's `CONFLICT` to resolve.
 */
export async function write<T>(db: DataSource, actor: Actor, work: (session: WriteSession) => Promise<T>, scope?: StatementScope): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeOnce(db, actor, work, scope);
    } catch (error) {
      if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
    }
    // Outside the transaction (and, on SQLite, outside its turn). A request cancelled meanwhile is refused as the next attempt begins.
    await new Promise((resolve) => setTimeout(resolve, DEADLOCK_PAUSE_MS * attempt * (0.5 + Math.random())));
  }
}

/** One attempt of {@link write}: one transaction, one session. */
async function writeOnce<T>(db: DataSource, actor: Actor, work: (session: WriteSession) => Promise<T>, scope: StatementScope | undefined): Promise<T> {
  let session!: WriteSession;
  let appended: number[] = [];
  const result = await transaction(
    db,
    async (manager) => {
      session = new WriteSession(manager, actor);
      const done = await work(session);
      appended = await session.flush();
      return done;
    },
    scope,
  );
  session.committed(db, appended);
  return result;
}
