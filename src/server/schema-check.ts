import { buildSubgraphSchema } from '@apollo/subgraph';
import { findBreakingChanges, findDangerousChanges, parse, type GraphQLSchema } from 'graphql';

/**
 * One change between two versions of the schema, as one line:
 * `FIELD_REMOVED: Query.feed was removed.` (graphql-js's change type and description).
 * The same line, copied into the acknowledgements file, acknowledges it.
 */
export type ChangeLine = string;

/** What changed between the committed schema and the one the code builds. */
export interface SchemaCheck {
  /** True when both print the same SDL. */
  readonly identical: boolean;
  /** Changes that can break an existing client: a removed field, a narrowed type, a new required argument. */
  readonly breaking: readonly { readonly change: ChangeLine; readonly acknowledged: boolean }[];
  /** Changes that can change what an existing client gets: an added enum value, a changed default. */
  readonly dangerous: readonly ChangeLine[];
}

/**
 * Compares two subgraph SDLs (the committed `schema/schema.graphql` and the
 * code's, both printed by `printGatewaySchema`). Each is built back into a
 * schema the same way, through `buildSubgraphSchema`, so that federation's own
 * types and directives are the same on both sides and never show up as changes.
 * Breaking changes listed in `acknowledged` (the text of
 * `schema/breaking-changes.acknowledged`) are marked so.
 */
export function checkSchema(committedSdl: string, currentSdl: string, acknowledged = ''): SchemaCheck {
  const before = subgraphSchema(committedSdl);
  const after = subgraphSchema(currentSdl);
  const accepted = parseAcknowledgements(acknowledged);
  return {
    identical: committedSdl === currentSdl,
    breaking: findBreakingChanges(before, after).map(({ type, description }) => {
      const change = `${type}: ${description}`;
      return { change, acknowledged: accepted.has(change) };
    }),
    dangerous: findDangerousChanges(before, after).map(({ type, description }) => `${type}: ${description}`),
  };
}

/** The breaking changes nobody acknowledged: the check fails when there is any. */
export function unacknowledged(check: SchemaCheck): ChangeLine[] {
  return check.breaking.filter((b) => !b.acknowledged).map((b) => b.change);
}

/**
 * The lines of an acknowledgements file that name changes: `#` starts a
 * comment line (the place to say why the break is worth it), blank lines are
 * skipped, surrounding spaces do not count.
 */
export function parseAcknowledgements(text: string): Set<ChangeLine> {
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** The check's findings for a person, one change a line, ending in a newline. */
export function formatSchemaCheck(check: SchemaCheck, committedName: string, acknowledgementsName: string): string {
  if (check.identical) return `The schema matches ${committedName}.\n`;
  const lines: string[] = [`The schema differs from ${committedName}.`];
  if (check.breaking.length) {
    lines.push('', `Breaking changes (${check.breaking.length}):`);
    for (const { change, acknowledged } of check.breaking) lines.push(`  ${change}${acknowledged ? '  (acknowledged)' : ''}`);
  }
  if (check.dangerous.length) {
    lines.push('', `Dangerous changes (${check.dangerous.length}):`);
    for (const change of check.dangerous) lines.push(`  ${change}`);
  }
  const missing = unacknowledged(check);
  lines.push('');
  if (missing.length) {
    lines.push(
      `${missing.length} breaking change${missing.length === 1 ? ' is' : 's are'} not acknowledged. If the break is intended, copy the`,
      `line${missing.length === 1 ? '' : 's'} above into ${acknowledgementsName} with a comment saying why, then run \`npm run schema\`.`,
    );
  } else if (!check.breaking.length && !check.dangerous.length) {
    lines.push('No breaking or dangerous changes. Run `npm run schema` to update it.');
  } else {
    lines.push('No unacknowledged breaking changes. Run `npm run schema` to update it.');
  }
  return `${lines.join('\n')}\n`;
}

function subgraphSchema(sdl: string): GraphQLSchema {
  return buildSubgraphSchema(parse(sdl));
}
