import { parse, valueFromASTUntyped, type OperationDefinitionNode } from 'graphql';

/** One of the documented operations in schema/operations/, as the Examples panel lists it. */
export interface ExampleOperation {
  /** The operation's name, e.g. `HomePage`; GraphiQL names the tab after it. */
  readonly name: string;
  /** The first comment line, e.g. "Home page". */
  readonly title: string;
  /** Who the example is for: the `# For:` line, e.g. "frontend teams". */
  readonly audience: string;
  /** The rest of the leading comment, as one paragraph. */
  readonly description: string;
  /** The whole file, comment included: the comment is the example's documentation. */
  readonly query: string;
  /** The variables editor's text: every variable with its default, or null, so that a cursor has a place to go. */
  readonly variables: string;
}

/** The user groups of DESIGN.md, in the order the panel shows them. */
export const AUDIENCES = ['frontend teams', 'partner organisations', 'developers'] as const;

/**
 * Reads one example file: a leading `#` comment (title line, `For:` line, blank
 * comment line, description) followed by exactly one named operation. The
 * files are checked by tests/operations.test.ts; here a malformed one still
 * shows up, under its file name, rather than breaking the page.
 */
export function parseExample(file: string, source: string): ExampleOperation {
  const comment: string[] = [];
  for (const line of source.split('\n')) {
    if (!line.startsWith('#')) break;
    comment.push(line.replace(/^# ?/, ''));
  }
  const [title = file, ...rest] = comment;
  const forLine = rest.find((line) => /^For:/i.test(line));
  const description = rest.filter((line) => line !== forLine).join(' ').replace(/\s+/g, ' ').trim();
  const operation = parse(source).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const variables: Record<string, unknown> = {};
  for (const definition of operation?.variableDefinitions ?? []) {
    variables[definition.variable.name.value] = definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : null;
  }
  return {
    name: operation?.name?.value ?? file,
    title,
    audience: forLine?.replace(/^For:\s*/i, '').trim() ?? 'developers',
    description,
    query: source,
    variables: Object.keys(variables).length ? JSON.stringify(variables, null, 2) : '',
  };
}

/** Every example, bundled at build time from schema/operations/*.graphql, sorted by title. */
export const EXAMPLES: readonly ExampleOperation[] = Object.entries(
  import.meta.glob<string>('../../schema/operations/*.graphql', { query: '?raw', import: 'default', eager: true }),
)
  .map(([path, source]) => parseExample(path.replace(/^.*\//, ''), source))
  .sort((a, b) => a.title.localeCompare(b.title));
