import { getMetadataStorage, validate, ValidateBy, type ValidationArguments, type ValidationError, type ValidationOptions } from 'class-validator';
import { withinEditableYears } from './date-time';
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
    const check = checkOf(item);
    if (check === PASSES) continue;
    // GraphQL already guarantees non-null fields; a missing nullable field is simply not given.
    const errors = await validate(item as object, { forbidUnknownValues: false, skipMissingProperties: true, validationError: { target: false, value: false } });
    if (errors.length === 0 && check.key) remember(check.passed!, check.key);
    fields.push(...flatten(errors, Array.isArray(value) ? `[${i}]` : ''));
  }
  if (fields.length) {
    const summary = fields.map((f) => `${f.field}: ${f.reasons.join('; ')}`).join(' | ');
    throw new BadUserInputError(`Invalid input: ${summary}`, { fields });
  }
}

/**
 * Whether {@link validateArgument} accepts `value` without validating
 * anything: it has no rules (paging arguments, scalars), or the same input
 * passed before (see {@link PASSED}). Resolvers called directly (see
 * `server/direct-resolvers.ts`) then skip TypeGraphQL's awaited validation;
 * anything else goes through it.
 */
export function knownValid(value: unknown): boolean {
  if (!Array.isArray(value)) return checkOf(value) === PASSES;
  for (const item of value) if (checkOf(item) !== PASSES) return false;
  return true;
}

/** An item needs no validation. */
const PASSES = Symbol('passes');

/** What validating one item takes: nothing ({@link PASSES}), or a run of its rules, remembered under `key` when it passes (if there is one). */
function checkOf(item: unknown): typeof PASSES | { key: string; passed: Set<string> | null } {
  if (item === null || typeof item !== 'object' || item instanceof Date) return PASSES;
  // Paging arguments have no rules and come with every list field of every row: they skip the (async) validator.
  const rules = rulesOf(item.constructor);
  if (!rules.any) return PASSES;
  const passed = rules.valueOnly ? passedOf(item.constructor) : null;
  const json = passed ? JSON.stringify(item) : '';
  const key = json.length <= MAX_REMEMBERED_LENGTH ? json : '';
  if (key && passed!.has(key)) return PASSES;
  return { key, passed };
}

const RULES = new WeakMap<Function, { any: boolean; valueOnly: boolean }>();

/**
 * Inputs that passed, by class and JSON, for classes whose every rule is a
 * function of the values alone ({@link VALUE_ONLY_RULES}: lengths, patterns,
 * sizes and bounds of strings, numbers and lists, which GraphQL has already
 * coerced): an input with the same JSON passes again, so the filter a page
 * sends on every request is checked once, not on each (class-validator
 * collects a class's rules afresh on every call, about 2% of a nation page's
 * CPU). A class with any other rule (a date's, a conditional one, a custom
 * constraint that might look elsewhere) is validated every time, as is an
 * input longer than {@link MAX_REMEMBERED_LENGTH} (an edit's body: never sent
 * twice, and too large to keep). Failures are not remembered: they are rare and
 * their message is built each time.
 */
const PASSED = new WeakMap<Function, Set<string>>();
/** Inputs kept per class; the set starts again past it, so that clients sending endless variations cannot grow it. */
const MAX_PASSED = 1_000;
/** The longest input JSON remembered: at most about 2 MB a class (1,000 × 2,048 characters). */
const MAX_REMEMBERED_LENGTH = 2_048;

/**
 * class-validator rules (`type:name`) whose verdict depends on the value
 * alone, for which equal JSON means an equal verdict. A rule added to an
 * input that is not here turns remembering off for that class.
 */
const VALUE_ONLY_RULES = new Set([
  'customValidation:arrayMaxSize',
  'customValidation:arrayMinSize',
  'customValidation:matches',
  'customValidation:maxLength',
  'customValidation:minLength',
  'customValidation:isUrl',
  'customValidation:isInt',
  'customValidation:min',
  'customValidation:max',
  // Editing inputs' own rules (editing/content.inputs.ts): functions of the input's values alone.
  'customValidation:withinEditableYears',
  'customValidation:notBefore',
  'conditionalValidation:isOptional',
]);

function passedOf(target: Function): Set<string> {
  let passed = PASSED.get(target);
  if (!passed) PASSED.set(target, (passed = new Set()));
  return passed;
}

function remember(passed: Set<string>, key: string): void {
  if (passed.size >= MAX_PASSED) passed.clear();
  passed.add(key);
}

/** What a class's rules allow: whether it has any, and whether a pass may be remembered (see {@link PASSED}). */
function rulesOf(target: Function): { any: boolean; valueOnly: boolean } {
  let known = RULES.get(target);
  if (known === undefined) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
    known = { any: rules.length > 0, valueOnly: rules.every((rule) => VALUE_ONLY_RULES.has(`${rule.type}:${rule.name}`)) };
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

/** The date (or day) is within years 1 to 9999 (see {@link withinEditableYears}). */
export function WithinEditableYears(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'withinEditableYears',
      validator: {
        validate: (value: unknown) => (value instanceof Date || typeof value === 'string') && withinEditableYears(value),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be between 0001-01-01 and 9999-12-31`,
      },
    },
    options,
  );
}
