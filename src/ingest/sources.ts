import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { SourceKind } from '../shared/content/source-kind';
import { BadUserInputError, ConflictError, NotFoundError } from '../shared/errors';
import { write, type Actor } from '../store/session';
import { INGEST_KINDS, isIngestKind, type IngestKind } from './connectors';
import { ContentSource, parseInterval, PublishAs } from './source.entity';

/** What an admin (or the CLI) says of a source. */
export interface SourceSettingsInput {
  readonly name: string;
  readonly kind: string;
  /** An http(s) URL; with `allowFiles`, also a local path (or `file:` URL). */
  readonly url: string;
  readonly targetType: ContentType;
  readonly options?: Readonly<Record<string, unknown>> | null;
  /** `30m`, `6h`, `1d`; null or absent: on demand only. */
  readonly every?: string | null;
  readonly publishAs?: PublishAs | null;
}

/** The option names each kind takes, and the JavaScript type of each. */
const OPTIONS: Readonly<Record<IngestKind, Readonly<Record<string, 'string' | 'boolean' | 'object' | 'interval' | 'number' | 'share'>>>> = {
  [SourceKind.FEED]: { outlet: 'string', language: 'string' },
  [SourceKind.WORDPRESS]: { outlet: 'string', language: 'string', campaignMap: 'object', completeListings: 'boolean', fullListingEvery: 'interval', placeTaxonomy: 'string', maxWithdrawnShare: 'share' },
  [SourceKind.SOCIAL_ARCHIVE]: { authorHandle: 'string', includeRetweets: 'boolean', includeReplies: 'boolean' },
  [SourceKind.IATI]: { hierarchy: 'number', language: 'string' },
  [SourceKind.CSV]: { fieldMap: 'object', fullSnapshot: 'boolean', delimiter: 'string', dateColumn: 'string', language: 'string', maxWithdrawnShare: 'share' },
};

/** The content types each kind can produce. */
const TARGETS: Readonly<Record<IngestKind, readonly ContentType[]>> = {
  [SourceKind.FEED]: [ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST],
  [SourceKind.WORDPRESS]: [ContentType.CAMPAIGN_STORY, ContentType.DIGEST_ARTICLE],
  [SourceKind.SOCIAL_ARCHIVE]: [ContentType.SOCIAL_POST],
  [SourceKind.IATI]: [ContentType.STABILISATION_PROJECT],
  [SourceKind.CSV]: [ContentType.STABILISATION_PROJECT, ContentType.DIGEST_ARTICLE, ContentType.CAMPAIGN_STORY, ContentType.SOCIAL_POST],
};

/**
 * Checks a source's settings and returns the columns to store. Each problem
 * is BAD_USER_INPUT naming the field; a local file is refused unless
 * `allowFiles` (only the CLI, run by someone with access to the machine, may
 * make a source that reads the gateway's own disk).
 */
export function checkSourceSettings(input: SourceSettingsInput, allowFiles: boolean): Omit<ContentSource, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'every' | RuntimeState> {
  const name = input.name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new BadUserInputError('A source name is 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit', { field: 'name' });
  }
  const kind = input.kind.toUpperCase();
  if (!isIngestKind(kind)) throw new BadUserInputError(`kind must be one of ${INGEST_KINDS.join(', ')}`, { field: 'kind' });
  if (!TARGETS[kind].includes(input.targetType)) {
    throw new BadUserInputError(`A ${kind} source makes ${TARGETS[kind].join(' or ')}, not ${input.targetType}`, { field: 'type' });
  }
  const everySeconds = input.every ? parseInterval(input.every) : null;
  if (input.every && everySeconds === null) throw new BadUserInputError(`every: "${input.every}" is not an interval from 1m to 30d such as 30m, 6h or 1d`, { field: 'every' });
  return {
    name,
    kind,
    url: checkLocation(input.url, allowFiles),
    targetType: input.targetType,
    options: checkOptions(kind, input.options ?? {}),
    everySeconds,
    publishAs: input.publishAs ?? PublishAs.PUBLISHED,
  };
}

type RuntimeState = 'etag' | 'lastModified' | 'lastFetchedAt' | 'lastSuccessAt' | 'lastFullListingAt' | 'lastRunId' | 'nextRunAt' | 'consecutiveFailures' | 'leaseOwner' | 'leaseUntil';

function checkLocation(url: string, allowFiles: boolean): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    if (parsed.username || parsed.password) throw new BadUserInputError('url: put no credentials in a source URL', { field: 'url' });
    return parsed.toString();
  }
  if (!allowFiles) throw new BadUserInputError('url: a source reads an http(s) URL (local files are added with the command line only)', { field: 'url' });
  const file = path.resolve(parsed?.protocol === 'file:' ? decodeURIComponent(parsed.pathname) : url);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BadUserInputError(`file: ${file} does not exist or is not a file`, { field: 'file' });
  return `file:${file}`;
}

function checkOptions(kind: IngestKind, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const allowed = OPTIONS[kind];
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    // Own names only: `toString` or `__proto__` are no option (their inherited values made messages of function text).
    const type = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!type) throw new BadUserInputError(`options: ${kind} sources take ${Object.keys(allowed).join(', ')}; not "${key}"`, { field: `options.${key}` });
    if (value === null || value === undefined) continue;
    const ok =
      type === 'interval'
        ? typeof value === 'string' && parseInterval(value) !== null
        : type === 'object'
          ? typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((v) => typeof v === 'string')
          : type === 'share'
            ? typeof value === 'number' && value >= 0 && value <= 1
            : typeof value === type;
    const expected = type === 'object' ? 'an object of strings' : type === 'interval' ? 'an interval such as 1d' : type === 'share' ? 'a number from 0 to 1, such as 0.5' : `a ${type}`;
    if (!ok) throw new BadUserInputError(`options.${key} must be ${expected}`, { field: `options.${key}` });
    checked[key] = value;
  }
  return checked;
}

/** A source by name, or NOT_FOUND. */
export async function sourceByName(db: DataSource, name: string): Promise<ContentSource> {
  const source = await db.getRepository(ContentSource).findOneBy({ name });
  if (!source) throw new NotFoundError(`No source named "${name}"`, { source: name });
  return source;
}

/** Adds a source. Its schedule, if any, starts now; other processes learn of it through the change log. */
export async function createSource(db: DataSource, actor: Actor, input: SourceSettingsInput, allowFiles: boolean): Promise<ContentSource> {
  const settings = checkSourceSettings(input, allowFiles);
  return write(db, actor, async (session) => {
    const repo = session.manager.getRepository(ContentSource);
    if (await repo.existsBy({ name: settings.name })) throw new ConflictError(`A source named "${settings.name}" exists already`, { field: 'name' });
    const source = repo.create({
      ...settings,
      id: randomUUID(),
      etag: null,
      lastModified: null,
      lastFetchedAt: null,
      lastSuccessAt: null,
      lastFullListingAt: null,
      lastRunId: null,
      nextRunAt: settings.everySeconds ? new Date() : null,
      consecutiveFailures: 0,
      leaseOwner: null,
      leaseUntil: null,
    });
    // simple-json columns take any object; TypeORM's deep-partial type cannot express that.
    await repo.insert(source as never);
    session.change({ subject: 'SOURCE', kind: 'CREATED', subjectId: source.id });
    return repo.findOneByOrFail({ id: source.id });
  });
}

/**
 * Changes a source's settings (not its name: its items carry it). A new
 * address or kind forgets the fetch validators, so the next run reads it whole.
 * A failing source's back-off ends: its next scheduled run is due at once, as
 * it is when a run is going on.
 */
export async function updateSource(db: DataSource, actor: Actor, name: string, input: SourceSettingsInput, allowFiles: boolean): Promise<ContentSource> {
  const settings = checkSourceSettings({ ...input, name }, allowFiles || input.url.startsWith('file:'));
  return write(db, actor, async (session) => {
    const repo = session.manager.getRepository(ContentSource);
    const before = await repo.findOneBy({ name });
    if (!before) throw new NotFoundError(`No source named "${name}"`, { source: name });
    if (settings.url.startsWith('file:') && !allowFiles && settings.url !== before.url) {
      throw new BadUserInputError('url: a source reads an http(s) URL (local files are added with the command line only)', { field: 'url' });
    }
    const moved = settings.url !== before.url || settings.kind !== before.kind;
    // New settings end a failing source's back-off: its next scheduled run is due at once. So they do while a run goes on, which
    // has set the source due as its own failure would (see startRun); if the run was of the old settings, its end keeps this.
    const dueAtOnce = before.consecutiveFailures > 0 || (before.leaseUntil !== null && before.leaseUntil.getTime() > Date.now());
    await repo.update(
      { id: before.id },
      {
        ...settings,
        ...(moved ? { etag: null, lastModified: null, lastSuccessAt: null } : {}),
        nextRunAt: settings.everySeconds ? (dueAtOnce ? new Date() : (before.nextRunAt ?? new Date())) : null,
        consecutiveFailures: 0,
      } as never,
    );
    session.change({ subject: 'SOURCE', kind: 'UPDATED', subjectId: before.id });
    return repo.findOneByOrFail({ id: before.id });
  });
}

/** Removes a source; the items it imported stay, with their provenance. */
export async function deleteSource(db: DataSource, actor: Actor, name: string): Promise<string> {
  return write(db, actor, async (session) => {
    const repo = session.manager.getRepository(ContentSource);
    const source = await repo.findOneBy({ name });
    if (!source) throw new NotFoundError(`No source named "${name}"`, { source: name });
    await repo.delete({ id: source.id });
    session.change({ subject: 'SOURCE', kind: 'DELETED', subjectId: source.id });
    return name;
  });
}

/** How long a run's claim on its source holds without renewal: a process that died lets it lapse after this. */
export const LEASE_MS = 2 * 60_000;

/**
 * Claims a source for one run by `owner`, if nobody (this owner included)
 * holds an unexpired claim: one conditional UPDATE, so two runs cannot both
 * win, whether in two processes or in one. The holder extends its claim with
 * {@link renewClaim} and gives it up when the run ends.
 */
export async function claimSource(db: DataSource, id: string, owner: string, now = new Date()): Promise<boolean> {
  const result = await db
    .createQueryBuilder()
    .update(ContentSource)
    .set({ leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where('id = :id AND (lease_until IS NULL OR lease_until < :now)', { id, now })
    .execute();
  return (result.affected ?? 0) > 0;
}

/** A claim kept alive by {@link keepClaim}. */
export interface KeptClaim {
  /** False once a renewal found the claim gone (it lapsed and another process took the source). */
  readonly held: boolean;
  /** Renews no more; resolves once a renewal already sent has settled. */
  stop(): Promise<void>;
}

/**
 * Renews a claim every `everyMs` (a quarter of the lease by default) for as
 * long as a run holds it, whatever the run is doing: a document that takes
 * minutes to fetch or parse does not let it lapse, as renewing between
 * batches alone did. A renewal that fails (the database away for a moment)
 * is tried again at the next tick, well within the lease.
 */
export function keepClaim(db: DataSource, id: string, owner: string, everyMs = LEASE_MS / 4): KeptClaim {
  let held = true;
  let renewing: Promise<void> | null = null;
  // On SQLite every query shares one connection: a renewal waits for a batch's transaction to end rather than landing inside
  // it (and being rolled back with it), as every statement outside a transaction does (db/in-turn.ts).
  const timer = setInterval(() => {
    if (renewing || !held) return;
    renewing = renewClaim(db, id, owner)
      .then(
        (still) => {
          if (!still) held = false;
        },
        () => {},
      )
      .finally(() => {
        renewing = null;
      });
  }, everyMs);
  timer.unref();
  return {
    get held() {
      return held;
    },
    stop: () => {
      clearInterval(timer);
      return renewing ?? Promise.resolve();
    },
  };
}

/** Extends a claim this process holds; false if it was lost (it lapsed and another process took the source). */
export async function renewClaim(db: DataSource, id: string, owner: string): Promise<boolean> {
  const result = await db
    .createQueryBuilder()
    .update(ContentSource)
    .set({ leaseUntil: new Date(Date.now() + LEASE_MS) })
    .where('id = :id AND lease_owner = :owner', { id, owner })
    .execute();
  return (result.affected ?? 0) > 0;
}
