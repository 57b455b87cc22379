import { registerEnumType } from 'type-graphql';

/** What a caller may do; each role includes the ones before it. */
export enum Role {
  ANONYMOUS = 'ANONYMOUS',
  PARTNER = 'PARTNER',
  EDITOR = 'EDITOR',
  ADMIN = 'ADMIN',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'What an API key may do. Each role includes the ones before it.',
  valuesConfig: {
    ANONYMOUS: { description: 'No key: published content, with the lowest rate limits.' },
    PARTNER: { description: 'A partner organisation: published content with higher limits, optionally bound to persisted operations.' },
    EDITOR: { description: 'Sees drafts; creates, edits, publishes, unpublishes and deletes content and campaigns.' },
    ADMIN: { description: 'Everything editors do, plus member nations and the audit log.' },
  },
});

const RANK: Record<Role, number> = { ANONYMOUS: 0, PARTNER: 1, EDITOR: 2, ADMIN: 3 };

/** Who is calling, decided once per request from the API key. */
export interface Viewer {
  readonly role: Role;
  /** The API key's id; null for anonymous callers. */
  readonly keyId: string | null;
  /** The key's name, for the audit log and request logs. */
  readonly name: string;
  /** Hashes of the persisted operations this key may run; null when it may run any. */
  readonly allowedOperations: readonly string[] | null;
  /** When the key stops working (a WebSocket opened with it is closed then); absent or null when never. */
  readonly expiresAt?: Date | null;
}

export const ANONYMOUS: Viewer = Object.freeze({ role: Role.ANONYMOUS, keyId: null, name: 'anonymous', allowedOperations: null });

/** True when `viewer` has `role` or a role above it. */
export function hasRole(viewer: Viewer, role: Role): boolean {
  return RANK[viewer.role] >= RANK[role];
}
