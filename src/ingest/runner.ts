import { randomUUID } from 'node:crypto';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { isSqliteBusy, isUniqueViolation } from '../db/failures';
import { refreshStatisticsAfter } from '../db/statistics';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { describeFetchError, FetchError } from '../net/safe-fetch';
import { ContentStatus } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { BadUserInputError, NotFoundError, StaleVersionError } from '../shared/errors';
import { changeStatus } from '../store/content';
import { write, type Actor, type WriteSession } from '../store/session';
import { upsertEach, type UpsertInput, type UpsertOptions, type UpsertResult } from '../store/upsert';
import { DocumentError, MAX_DOCUMENTS, type EntryError, type ListingSize, type RunContext } from './connector';
import { CONNECTORS, type IngestKind } from './connectors';
import { fetchDocument } from './documents';
import { IngestRun, MAX_RUN_ERRORS, RunOutcome, type RunTrigger } from './ingest-run.entity';
import type { DocumentParser } from './parse';
import { ContentSource, parseInterval, PublishAs } from './source.entity';
import { claimSource, keepClaim } from './sources';
import { storedExternalId } from './enrich';
import { reportable } from './storable-text';

/** Why a run stopped when its process found its claim on the source gone (it lapsed, and another process took the source over). */
const LOST_CLAIM = 'the run lost its claim on the source (another process took it over)';

/** The message of a run whose process stopped before it ended, set when another run takes the source over. */
export const ABANDONED = 'abandoned: the process running it stopped before the run ended, and its claim on the source lapsed';

/** What a run needs besides its source. */
export interface RunnerSettings {
  readonly db: DataSource;
  readonly allowedHosts: readonly string[];
  readonly maxBytes: number;
  /** Items per write transaction. */
  readonly batchSize: number;
  readonly userAgent: string;
  /** Longest wait for a source's response headers and each next body chunk (INGEST_FETCH_TIMEOUT_MS). */
  readonly fetchTimeoutMs?: number;
  /** This process, as leases name it. */
  readonly owner: string;
  readonly parser: DocumentParser;
  /**
   * Aborted when the process is stopping (shutdown, Ctrl-C in the CLI): each
   * run ends at its next step (a document fetched, a batch written; a fetch
   * under way is cancelled) as FAILED with {@link STOPPED}, keeps what it
   * wrote, and lets go of its source at once, which is due again.
   */
  readonly signal?: AbortSignal;
}

/** Why a run ended when its process was stopping (see `RunnerSettings.signal`). */
export const STOPPED = 'stopped: the process running it was asked to stop; what it wrote stays, and the source is due again';

/** Thrown at a run's next step once its process is stopping. */
class RunStoppedError extends Error {
  override name = 'RunStoppedError';
  constructor() {
    super(STOPPED);
  }
}

/** The source is being run by another process (or this one): `run` is that run, if its record was found. */
export class RunInProgressError extends Error {
  override name = 'RunInProgressError';
  constructor(
    readonly source: string,
    readonly run: IngestRun | null,
  ) {
    super(`The source "${source}" is being run already${run ? ` (run ${run.id}, started ${run.startedAt.toISOString()})` : ''}`);
  }
}

/** A run in progress: its record as it started, and the promise of its end (failures end the run as FAILED; it rejects only when that end cannot be recorded). */
export interface StartedRun {
  readonly run: IngestRun;
  readonly done: Promise<IngestRun>;
}

/**
 * Starts a run of `source`: claims it (one process at a time, through its
 * lease), records the run as RUNNING, and goes on in the background. Throws
 * {@link RunInProgressError} when the source is claimed already.
 *
 * @param progress told of each document and batch, for the CLI's output.
 */
export async function startRun(settings: RunnerSettings, source: ContentSource, trigger: RunTrigger, progress: (line: string) => void = () => {}): Promise<StartedRun> {
  const { db } = settings;
  if (!(await claimSource(db, source.id, settings.owner))) throw new RunInProgressError(source.name, await runningRunOf(db, source.name));
  const run = db.getRepository(IngestRun).create({
    id: randomUUID(),
    sourceName: source.name,
    trigger,
    startedAt: new Date(),
    endedAt: null,
    outcome: RunOutcome.RUNNING,
    httpStatus: null,
    documents: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    held: 0,
    withdrawn: 0,
    republished: 0,
    errors: [],
    errorCount: 0,
    message: null,
  });
  const begin = async (manager: EntityManager): Promise<ContentSource> => {
    // Holding the claim, no other run of the source goes on: a run still marked RUNNING was left by a process that died, whose claim lapsed.
    // Before the source's row is locked below: finish() writes its run's row and then locks the source's, and a run whose claim lapsed
    // while its process lived may be finishing now; taking the two in the other order could deadlock with it.
    const abandoned = await manager
      .createQueryBuilder()
      .update(IngestRun)
      .set({ outcome: RunOutcome.FAILED, endedAt: run.startedAt, message: ABANDONED })
      .where('source_name = :name AND outcome = :running', { name: source.name, running: RunOutcome.RUNNING })
      .execute();
    // Read again now that the run holds the claim: an admin may have changed the source since it was read (and on
    // PostgreSQL could until this commits, but for the lock; on SQLite writes take turns).
    const current = await lockedSource(manager, source.id);
    if (!current) throw new NotFoundError(`No source named "${source.name}"`, { source: source.name });
    // A run that died with its process failed: a document that ends every process reading it backs off as any failing source does.
    const failures = current.consecutiveFailures + ((abandoned.affected ?? 0) > 0 ? 1 : 0);
    // Due now as though this run will fail: if it dies with its process, the source is asked again after its back-off, not as soon
    // as the claim lapses (two minutes). The run's end sets the time it earns.
    const nextRunAt = current.everySeconds ? new Date(run.startedAt.getTime() + scheduledDelayMs(current.everySeconds, failures + 1)) : current.nextRunAt;
    const claimed = await manager
      .createQueryBuilder()
      .update(ContentSource)
      .set({ consecutiveFailures: failures, nextRunAt })
      .where('id = :id AND lease_owner = :owner', { id: current.id, owner: settings.owner })
      .execute();
    // The claim lapsed before the run could begin (this process stalled past its lease) and another process took the source:
    // that one runs it. Nothing of this start is kept.
    if (claimed.affected === 0) throw new RunInProgressError(source.name, null);
    await manager.getRepository(IngestRun).insert(run as never);
    // The source as this run knows it: its end compares it with the stored one to tell an admin's new settings from its own.
    current.consecutiveFailures = failures;
    current.nextRunAt = nextRunAt;
    return current;
  };
  let current: ContentSource;
  try {
    current = await write(db, { keyId: null, name: `ingest:${source.name}` }, (session) => begin(session.manager));
  } catch (error) {
    await release(db, source.id, settings.owner).catch(() => {});
    throw error;
  }
  return { run: { ...run }, done: execute(settings, current, run, progress) };
}

/** The newest run of a source still marked RUNNING. */
export async function runningRunOf(db: DataSource, sourceName: string): Promise<IngestRun | null> {
  return db.getRepository(IngestRun).findOne({ where: { sourceName, outcome: RunOutcome.RUNNING }, order: { startedAt: 'DESC' } });
}

/** Reads every document of the run, writes its items in batches, withdraws what the source no longer has, and records how it ended. */
async function execute(settings: RunnerSettings, source: ContentSource, run: IngestRun, progress: (line: string) => void): Promise<IngestRun> {
  const { db } = settings;
  const kind = source.kind as IngestKind;
  const connector = CONNECTORS[kind];
  const actor: Actor = { keyId: null, name: `ingest:${source.name}` };
  const fullListing = needsFullListing(source, run.startedAt);
  const location = source.url.startsWith('file:') ? source.url.slice('file:'.length) : source.url;
  const base: RunContext = {
    source: { name: source.name, kind, location, targetType: source.targetType, options: source.options },
    documentNumber: 1,
    lastSuccessAt: fullListing ? null : source.lastSuccessAt,
    fullListing,
  };
  const seen = new Set<string>();
  // Items written since the run last refreshed the database's statistics, and the table's size they last counted (see refreshStatisticsAfter).
  const statistics: RunStatistics = { written: 0, failed: false };
  const erred = new Set<string>();
  const gone: string[] = [];
  let complete = false;
  // Why the listing is not whole, when a document said so: it outweighs any document that said the listing ended.
  let incomplete: string | null = null;
  let listing: ListingSize | undefined;
  let notModified = false;
  let validators = { etag: source.etag, lastModified: source.lastModified };
  let memberCodes: string[] = [];
  // What the run records is made storable: messages quote what sources sent, and a record PostgreSQL refuses would leave the run RUNNING.
  const note = (errors: readonly EntryError[], documentNumber: number) => {
    for (const error of errors) {
      if (error.externalId) erred.add(storedExternalId(error.externalId));
      run.errorCount++;
      if (run.errors.length < MAX_RUN_ERRORS) {
        run.errors.push({
          position: reportable(documentNumber > 1 ? `${error.position} (document ${documentNumber})` : error.position),
          message: reportable(error.message),
          externalId: error.externalId ? reportable(error.externalId) : null,
        });
      }
    }
  };

  const claim = keepClaim(db, source.id, settings.owner);
  // Before each step that reads or writes: a run stops when its process stops, or when it lost its source to another process.
  const goOn = () => {
    if (settings.signal?.aborted) throw new RunStoppedError();
    if (!claim.held) throw new Error(LOST_CLAIM);
  };
  try {
    memberCodes = [...(await nationCatalogue(db).get()).byCode.keys()];
    const queue = connector.firstUrls ? connector.firstUrls(base) : [source.url.startsWith('file:') ? source.url : location];
    // Every address queued or read: a listing's pages are looked up here, not in the queue (a search of the queue for each of
    // thousands of pages held the event loop for seconds).
    const known = new Set<string>(queue);
    for (let documentNumber = 1; queue.length > 0; documentNumber++) {
      if (documentNumber > MAX_DOCUMENTS) throw new DocumentError(`the source listed more than ${MAX_DOCUMENTS} documents; stopped there`);
      const url = queue.shift()!;
      goOn();
      const context: RunContext = { ...base, documentNumber, listing };
      const accepts = documentNumber > 1 && connector.acceptsStatus ? (status: number) => connector.acceptsStatus!(status, context) : undefined;
      const fetched = await fetchDocument(url, settings, documentNumber === 1 && !fullListing ? { etag: source.etag, lastModified: source.lastModified } : null, accepts);
      if (documentNumber === 1) run.httpStatus = url.startsWith('file:') ? null : fetched.status;
      if (fetched.notModified) {
        notModified = true;
        progress(`document 1: not modified since the last run (304)`);
        break;
      }
      // Kept only when they fit their columns (a validator past them would fail the run's record, on every run).
      if (documentNumber === 1) validators = { etag: fitting(fetched.headers.etag, 512), lastModified: fitting(fetched.headers['last-modified'], 128) };
      const parsed = await settings.parser.parse({
        kind,
        document: fetched,
        context,
        fetchedAt: run.startedAt,
        memberCodes,
      });
      run.documents++;
      if (documentNumber === 1) listing = parsed.listing ?? undefined;
      note(parsed.errors, documentNumber);
      const skipped = parsed.errors.filter((error) => !error.warning).length;
      run.skipped += skipped;
      for (const next of parsed.next) {
        if (known.has(next)) continue;
        known.add(next);
        queue.push(next);
      }
      complete ||= parsed.complete;
      if (parsed.incomplete && !incomplete) {
        incomplete = parsed.incomplete;
        note([{ position: 'listing', message: incomplete }], 1);
        progress(incomplete);
      }
      gone.push(...parsed.withdrawn.map(storedExternalId));
      progress(`document ${documentNumber}: ${parsed.inputs.length} item${parsed.inputs.length === 1 ? '' : 's'}, ${skipped} skipped${parsed.next.length ? `, ${parsed.next.length} more to read` : ''}`);
      await writeItems(settings, source, run, actor, parsed.inputs, seen, statistics, progress, goOn, (refused) => note(refused, documentNumber));
    }
    if (!notModified) {
      goOn();
      const listed = complete && !incomplete && (source.options.completeListings === true || source.options.fullSnapshot === true);
      const maxShare = typeof source.options.maxWithdrawnShare === 'number' ? source.options.maxWithdrawnShare : DEFAULT_MAX_WITHDRAWN_SHARE;
      const withdrawal = await withdraw(db, actor, source.name, listed ? (externalId) => !seen.has(externalId) && !erred.has(externalId) : null, gone, maxShare);
      run.withdrawn = withdrawal.withdrawn;
      if (run.withdrawn) progress(`withdrew ${run.withdrawn} item${run.withdrawn === 1 ? '' : 's'} the source no longer has`);
      if (withdrawal.heldBack) {
        const { missing, published } = withdrawal.heldBack;
        const message =
          `the listing lacks ${missing} of the source's ${published} published items (${Math.round((missing / published) * 100)}%), more than options.maxWithdrawnShare (${maxShare}) allows: ` +
          'none of them was withdrawn, in case the listing was cut short; if they are gone, set maxWithdrawnShare to 1 for the next run';
        note([{ position: 'listing', message }], 1);
        progress(message);
      }
    }
    run.outcome = notModified ? RunOutcome.UNCHANGED : RunOutcome.SUCCEEDED;
  } catch (error) {
    run.outcome = RunOutcome.FAILED;
    if (settings.signal?.aborted) {
      // Whatever the stop interrupted (a fetch it cancelled, a step it refused): the run was stopped, not broken.
      run.message = STOPPED;
    } else {
      run.message = reportable(error instanceof FetchError || error instanceof DocumentError ? describeFetchError(error) : `internal error: ${(error as Error).message ?? String(error)}`);
    }
    if (error instanceof FetchError && error.status && run.httpStatus === null) run.httpStatus = error.status;
  } finally {
    // A renewal still on its way settles first: it must not reach the database after the run has let go of the source.
    await claim.stop();
  }
  run.endedAt = new Date();
  try {
    // A listing that was not whole does not count as the full listing due: the next run lists in full again.
    await finish(settings, source, run, validators, fullListing && !incomplete && run.outcome === RunOutcome.SUCCEEDED, run.message === STOPPED);
  } catch (error) {
    // The run's record could not be written (the database went away at the end): let go of the source now rather than
    // when the claim lapses, and tell whoever waits for the run.
    await release(db, source.id, settings.owner).catch(() => {});
    throw error;
  }
  return run;
}

/** A header's value when it is no longer than `max`, else null. */
function fitting(value: string | undefined, max: number): string | null {
  return value !== undefined && value.length <= max ? value : null;
}

/**
 * Writes a document's items, `batchSize` to a transaction, yielding to the
 * event loop between batches so that requests are served meanwhile. The items
 * left out because they could not be stored are counted as skipped and handed
 * to `refuse`, as errors for the run to report: the others of their batch are
 * written. The run's counts grow as each transaction commits, so that a run
 * that fails half way still records what it wrote.
 */
async function writeItems(
  settings: RunnerSettings,
  source: ContentSource,
  run: IngestRun,
  actor: Actor,
  inputs: readonly UpsertInput[],
  seen: Set<string>,
  statistics: RunStatistics,
  progress: (line: string) => void,
  goOn: () => void,
  refuse: (refused: readonly EntryError[]) => void,
): Promise<void> {
  const statusForNew = source.publishAs === PublishAs.DRAFT ? ContentStatus.DRAFT : ContentStatus.PUBLISHED;
  let refused = 0;
  const count = ({ results, errors }: BatchOutcome) => {
    run.skipped += errors.length;
    refused += errors.length;
    refuse(errors);
    for (const result of results) {
      run[result.outcome]++;
      if (result.republished) run.republished++;
    }
    statistics.written += results.filter(({ outcome }) => outcome === 'created' || outcome === 'updated').length;
  };
  for (let start = 0; start < inputs.length; start += settings.batchSize) {
    goOn();
    const batch = dropRepeats(inputs.slice(start, start + settings.batchSize), seen, run);
    await writeBatchOrEach(settings.db, actor, batch, { statusForNew, adjustSlugs: true, firstSeen: run.startedAt, republishWithdrawn: true }, goOn, count);
    if (!statistics.failed) {
      try {
        if (await refreshStatisticsAfter(settings.db, statistics.written, statistics)) {
          statistics.written = 0;
          progress('  refreshed the database statistics of the content tables');
        }
      } catch (error) {
        // Statistics only speed the run up: it goes on without them, and does not try again (a statement timeout would cost each batch).
        statistics.failed = true;
        progress(`  could not refresh the database statistics, going on without: ${(error as Error).message}`);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    const done = Math.min(start + settings.batchSize, inputs.length);
    if (done === inputs.length || (start / settings.batchSize) % 10 === 9) {
      progress(`  wrote ${done} of ${inputs.length}: ${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged${run.held ? `, ${run.held} held` : ''}${refused ? `, ${refused} refused` : ''} so far`);
    }
  }
}

/** A run's bookkeeping for {@link refreshStatisticsAfter}. */
interface RunStatistics {
  written: number;
  tableRows?: number;
  failed: boolean;
}

/** Attempts at one batch that loses a race with another writer (see {@link writeRetrying}). */
const BATCH_ATTEMPTS = 3;

/** The index that makes a slug unique within its type. */
const SLUG_INDEX = { name: 'UQ_content_type_slug', table: 'content', columns: ['type', 'slug'] } as const;

/** What writing a batch did: the results of the items written, and the items left out, as errors. */
interface BatchOutcome {
  readonly results: readonly UpsertResult[];
  readonly errors: readonly EntryError[];
}

/**
 * Writes one batch of items in one transaction (see {@link writeRetrying});
 * an item the writer refuses as given (an unknown campaign, stored already as
 * another type) is left out of it, and the others go in.
 */
async function writeBatch(db: DataSource, actor: Actor, batch: readonly UpsertInput[], options: UpsertOptions): Promise<BatchOutcome> {
  const { results, rejected } = await writeRetrying(db, actor, (session) => upsertEach(session, batch, options));
  return { results, errors: rejected.map(({ index, reason }) => refusal(batch[index], reason.message)) };
}

/**
 * {@link writeBatch}, and when the database refuses the batch because of what
 * an item holds (see {@link isRefusedItem}: a value its column cannot take,
 * a constraint it breaks), the batch's items again one transaction each, so
 * that only the items refused are left out (and reported). Without this, one
 * such item failed its whole batch and the run, after earlier batches went
 * in, on every run, and a complete listing never withdrew anything.
 *
 * Each transaction's outcome goes to `count` as it commits (and each refusal
 * as it comes): when another failure (the database going away, a lost claim)
 * stops the items one by one, those already written are committed, and the
 * run must count them before it fails.
 */
async function writeBatchOrEach(db: DataSource, actor: Actor, batch: readonly UpsertInput[], options: UpsertOptions, goOn: () => void, count: (outcome: BatchOutcome) => void): Promise<void> {
  try {
    return count(await writeBatch(db, actor, batch, options));
  } catch (error) {
    if (!isRefusedItem(error)) throw error;
    if (batch.length === 1) return count({ results: [], errors: [refusal(batch[0], refusalMessage(error))] });
  }
  for (const input of batch) {
    goOn();
    try {
      count(await writeBatch(db, actor, [input], options));
    } catch (error) {
      if (!isRefusedItem(error)) throw error;
      count({ results: [], errors: [refusal(input, refusalMessage(error))] });
    }
    // As between batches: each item is a transaction of its own now.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** An item left out of its batch, as the run reports it: by its id at the source, so that a complete listing does not withdraw it either. */
function refusal(input: UpsertInput, message: string): EntryError {
  const externalId = input.source!.externalId;
  return { position: `item ${externalId}`, externalId, message: `not stored: ${message}` };
}

/** Why an item was refused, in the words of whoever refused it: the writer's message, or the database driver's without TypeORM's wrapping. */
function refusalMessage(error: unknown): string {
  const cause = error instanceof QueryFailedError ? (error.driverError as { message?: unknown } | undefined) : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return error instanceof BadUserInputError ? message : `the database refused it (${message})`;
}

/**
 * True when a write failed because of what an item holds, not because the
 * database is unwell or another writer got in the way: the writer refused an
 * input (`BAD_USER_INPUT`); PostgreSQL raised a data exception (SQLSTATE class
 * 22: a value too long, out of range, a NUL), an integrity constraint
 * violation (class 23) or a program limit (54000: an index entry too large);
 * SQLite a constraint, a value too big or of the wrong type.
 */
function isRefusedItem(error: unknown): boolean {
  if (error instanceof BadUserInputError) return true;
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return /^2[23][0-9A-Z]{3}$/.test(code) || code === '54000' || code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH';
}

/**
 * Runs one of a run's writes in one transaction, again (up to
 * {@link BATCH_ATTEMPTS} times) when it lost a race with another writer; it
 * rolled back whole, and nothing outside the transaction happened yet, so the
 * next attempt reads everything as it now is.
 * - An item changed between the batch reading and updating it (on
 *   PostgreSQL, an editor's change that committed in between): the next
 *   attempt sees the editor's change and holds the source's version instead
 *   of overwriting it.
 * - New items' slugs are made unique by looking up those taken, then
 *   inserting: on PostgreSQL, a writer that commits the same slug in between
 *   (the other run this process makes at once, another process, an editor)
 *   makes the insert break the unique index, and on the next attempt the
 *   look-up sees the slug and suffixes it. Two batches taking two such slugs
 *   in opposite orders deadlock there; the one PostgreSQL cancels goes again
 *   too: {@link write} itself runs any transaction PostgreSQL cancelled to
 *   break a deadlock again, so deadlocks are not counted here as well (a batch
 *   that kept deadlocking would go nine times).
 * - On SQLite one process writes one batch at a time, and a transaction
 *   takes the write lock as it begins (`data-source.ts`); another process on
 *   the same file holding it past the busy timeout makes SQLite refuse the
 *   batch (`SQLITE_BUSY`).
 */
async function writeRetrying<T>(db: DataSource, actor: Actor, work: (session: WriteSession) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(db, actor, work);
    } catch (error) {
      const lostRace = error instanceof StaleVersionError || isUniqueViolation(error, SLUG_INDEX) || isSqliteBusy(error);
      if (attempt >= BATCH_ATTEMPTS || !lostRace) throw error;
    }
  }
}

/** Items a run has written once already (a post on two pages of a listing) are written once. */
function dropRepeats(batch: readonly UpsertInput[], seen: Set<string>, run: IngestRun): UpsertInput[] {
  return batch.filter((input) => {
    const id = input.source!.externalId;
    if (seen.has(id)) {
      run.skipped++;
      return false;
    }
    seen.add(id);
    return true;
  });
}

/** The share of a source's published items a complete listing may drop in one run unless the source's options say otherwise. */
export const DEFAULT_MAX_WITHDRAWN_SHARE = 0.5;

/** A listing may always drop this many items, whatever their share (a small source losing a few). */
const ALWAYS_WITHDRAWABLE = 5;

/**
 * Withdraws (unpublishes, never deletes) the source's published items that a
 * complete listing no longer has (`missing`), and those the source says are
 * gone. A listing that lacks more than `maxShare` of the published items
 * (and more than {@link ALWAYS_WITHDRAWABLE}) looks cut short (an export that
 * failed half way, a page of a listing answered empty): its missing items
 * are held back (`heldBack`) rather than withdrawn, and feeds and partners
 * keep them. Returns how many were withdrawn.
 */
async function withdraw(
  db: DataSource,
  actor: Actor,
  sourceName: string,
  missing: ((externalId: string) => boolean) | null,
  gone: readonly string[],
  maxShare: number,
): Promise<{ withdrawn: number; heldBack?: { missing: number; published: number } }> {
  if (!missing && gone.length === 0) return { withdrawn: 0 };
  const rows = (await db.getRepository(Content).find({
    select: { id: true, sourceExternalId: true },
    where: { sourceName, status: ContentStatus.PUBLISHED },
  })) as Pick<Content, 'id' | 'sourceExternalId'>[];
  const goneSet = new Set(gone);
  const said = rows.filter((row) => goneSet.has(row.sourceExternalId!));
  const unlisted = rows.filter((row) => !goneSet.has(row.sourceExternalId!) && (missing?.(row.sourceExternalId!) ?? false));
  const cutShort = unlisted.length > ALWAYS_WITHDRAWABLE && unlisted.length > maxShare * rows.length;
  const ids = [...said, ...(cutShort ? [] : unlisted)].map((row) => row.id);
  for (let start = 0; start < ids.length; start += 100) {
    const batch = ids.slice(start, start + 100);
    await writeRetrying(db, actor, async (session) => {
      for (const item of await session.manager.getRepository(Content).findBy(batch.map((id) => ({ id })))) {
        if (item.status === ContentStatus.PUBLISHED) await changeStatus(session, item, false, null, true);
      }
    });
    // As between the batches of a write: SQLite's writes hold the event loop, requests are served in between.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return cutShort ? { withdrawn: ids.length, heldBack: { missing: unlisted.length, published: rows.length } } : { withdrawn: ids.length };
}

/** Records how the run ended and the source's state (validators, next run), releasing its claim; other processes' schedulers learn of it through the change log. */
async function finish(settings: RunnerSettings, source: ContentSource, run: IngestRun, validators: { etag: string | null; lastModified: string | null }, listedFully: boolean, stopped: boolean): Promise<void> {
  const { db } = settings;
  const succeeded = run.outcome !== RunOutcome.FAILED;
  // The run's record and the release of the source's claim commit together: a run seen as ended has let go of its source, so a run asked for then can start.
  await write(db, { keyId: null, name: `ingest:${source.name}` }, async (session) => {
    await session.manager.getRepository(IngestRun).update({ id: run.id }, { ...run, errors: run.errors } as never);
    // As it is now (held until commit on PostgreSQL): an admin may have given it new settings while it ran, which end a back-off and
    // make it due at once (updateSource). Then this run, of the settings before, changes neither its schedule nor its validators.
    const now = await lockedSource(session.manager, source.id);
    const resettled = now !== null && (now.url !== source.url || now.kind !== source.kind || now.everySeconds !== source.everySeconds || now.consecutiveFailures !== source.consecutiveFailures);
    // A run stopped with its process is no failure of the source's: it does not back off, and is due again at once.
    const failures = succeeded ? 0 : stopped ? source.consecutiveFailures : source.consecutiveFailures + 1;
    await session.manager
      .createQueryBuilder()
      .update(ContentSource)
      .set({
        lastRunId: run.id,
        leaseOwner: null,
        leaseUntil: null,
        ...(resettled
          ? {}
          : {
              nextRunAt: source.everySeconds ? (stopped ? run.endedAt : new Date(run.startedAt.getTime() + scheduledDelayMs(source.everySeconds, failures))) : null,
              consecutiveFailures: failures,
              ...(run.outcome === RunOutcome.SUCCEEDED ? { etag: validators.etag, lastModified: validators.lastModified, lastSuccessAt: run.startedAt } : {}),
              ...(run.outcome === RunOutcome.UNCHANGED ? { lastSuccessAt: run.startedAt } : {}),
              ...(listedFully ? { lastFullListingAt: run.startedAt } : {}),
            }),
        ...(run.httpStatus !== null || succeeded ? { lastFetchedAt: run.endedAt } : {}),
      })
      .where('id = :id AND lease_owner = :owner', { id: source.id, owner: settings.owner })
      .execute();
    session.change({ subject: 'SOURCE', kind: 'RUN', subjectId: source.id });
  });
}

/** A failing source's scheduled runs are spaced out to at most this, or its interval when that is longer. */
export const BACKOFF_CEILING_MS = 6 * 3_600_000;

/**
 * How long after a run's start the next scheduled run is due: the source's
 * interval, doubled for each failure in a row after the first (two failures:
 * twice the interval, three: four times), up to {@link BACKOFF_CEILING_MS} or
 * the interval when that is longer. A source that is down is asked less and
 * less often, and the first failure, often a passing one, changes nothing.
 */
export function scheduledDelayMs(everySeconds: number, failuresInARow: number): number {
  const interval = everySeconds * 1000;
  if (failuresInARow <= 1) return interval;
  return Math.min(interval * 2 ** Math.min(failuresInARow - 1, 20), Math.max(interval, BACKOFF_CEILING_MS));
}

/** A source's row as it is now, locked until the transaction ends on PostgreSQL (SQLite runs one writer at a time). */
function lockedSource(manager: EntityManager, id: string): Promise<ContentSource | null> {
  const postgres = manager.connection.options.type === 'postgres';
  return manager.getRepository(ContentSource).findOne({ where: { id }, ...(postgres ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

/** Gives up a claim (a start that failed: its transaction rolled back whatever it had set). */
async function release(db: DataSource, id: string, owner: string): Promise<void> {
  await db
    .createQueryBuilder()
    .update(ContentSource)
    .set({ leaseOwner: null, leaseUntil: null })
    .where('id = :id AND lease_owner = :owner', { id, owner })
    .execute();
}

/**
 * Whether this run must read the whole listing rather than what changed
 * since the last success: a CSV declared a full snapshot always does; a
 * WordPress site with complete listings does at least every
 * `fullListingEvery` (a day by default), so that deleted posts are withdrawn.
 */
function needsFullListing(source: ContentSource, now: Date): boolean {
  if (source.options.fullSnapshot === true) return true;
  if (source.options.completeListings !== true) return false;
  const every = (typeof source.options.fullListingEvery === 'string' ? parseInterval(source.options.fullListingEvery) : null) ?? 86_400;
  return !source.lastFullListingAt || now.getTime() - source.lastFullListingAt.getTime() >= every * 1000;
}
