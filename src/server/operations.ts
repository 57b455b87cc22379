import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';

/** Where the example operations live (`schema/operations/*.graphql`), from the built `dist/src/server/`. */
export const OPERATIONS_DIR = path.resolve(__dirname, '../../../schema/operations');

/**
 * The names of the example operations, read once at start-up. Metrics label
 * requests by operation name only when it is one of these (or an allow-listed
 * persisted operation's), so that clients cannot create unbounded label values.
 */
export function exampleOperationNames(dir = OPERATIONS_DIR): ReadonlySet<string> {
  const names = new Set<string>();
  if (!fs.existsSync(dir)) return names;
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.graphql'))) {
    for (const definition of parse(fs.readFileSync(path.join(dir, file), 'utf8')).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}

/** The text of each example operation file, to prepare on the fast path at start-up. */
export function exampleOperationTexts(dir = OPERATIONS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => name.endsWith('.graphql')).map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
}
