import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DataSource } from 'typeorm';
import { DATABASE_AWAY_MESSAGE, DATABASE_AWAY_RETRY_SECONDS, isConnectionFailure, isSqliteBusy, isStatementTimeout } from '../db/failures';
import { UnauthenticatedError } from '../shared/errors';
import { ANONYMOUS, type Viewer } from '../shared/viewer';
import { ApiKey } from './api-key.entity';

/** Every key starts with this, so that a leaked key is easy to recognise (and to scan for). */
export const KEY_PREFIX = 'cg_';

/** SHA-256 of a key, hex: what the database stores and looks keys up by. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** All keys, newest first (never their secrets). */
export function listApiKeys(db: DataSource): Promise<ApiKey[]> {
  return db.getRepository(ApiKey).find({ order: { createdAt: 'DESC', id: 'ASC' } });
}

/** The key an HTTP request carries in its headers (see {@link keyFromHeaders}); the first `x-api-key` when it is sent twice. */
export function keyOfRequest(headers: IncomingHttpHeaders): string | null {
  const apiKey = headers['x-api-key'];
  return keyFromHeaders(headers.authorization, Array.isArray(apiKey) ? apiKey[0] : apiKey);
}

/** Reads the key a request carries: `Authorization: Bearer KEY` or `x-api-key: KEY`. */
export function keyFromHeaders(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError('Send the API key as "Authorization: Bearer <key>"');
    return match[1];
  }
  return apiKey?.trim() || null;
}

/** Records `last_used_at` at most this often per key, so that reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Why `key` can no longer be used at `now` (revoked, or past its expiry), or null while it can. */
export function whyUnusable(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now = Date.now()): 'revoked' | 'expired' | null {
  if (key.revokedAt) return 'revoked';
  return key.expiresAt && key.expiresAt.getTime() <= now ? 'expired' : null;
}

/** Why a key could not be checked for now: the database away, the lookup past its statement time limit, or SQLite busy. */
export type KeyCheckFailure = 'unreachable' | 'timed-out' | 'busy';

const KEY_CHECK_MESSAGES: Record<KeyCheckFailure, string> = {
  unreachable: DATABASE_AWAY_MESSAGE,
  'timed-out': 'The database statement checking the API key ran past its time limit; try again shortly',
  busy: 'The database is busy; try again shortly',
};

/**
 * A key that could not be checked for now, through no fault of the client's
 * and no bug: every transport answers it as "try again shortly" (HTTP 503
 * with `Retry-After`, WebSocket 1013), with this message and {@link code}.
 * The authenticator has reported it already (a database away marks the
 * health check down), so a transport only answers.
 */
export class KeyCheckUnavailableError extends Error {
  override name = 'KeyCheckUnavailableError';

  constructor(
    readonly reason: KeyCheckFailure,
    override readonly cause: unknown,
  ) {
    super(KEY_CHECK_MESSAGES[reason]);
  }

  /** The error code clients see: the statement's time limit is REQUEST_TIMEOUT, as for any read past it; otherwise SERVICE_UNAVAILABLE. */
  get code(): 'REQUEST_TIMEOUT' | 'SERVICE_UNAVAILABLE' {
    return this.reason === 'timed-out' ? 'REQUEST_TIMEOUT' : 'SERVICE_UNAVAILABLE';
  }

  /** Seconds a client should wait before trying again (the `Retry-After` header): a busy SQLite clears in moments. */
  get retryAfterSeconds(): number {
    return this.reason === 'busy' ? 1 : DATABASE_AWAY_RETRY_SECONDS;
  }
}

/** What a key's database lookup failing for now is, if it is that; null for anything else (a bug, a broken schema). */
function keyCheckFailureOf(error: unknown): KeyCheckFailure | null {
  if (isConnectionFailure(error)) return 'unreachable';
  if (isStatementTimeout(error)) return 'timed-out';
  if (isSqliteBusy(error)) return 'busy';
  return null;
}

/**
 * Turns the key on a request into a {@link Viewer}, once per request. Verified
 * keys are kept for `cacheMs` so that most requests need no lookup; a revoked or
 * expired key therefore stops working within that time on every process.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();
  /** Bumped by every `forget`: a lookup that started before one must not cache what it read. */
  private generation = 0;
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly cacheMs: number,
    private readonly onError: (error: unknown) => void = () => {},
    /** Told of each key that could not be checked for now, and where it was sent (a path), before it is thrown: to mark the database down, to log a warning. */
    private readonly onUnavailable: (error: KeyCheckUnavailableError, where: string | undefined) => void = () => {},
  ) {}

  /**
   * The viewer for a key; anonymous without one. Throws `UNAUTHENTICATED` for a
   * wrong, expired or revoked key, and {@link KeyCheckUnavailableError} when the
   * database cannot say for now.
   *
   * @param where the path the key came to (`/graphql`, `/feed.json`), for the report of a key that could not be checked.
   */
  async authenticate(secret: string | null, where?: string): Promise<Viewer> {
    if (secret === null) return ANONYMOUS;
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 100) throw new UnauthenticatedError('Unknown API key');
    const hash = hashApiKey(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    let key = cached && cached.until > now ? cached.key : undefined;
    if (!key) {
      const generation = this.generation;
      const found = await this.db
        .getRepository(ApiKey)
        .findOneBy({ hash })
        .catch((error: unknown) => {
          const reason = keyCheckFailureOf(error);
          if (!reason) throw error;
          const unavailable = new KeyCheckUnavailableError(reason, error);
          this.onUnavailable(unavailable, where);
          throw unavailable;
        });
      if (!found) throw new UnauthenticatedError('Unknown API key');
      key = found;
      // A revocation that arrived while this lookup ran may not have been in what it read.
      if (this.cacheMs > 0 && generation === this.generation) this.remember(hash, key, now);
    }
    const unusable = whyUnusable(key, now);
    if (unusable) throw new UnauthenticatedError(`This API key ${unusable === 'revoked' ? 'has been revoked' : 'has expired'}`);
    this.recordUse(key, now);
    return { role: key.role, keyId: key.id, name: key.name, allowedOperations: key.allowedOperations, expiresAt: key.expiresAt };
  }

  /** Drops what this process knows of a key (revoked or changed elsewhere): its next use is checked in the database. */
  forget(keyId: string): void {
    this.generation++;
    for (const [hash, cached] of this.cache) if (cached.key.id === keyId) this.cache.delete(hash);
  }

  private remember(hash: string, key: ApiKey, now: number): void {
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(hash, { key, until: now + this.cacheMs });
  }

  private recordUse(key: ApiKey, now: number): void {
    if (now - (this.lastRecorded.get(key.id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastRecorded.set(key.id, now);
    this.db.getRepository(ApiKey).update({ id: key.id }, { lastUsedAt: new Date(now) }).catch(this.onError);
  }
}
