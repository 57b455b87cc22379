import { base64url, COLON } from '../base64url';
import { BadUserInputError } from '../errors';

/** The GraphQL type names that can appear in a global id. */
export type NodeTypeName =
  | 'DigestArticle'
  | 'CampaignStory'
  | 'SocialPost'
  | 'StabilisationProject'
  | 'Campaign'
  | 'MemberNation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NATION_CODE = /^[A-Z]{2,16}$/;

/** How the local part of each type's id must look; checked before any query. */
const LOCAL_ID: Record<NodeTypeName, RegExp> = {
  DigestArticle: UUID,
  CampaignStory: UUID,
  SocialPost: UUID,
  StabilisationProject: UUID,
  Campaign: UUID,
  MemberNation: NATION_CODE,
};

/** True for a lowercase canonical UUID, the primary key of every content row and campaign. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Makes the opaque id a client sees: base64url of `Type:localId`. Opaque so that
 * clients never build or parse ids, which leaves us free to change keys later.
 */
export function encodeGlobalId(type: NodeTypeName, localId: string): string {
  // Built in place when the local id is plain ASCII (uuids and nation codes always are): the same bytes.
  const built = base64url.start();
  if (built.text(type) && built.byte(COLON) && built.text(localId)) return built.finish();
  return Buffer.from(`${type}:${localId}`, 'utf8').toString('base64url');
}

/**
 * Reads a global id back into its type and local id. Anything that could not have
 * come from {@link encodeGlobalId} is a `BAD_USER_INPUT`: it never reaches the
 * database, where a malformed UUID would surface as a driver error.
 */
export function decodeGlobalId(id: string): { type: NodeTypeName; localId: string } {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(id) ? Buffer.from(id, 'base64url').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const type = decoded.slice(0, colon) as NodeTypeName;
  const localId = decoded.slice(colon + 1);
  if (colon < 1 || !Object.hasOwn(LOCAL_ID, type) || !LOCAL_ID[type].test(localId)) {
    throw new BadUserInputError(`"${truncate(id)}" is not a valid ID`, { argument: 'id' });
  }
  return { type, localId };
}

/**
 * Decodes an id that must name one particular type: mutations and typed lookups
 * use it so that a campaign's id cannot be passed where a post's is expected.
 */
export function decodeGlobalIdOf(expected: NodeTypeName, id: string, argument = 'id'): string {
  const { type, localId } = decodeGlobalId(id);
  if (type !== expected) {
    throw new BadUserInputError(`"${truncate(id)}" is the ID of a ${type}, not of a ${expected}`, { argument });
  }
  return localId;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}…` : value;
}
