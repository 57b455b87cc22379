import type { DataSource, EntityManager } from 'typeorm';
import { campaignCatalogue } from '../campaigns/campaign-catalogue';
import { appendChanges, type ChangeInput } from '../changes/change-log';
import { announceCommit } from '../changes/local-commits';
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

/**
 * Runs `work` in one transaction with a {@link WriteSession}, appends the
 * changes it recorded, and commits; a failure anywhere rolls everything back,
 * change-log entries included. With a `scope` (a GraphQL request's), the
 * write's statements count towards it and are cancelled with it. On SQLite,
 * writes take turns with each other and with every other statement (see
 * {@link transaction}): `work` writes and reads through the session only, and
 * waits for nothing else.
 */
export async function write<T>(db: DataSource, actor: Actor, work: (session: WriteSession) => Promise<T>, scope?: StatementScope): Promise<T> {
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
