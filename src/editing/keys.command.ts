import type { DataSource } from 'typeorm';
import { isoDateTime, withinEditableYears } from '../shared/date-time';
import { UsageError } from '../shared/usage-error';
import { Role } from '../shared/viewer';
import { listApiKeys } from '../auth/api-key.service';
import { createApiKey, revokeApiKey } from '../store/keys';

/** Options of the `keys` command, as parsed by the CLI. */
export interface KeysOptions {
  readonly name?: string;
  readonly role?: string;
  readonly expires?: string;
  readonly operations?: string;
}

export const KEYS_USAGE = `  keys create --name N --role R [--expires DATE] [--operations H,H]
                     create an API key (role partner, editor or admin) and print it once
  keys list          list keys: id, name, role, prefix, created, expires, revoked, last used
  keys revoke ID     revoke a key at once (running gateways learn it within a second)`;

/** A `keys` command as its flags say it, checked before any database is opened. */
export type KeysCommand =
  | { readonly action: 'create'; readonly name: string; readonly role: Role; readonly expiresAt: Date | null; readonly allowedOperations: string[] | null }
  | { readonly action: 'list' }
  | { readonly action: 'revoke'; readonly id: string };

/**
 * Reads `keys create | list | revoke` and its flags; a mistake in them is a
 * {@link UsageError} (exit 2), found before the command opens the database,
 * so that it is told even while the database is away.
 */
export function parseKeysCommand(action: string | undefined, argument: string | undefined, options: KeysOptions): KeysCommand {
  switch (action) {
    case 'create': {
      if (!options.name) throw new UsageError('keys create needs --name');
      const role = parseRole(options.role);
      const expiresAt = options.expires ? parseDate(options.expires) : null;
      const allowedOperations = options.operations ? options.operations.split(',').map((hash) => hash.trim().toLowerCase()).filter(Boolean) : null;
      return { action, name: options.name, role, expiresAt, allowedOperations };
    }
    case 'list':
      return { action };
    case 'revoke':
      if (!argument) throw new UsageError('keys revoke needs the id of a key (see keys list)');
      return { action, id: argument };
    default:
      throw new UsageError('keys takes create, list or revoke');
  }
}

/**
 * Runs a `keys` command: the only way keys are made, so that a secret is
 * shown once, to whoever runs the command, and never stored.
 */
export async function runKeysCommand(db: DataSource, command: KeysCommand, print: (line: string) => void): Promise<void> {
  switch (command.action) {
    case 'create': {
      const { name, role, expiresAt, allowedOperations } = command;
      const { key, secret } = await createApiKey(db, { name, role, expiresAt, allowedOperations });
      print(`Created ${key.role.toLowerCase()} key "${key.name}" (id ${key.id}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}).`);
      print('The key is shown only now; store it safely:');
      print(secret);
      return;
    }
    case 'list': {
      const keys = await listApiKeys(db);
      if (keys.length === 0) return print('No API keys.');
      print(['id', 'name', 'role', 'prefix', 'created', 'expires', 'revoked', 'last used'].join('\t'));
      for (const key of keys) {
        print([key.id, key.name, key.role.toLowerCase(), key.prefix, iso(key.createdAt), iso(key.expiresAt), iso(key.revokedAt), iso(key.lastUsedAt)].join('\t'));
      }
      return;
    }
    case 'revoke': {
      const { key, revokedBefore } = await revokeApiKey(db, command.id);
      // Revoking again keeps the first revocation: say so, rather than report it as new.
      if (revokedBefore) print(`Key "${key.name}" (id ${key.id}) was revoked already, at ${iso(key.revokedAt)}.`);
      else print(`Revoked key "${key.name}" (id ${key.id}) at ${iso(key.revokedAt)}.`);
      return;
    }
  }
}

function parseRole(value: string | undefined): Role {
  const role = (value ?? '').toUpperCase() as Role;
  if (role === Role.PARTNER || role === Role.EDITOR || role === Role.ADMIN) return role;
  throw new UsageError('keys create needs --role partner, editor or admin');
}

function parseDate(value: string): Date {
  // A day that does not exist (2030-02-31) would roll over, and a year past 9999 would not survive SQLite's text timestamps (10000-06-01 was stored as 0000-06-01: a key expired from the start).
  const date = isoDateTime(value);
  if (!date || !withinEditableYears(date)) {
    throw new UsageError(`--expires: "${value}" is not a date from 0001 to 9999 (use e.g. 2027-01-31 or 2027-01-31T12:00:00Z)`);
  }
  if (date.getTime() <= Date.now()) throw new UsageError('--expires must be in the future');
  return date;
}

function iso(date: Date | null): string {
  return date ? date.toISOString() : '-';
}
