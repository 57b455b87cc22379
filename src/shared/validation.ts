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
    const passed = passedOf(item.constructor);
    const key = JSON.stringify(item);
    if (passed.has(key)) continue;
    // GraphQL already guarantees non-null fields; a missing nullable field is simply not given.
    const errors = await validate(item, { forbidUnknownValues: false, skipMissingProperties: true, validationError: { target: false, value: false } });
    if (errors.length === 0) remember(passed, key);
    fields.push(...flatten(errors, Array.isArray(value) ? `[${i}]` : ''));
  }
  if (fields.length) {
    const summary = fields.map((f) => `${f.field}: ${f.reasons.join('; ')}`).join(' | ');
    throw new BadUserInputError(`Invalid input: ${summary}`, { fields });
  }
}

const RULES = new WeakMap<Function, boolean>();

/**
 * Inputs that passed, by class and JSON. The rules are functions of the
 * values alone (lengths, patterns, sizes of strings, numbers, lists and dates,
 * which GraphQL has already coerced), so an input with the same JSON passes
 * again: the filter a page sends on every request is checked once, not on
 * each (class-validator collects a class's rules afresh on every call, about
 * 2% of a nation page's CPU). Failures are not remembered: they are rare and
 * their message is built each time.
 */
const PASSED = new WeakMap<Function, Set<string>>();
/** Inputs kept per class; the set starts again past it, so that clients sending endless variations cannot grow it. */
const MAX_PASSED = 1_000;

function passedOf(target: Function): Set<string> {
  let passed = PASSED.get(target);
  if (!passed) PASSED.set(target, (passed = new Set()));
  return passed;
}

function remember(passed: Set<string>, key: string): void {
  if (passed.size >= MAX_PASSED) passed.clear();
  passed.add(key);
}

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
