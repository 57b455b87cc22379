import { BREAK, visit, type DocumentNode } from 'graphql';
import { BadUserInputError } from './errors';

/**
 * Text a client sends may not hold U+0000. PostgreSQL's text types can
 * neither store nor compare it (a query with it fails with an error, not an
 * empty answer) while SQLite takes it: it is refused alike on both, before
 * anything runs, with the same one line everywhere it can come in.
 */
export const NUL_REFUSED = 'text may not contain the NUL character (U+0000)';

/** A GraphQL string escape that writes U+0000: `\u0000` or `\u{0}` (any number of zeros); a raw one is looked for apart. */
const NUL_ESCAPE = /\\u(?:0000|\{0+\})/i;

/**
 * Refuses variables holding U+0000 in any string (`BAD_USER_INPUT`,
 * `reason: NUL_CHARACTER`, `path` naming the first, e.g. `variables.input.title`).
 * Paths are spelled out only for variables that hold one: every request pays
 * for the walk, not for the names.
 */
export function refuseNulInVariables(variables: Readonly<Record<string, unknown>> | null | undefined): void {
  if (!variables || !holdsNul(variables)) return;
  throw nulRefused(nulIn(variables, 'variables') ?? 'variables');
}

/**
 * Refuses a document with a string value holding U+0000, as
 * {@link refuseNulInVariables} does. It is walked only when its text (`source`,
 * or the one it was parsed from) holds one, raw (graphql-js takes any
 * character in a string, U+0000 too) or as an escape, or when neither text is
 * at hand.
 */
export function refuseNulInDocument(document: DocumentNode, source: string | undefined = document.loc?.source.body): void {
  if (source !== undefined && !source.includes('\0') && !NUL_ESCAPE.test(source)) return;
  let found = false;
  visit(document, {
    StringValue(node) {
      if (!node.value.includes('\0')) return undefined;
      found = true;
      return BREAK;
    },
  });
  if (found) throw nulRefused('document');
}

function nulRefused(path: string): BadUserInputError {
  // 400 over HTTP, as GraphQL over HTTP answers a request refused before it runs (Apollo leaves `http` out of the answer).
  return new BadUserInputError(`${path}: ${NUL_REFUSED}`, { reason: 'NUL_CHARACTER', path, http: { status: 400 } });
}

/** Whether a JSON value has a string holding U+0000 anywhere. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsNul);
  for (const key of Object.keys(value)) if (holdsNul((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** The path of the first string holding U+0000 in a JSON value, or null. */
function nulIn(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulIn(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const found = nulIn((value as Record<string, unknown>)[key], `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
