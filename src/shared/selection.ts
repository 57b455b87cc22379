import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** An operation's fragments by name. */
export type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;

/**
 * Calls `visit` for each field selected in a set, looking through inline
 * fragments and named ones. A fragment already being expanded on the current
 * path is skipped: a cycle is a validation error anyway, this keeps the walk finite.
 */
export function eachField(set: SelectionSetNode, fragments: Fragments, visiting: Set<string>, visit: (field: FieldNode) => void): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, fragments, visiting, visit);
    else {
      const fragment = fragments[selection.name.value];
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      eachField(fragment.selectionSet, fragments, visiting, visit);
      visiting.delete(fragment.name.value);
    }
  }
}

