import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { BadUserInputError } from './errors';

/** One rejected field: where it is inside the argument, and why. */
export interface FieldError {
  readonly field: string;
  readonly reasons: string[];
}

/**
 * TypeGraphQL's `validateFn`: checks input objects with their class-validator
 * rules and, when any fails, throws one `BAD_USER_INPUT` that names every
 * rejected field and its reasons in `extensions.fields`.
 */
export async function validateArgument(value: unknown): Promise<void> {
  const values = Array.isArray(value) ? value : [value];
  const fields: FieldError[] = [];
  for (const [i, item] of values.entries()) {
    if (item === null || typeof item !== 'object' || item instanceof Date || !hasRules(item.constructor)) continue;
    // GraphQL already guarantees non-null fields; a missing nullable field is simply not given.
    const errors = await validate(item, { forbidUnknownValues: false, skipMissingProperties: true, validationError: { target: false, value: false } });
    fields.push(...flatten(errors, Array.isArray(value) ? `[${i}]` : ''));
  }
  if (fields.length) {
    const summary = fields.map((f) => `${f.field}: ${f.reasons.join('; ')}`).join(' | ');
    throw new BadUserInputError(`Invalid input: ${summary}`, { fields });
  }
}

const RULES = new WeakMap<Function, boolean>();

/**
 * Whether a class has any class-validator rules. Paging arguments have none and
 * come with every list field of every row, so they skip the (async) validator.
 */
function hasRules(target: Function): boolean {
  let known = RULES.get(target);
  if (known === undefined) {
    known = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false).length > 0;
    RULES.set(target, known);
  }
  return known;
}

function flatten(errors: ValidationError[], prefix: string): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own: FieldError[] = error.constraints ? [{ field, reasons: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
