import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKey } from '../auth/api-key.entity';
import { hashApiKey, KEY_PREFIX } from '../auth/api-key.service';
import { KeyChangeKind } from '../changes/change-log';
import { BadUserInputError, NotFoundError } from '../shared/errors';
import { Role } from '../shared/viewer';
import { recordAudit } from './audit';
import { CLI_ACTOR, write, type Actor } from './session';

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly expiresAt?: Date | null;
  readonly allowedOperations?: readonly string[] | null;
}

/**
 * Creates a key and returns its secret, which exists only in this return value:
 * the database keeps its hash.
 */
export async function createApiKey(db: DataSource, input: NewApiKey, actor: Actor = CLI_ACTOR): Promise<{ key: ApiKey; secret: string }> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new BadUserInputError('A key needs a name of 1 to 200 characters', { field: 'name' });
  // `keys list` is tab-separated, one key a line: a tab or a line break in a name would shift or split its row.
  if (/\p{Cc}/u.test(name)) throw new BadUserInputError('A key’s name may not hold control characters (tabs, line breaks)', { field: 'name' });
  if (!Object.values(Role).includes(input.role) || input.role === Role.ANONYMOUS) {
    throw new BadUserInputError('role must be partner, editor or admin', { field: 'role' });
  }
  const operations = input.allowedOperations ?? null;
  if (operations?.some((hash) => !/^[0-9a-f]{64}$/.test(hash))) {
    throw new BadUserInputError('allowed operations must be SHA-256 hashes (64 hex digits)', { field: 'operations' });
  }
  const secret = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return write(db, actor, async (session) => {
    const key = session.manager.getRepository(ApiKey).create({
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
    await session.manager.getRepository(ApiKey).insert(key);
    await recordAudit(session.manager, session.actor, { action: 'CREATE', subjectType: 'ApiKey', subjectId: key.id, before: null, after: { name, role: key.role, expiresAt: key.expiresAt } });
    session.change({ subject: 'KEY', kind: KeyChangeKind.CREATED, subjectId: key.id });
    return { key, secret };
  });
}

/**
 * Revokes a key; revoking it again keeps the first revocation time. The
 * change-log entry tells every gateway process to forget the key at once,
 * rather than after its cache of verified keys expires.
 */
export async function revokeApiKey(db: DataSource, id: string, actor: Actor = CLI_ACTOR): Promise<{ key: ApiKey; revokedBefore: boolean }> {
  return write(db, actor, async (session) => {
    const repo = session.manager.getRepository(ApiKey);
    // Ids are written in lower case; one pasted in upper case names the same key.
    const key = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findOneBy({ id: id.toLowerCase() }) : null;
    if (!key) throw new NotFoundError(`No API key with id ${id}`);
    // Revoking again keeps the first revocation, and says so.
    if (key.revokedAt) return { key, revokedBefore: true };
    key.revokedAt = new Date();
    // By the stored id: the one given may be in upper case, which SQLite's text column would match to no row.
    await repo.update({ id: key.id }, { revokedAt: key.revokedAt });
    await recordAudit(session.manager, session.actor, { action: 'UPDATE', subjectType: 'ApiKey', subjectId: key.id, before: { revokedAt: null }, after: { revokedAt: key.revokedAt } });
    session.change({ subject: 'KEY', kind: KeyChangeKind.REVOKED, subjectId: key.id });
    return { key, revokedBefore: false };
  });
}
