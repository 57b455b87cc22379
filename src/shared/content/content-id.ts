import { BadUserInputError } from '../errors';
import { decodeGlobalId } from '../node/global-id';
import { CONTENT_TYPE_NAMES } from './content.entity';

const CONTENT_NODE_TYPES: ReadonlySet<string> = new Set(Object.values(CONTENT_TYPE_NAMES));

/** The local id of a content item's global id, whatever its type; an id of another type is BAD_USER_INPUT. */
export function decodeContentId(id: string, argument = 'id'): string {
  const { type, localId } = decodeGlobalId(id);
  if (!CONTENT_NODE_TYPES.has(type)) throw new BadUserInputError(`This is the ID of a ${type}, not of a content item`, { argument });
  return localId;
}
