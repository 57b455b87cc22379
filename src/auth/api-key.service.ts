import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../shared/errors';
import { ANONYMOUS, Role, type Viewer } from '../shared/viewer';
import { ApiKey } from './api-key.entity';

/** Every key starts with this, so that a leaked key is easy to recognise (and to scan for). */
const KEY_PREFIX = 'cg_';

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly expiresAt?: Date | null;
  readonly allowedOperations?: readonly string[] | null;
}

/** SHA-256 of a key, hex: what the database stores and looks keys up by. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Creates a key and returns its secret, which exists only in this return value:
 * the database keeps its hash.
 */
export async function createApiKey(db: DataSource, input: NewApiKey): Promise<{ key: ApiKey; secret: string }> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new BadUserInputError('A key needs a name of 1 to 200 characters', { field: 'name' });
  if (!Object.values(Role).includes(input.role) || input.role === Role.ANONYMOUS) {
    throw new BadUserInputError('role must be partner, editor or admin', { field: 'role' });
  }
  const operations = input.allowedOperations ?? null;
  if (operations?.some((hash) => !/^[0-9a-f]{64}$/.test(hash))) {
    throw new BadUserInputError('allowed operations must be SHA-256 hashes (64 hex digits)', { field: 'operations' });
  }
  const secret = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const key = db.getRepository(ApiKey).create({
    id: randomUUID(),
    name,
    role: input.role,
    prefix: secret.slice(0, 11),
    hash: hashApiKey(secret),
    allowedOperations: operations ? [...operations] : null,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
  });
  await db.getRepository(ApiKey).insert(key);
  return { key, secret };
}

/** All keys, newest first (never their secrets). */
export function listApiKeys(db: DataSource): Promise<ApiKey[]> {
  return db.getRepository(ApiKey).find({ order: { createdAt: 'DESC', id: 'ASC' } });
}

/** Revokes a key; revoking it again keeps the first revocation time. */
export async function revokeApiKey(db: DataSource, id: string): Promise<ApiKey> {
  const repo = db.getRepository(ApiKey);
  const key = /^[0-9a-f-]{36}$/.test(id) ? await repo.findOneBy({ id }) : null;
  if (!key) throw new NotFoundError(`No API key with id ${id}`);
  if (!key.revokedAt) {
    key.revokedAt = new Date();
    await repo.update({ id }, { revokedAt: key.revokedAt });
  }
  return key;
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

/**
 * Turns the key on a request into a {@link Viewer}, once per request. Verified
 * keys are kept for `cacheMs` so that most requests need no lookup; a revoked or
 * expired key therefore stops working within that time on every process.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly cacheMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** The viewer for a key; anonymous without one. Throws `UNAUTHENTICATED` for a wrong, expired or revoked key. */
  async authenticate(secret: string | null): Promise<Viewer> {
    if (secret === null) return ANONYMOUS;
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 100) throw new UnauthenticatedError('Unknown API key');
    const hash = hashApiKey(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    let key = cached && cached.until > now ? cached.key : undefined;
    if (!key) {
      const found = await this.db.getRepository(ApiKey).findOneBy({ hash });
      if (!found) throw new UnauthenticatedError('Unknown API key');
      key = found;
      if (this.cacheMs > 0) this.remember(hash, key, now);
    }
    if (key.revokedAt) throw new UnauthenticatedError('This API key has been revoked');
    if (key.expiresAt && key.expiresAt.getTime() <= now) throw new UnauthenticatedError('This API key has expired');
    this.recordUse(key, now);
    return { role: key.role, keyId: key.id, name: key.name, allowedOperations: key.allowedOperations };
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
