import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** An operation's fragments by name. */
export type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;

/**
 * Calls `visit` for each field selected in a set, looking through inline
 * fragments and named ones. A fragment already being expanded on the current
 * path is skipped: a cycle is a validation error anyway, this keeps the walk finite.
 * `visit` is told whether a directive on a fragment around the field (`@skip`,
 * `@include`) may leave it out; the field's own directives are its to read.
 */
export function eachField(
  set: SelectionSetNode,
  fragments: Fragments,
  visiting: Set<string>,
  visit: (field: FieldNode, conditional: boolean) => void,
  conditional = false,
): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      visit(selection, conditional);
      continue;
    }
    const inner = conditional || Boolean(selection.directives?.length);
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      eachField(selection.selectionSet, fragments, visiting, visit, inner);
      continue;
    }
    const fragment = fragments[selection.name.value];
    if (!fragment || visiting.has(fragment.name.value)) continue;
    visiting.add(fragment.name.value);
    eachField(fragment.selectionSet, fragments, visiting, visit, inner);
    visiting.delete(fragment.name.value);
  }
}
