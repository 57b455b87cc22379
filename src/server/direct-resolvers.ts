import path from 'node:path';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { GraphQLFieldResolver } from 'graphql';

/**
 * Resolvers the executors call without TypeGraphQL's per-call machinery,
 * where that machinery would do nothing: no roles, no middleware, and
 * arguments whose validation is already known to pass. Read from TypeGraphQL's
 * own metadata, so that a field that gains a role or a middleware goes back to
 * TypeGraphQL's resolver without anyone remembering to take it off a list.
 */

/** What is read here of TypeGraphQL's store of decorator metadata (it does not export its accessor from the package root). */
interface MetadataStore {
  objectTypes: ClassMetadata[];
  interfaceTypes: ClassMetadata[];
  fieldResolvers: FieldResolverMetadata[];
  queries: HandlerMetadata[];
  params: ParamMetadata[];
}

interface ClassMetadata {
  name: string;
  target: Function;
  interfaceClasses?: Function[];
  fields?: FieldMetadata[];
}

interface FieldMetadata {
  target: Function;
  name: string;
  schemaName: string;
  params?: unknown[];
  roles?: unknown[];
  middlewares?: unknown[];
}

/** What the schema was built with, as far as it decides which resolvers TypeGraphQL would run. */
export interface DirectBuildOptions {
  /** The resolver classes given to `buildSchema` (TypeGraphQL ignores the field resolvers of any other). */
  readonly resolvers: readonly Function[];
  readonly globalMiddlewares?: readonly unknown[];
  readonly container?: unknown;
  /** `buildSchema`'s `validate` (TypeGraphQL's default is false: no validation). */
  readonly validate?: unknown;
  /** `buildSchema`'s `validateFn`, which TypeGraphQL awaits for every argument of every call. */
  readonly validateFn?: Function;
  /**
   * With a `validateFn`: whether it is known to accept an argument (already
   * converted to its class) without validating anything (no rules, or the
   * same value passed before), so that the call may skip it. Without this,
   * fields with arguments keep TypeGraphQL's resolver.
   */
  readonly knownValid?: (value: unknown) => boolean;
}

/** A root operation (`@Query`) as TypeGraphQL's metadata holds it after the build. */
interface HandlerMetadata {
  target: Function;
  methodName: string;
  schemaName: string;
  roles?: unknown[];
  middlewares?: unknown[];
}

interface FieldResolverMetadata {
  /** The resolver class (`external`), or the object type class whose own method it is (`internal`). */
  target: Function;
  kind: 'external' | 'internal';
  methodName: string;
  schemaName?: string;
  getObjectType?: () => unknown;
  roles?: unknown[];
  middlewares?: unknown[];
}

interface ParamMetadata {
  target: Function;
  methodName: string;
  index: number;
  kind: string;
  propertyName?: string;
  getType?: () => unknown;
  /** `@Arg`'s name. */
  name?: string;
  /** A parameter's own validation settings or function, which override the build's. */
  validateSettings?: unknown;
  validateFn?: unknown;
}

function metadataStore(): MetadataStore | undefined {
  return (globalThis as { TypeGraphQLMetadataStorage?: MetadataStore }).TypeGraphQLMetadataStorage;
}

/**
 * A type's fields as TypeGraphQL builds them (schema-generator.js, `fields`):
 * its direct interfaces' fields, then its own, the last of a schema name winning.
 */
function typeFields(store: MetadataStore, type: ClassMetadata): FieldMetadata[] {
  const fields = new Map<string, FieldMetadata>();
  for (const field of [...store.interfaceTypes.filter((it) => type.interfaceClasses?.includes(it.target)).flatMap((it) => it.fields ?? []), ...(type.fields ?? [])]) {
    fields.set(field.schemaName, field);
  }
  return [...fields.values()];
}

/**
 * The field resolver TypeGraphQL runs for a field, by its own rule: one of a
 * class given to buildSchema (or the type's own method), declared for the
 * class that declared the field, under the field's property name. None: it
 * gives the field its basic resolver, which reads `root[field.name]`.
 */
function resolverOf(store: MetadataStore, field: FieldMetadata, build: DirectBuildOptions): FieldResolverMetadata | undefined {
  return store.fieldResolvers.find((it) => (it.kind === 'internal' || build.resolvers.includes(it.target)) && it.getObjectType?.() === field.target && it.methodName === field.name);
}

/**
 * Lets the executors read basic fields themselves. TypeGraphQL gives every
 * field of a type without `simpleResolvers` a resolver of its own, which
 * makes an object, a closure and a middleware dispatch for each field of each
 * row (a page of 50 posts: 250 of them) only to read `root[name]`. A field
 * without arguments, roles or middleware, and without a field resolver (by
 * TypeGraphQL's own rule, {@link resolverOf}) loses that resolver: graphql-js' default resolver and graphql-jit
 * read the property, as TypeGraphQL's `simpleResolvers` would; a field whose
 * schema name differs from its property (`id`, read from `nodeId`) reads its
 * property directly. Every other field keeps TypeGraphQL's resolver, and with
 * it authorisation and argument validation.
 *
 * A property read this way must hold its value, not a promise or a function:
 * graphql-jit serialises what it finds without awaiting it (see
 * `resolvePromisedCounts` in fast-path.ts for the one such field, `totalCount`,
 * which keeps a resolver), and graphql-js would call a function.
 */
export function readBasicFieldsDirectly(resolvers: GraphQLResolverMap<unknown>, build: DirectBuildOptions): void {
  const store = metadataStore();
  if (!store || build.globalMiddlewares?.length) return;
  for (const type of store.objectTypes) {
    const fields = resolvers[type.name] as Record<string, unknown> | undefined;
    if (!fields) continue;
    for (const field of typeFields(store, type)) {
      if (!(field.schemaName in fields) || field.params?.length || field.roles || field.middlewares?.length || resolverOf(store, field, build)) continue;
      const property = field.name;
      if (property === field.schemaName) delete fields[field.schemaName];
      else fields[field.schemaName] = (root: Record<string, unknown>) => root[property];
    }
  }
}

type Read = (root: unknown, args: Record<string, unknown>, context: unknown, info: unknown) => unknown;

/** Reads of the parameters a direct call passes whole: the parent object, the context and the resolve info. */
const WHOLE: Record<string, Read> = { root: (root) => root, context: (_root, _args, context) => context, info: (_root, _args, _context, info) => info };

type Invoke = (method: Function, self: unknown, root: unknown, args: Record<string, unknown>, context: unknown, info: unknown) => unknown;

/** Calls a method with parameters read whole, in their declared order, without building an array per call; null past three. */
function invoker(reads: readonly Read[]): Invoke | null {
  const [a, b, c] = reads;
  switch (reads.length) {
    case 0:
      return (method, self) => method.call(self);
    case 1:
      return (method, self, root, args, context, info) => method.call(self, a(root, args, context, info));
    case 2:
      return (method, self, root, args, context, info) => method.call(self, a(root, args, context, info), b(root, args, context, info));
    case 3:
      return (method, self, root, args, context, info) => method.call(self, a(root, args, context, info), b(root, args, context, info), c(root, args, context, info));
    default:
      return null;
  }
}

/** TypeGraphQL's conversion of arguments to instances of their classes (`resolvers/convert-args`, which the package does not export). */
interface ArgumentConversion {
  convertArgsToInstance(param: ParamMetadata, args: Record<string, unknown>): unknown;
  convertArgToInstance(param: ParamMetadata, args: Record<string, unknown>): unknown;
}

let conversion: ArgumentConversion | null | undefined;

/** Loaded from TypeGraphQL's own build, so that arguments arrive exactly as TypeGraphQL would pass them; null if its layout changed. */
function argumentConversion(): ArgumentConversion | null {
  if (conversion !== undefined) return conversion;
  try {
    const loaded = require(path.join(path.dirname(require.resolve('type-graphql')), 'resolvers', 'convert-args.js')) as Partial<ArgumentConversion>;
    conversion = typeof loaded.convertArgsToInstance === 'function' && typeof loaded.convertArgToInstance === 'function' ? (loaded as ArgumentConversion) : null;
  } catch {
    conversion = null;
  }
  return conversion;
}

/**
 * Calls resolvers directly, as the method TypeGraphQL would call, in place of
 * TypeGraphQL's resolver: root queries and field resolvers without roles or
 * middleware (on the resolver, its class or the field) whose parameters are
 * the parent object, the context, the resolve info (`@Root`, `@Ctx`, `@Info`)
 * and arguments (`@Arg`, `@Args`). TypeGraphQL's resolver fetches the
 * resolver instance from its container, builds the parameter list by sorting
 * and mapping the parameters' metadata, converts the parent to the declared
 * class, dispatches through the middleware chain, and awaits the validation
 * of each argument, an async function even when there is nothing to check:
 * per parent object, for every item of a page (an item's nations, a nation's
 * projects). Here arguments are converted to their classes by TypeGraphQL's
 * own conversion, and the call goes ahead at once when the build's
 * validation is known to accept them ({@link DirectBuildOptions.knownValid}:
 * no rules, or the same value passed before); otherwise that call goes to
 * TypeGraphQL's resolver, which validates (and refuses) as it always does.
 *
 * Which resolver a type's field runs is decided as TypeGraphQL decides it (the
 * resolver classes given to `buildSchema`, the class that declared the field,
 * a type's own field over its interface's), so that a type overriding an
 * interface's field keeps its own. A parent that is not already an instance
 * of the declared class (which TypeGraphQL would convert) is handed to
 * TypeGraphQL's resolver on that call. With global middleware or a container
 * of its own, nothing is changed; with a parameter's own validation settings,
 * or class-validator run by TypeGraphQL (`validate`), that field is left alone.
 *
 * The resolver class is made once, here, as TypeGraphQL's default container
 * makes it once; only classes whose constructor takes no argument qualify.
 *
 * @returns the fields now called directly, as `Type.field`.
 */
export function callResolversDirectly(resolvers: GraphQLResolverMap<unknown>, build: DirectBuildOptions): string[] {
  const store = metadataStore();
  // Global middleware or another container would change what TypeGraphQL's resolvers do: leave them all alone then.
  if (!store || build.globalMiddlewares?.length || build.container) return [];
  const claims = new Map<string, { field: FieldMetadata | null; resolver: FieldResolverMetadata | HandlerMetadata }>();
  for (const type of store.objectTypes) {
    for (const field of typeFields(store, type)) {
      const resolver = resolverOf(store, field, build);
      if (resolver) claims.set(`${type.name}.${field.schemaName}`, { field, resolver });
    }
  }
  // TypeGraphQL's root fields: the queries of the classes given to buildSchema, the last of a name winning.
  // A query inherited by a resolver class given too is TypeGraphQL's to run (it moves it onto the subclass in its own copy of the metadata).
  const inherited = (target: Function) => build.resolvers.some((other) => other !== target && other.prototype instanceof target);
  for (const query of store.queries) {
    if (build.resolvers.includes(query.target) && !inherited(query.target)) claims.set(`Query.${query.schemaName}`, { field: null, resolver: query });
  }

  // Arguments are passed directly when TypeGraphQL's conversion is at hand and their validation can be settled here:
  // with a validateFn (which TypeGraphQL prefers over `validate`), by `knownValid`; without one, only if nothing validates.
  const validated = build.validateFn !== undefined;
  const knownValid = validated ? build.knownValid : build.validate ? undefined : () => true;
  const convert = knownValid ? argumentConversion() : null;

  const direct: string[] = [];
  const instances = new Map<Function, object>();
  for (const [key, { field, resolver }] of claims) {
    if (resolver.roles !== undefined || resolver.middlewares?.length || field?.roles !== undefined || field?.middlewares?.length) continue;
    const params = store.params.filter((param) => param.target === resolver.target && param.methodName === resolver.methodName).sort((a, b) => a.index - b.index);
    const reads: Read[] = [];
    const checked: boolean[] = [];
    for (const param of params) {
      if (param.kind in WHOLE && !param.propertyName) {
        reads.push(WHOLE[param.kind]);
        checked.push(false);
      } else if ((param.kind === 'args' || param.kind === 'arg') && convert) {
        if (param.validateSettings !== undefined || param.validateFn !== undefined) break;
        reads.push(param.kind === 'args' ? (_root, args) => convert.convertArgsToInstance(param, args) : (_root, args) => convert.convertArgToInstance(param, args));
        checked.push(validated);
      } else break;
    }
    if (reads.length !== params.length) continue;
    const [typeName, fieldName] = key.split('.');
    const fields = resolvers[typeName] as Record<string, GraphQLFieldResolver<unknown, unknown>> | undefined;
    const original = fields?.[fieldName];
    if (typeof original !== 'function') continue;
    // The classes the parent must already be: the declared root type and, for a type's own method, the type itself.
    const rootClasses = params.flatMap((param) => {
      const type = param.kind === 'root' ? param.getType?.() : undefined;
      return typeof type === 'function' ? [type] : [];
    });
    let self: object | null = null;
    if (!('kind' in resolver) || resolver.kind === 'external') {
      if (resolver.target.length > 0) continue;
      self = instances.get(resolver.target) ?? new (resolver.target as new () => object)();
      instances.set(resolver.target, self);
    } else {
      const owner = resolver.getObjectType?.();
      if (typeof owner !== 'function') continue;
      rootClasses.push(owner);
    }
    const method = self ? ((self as Record<string, unknown>)[resolver.methodName] as Function) : null;
    if (self && typeof method !== 'function') continue;
    const methodName = resolver.methodName;
    const invoke = checked.includes(true) ? null : invoker(reads);
    if (invoke) {
      // Nothing to validate: the parameters are read as the call is made.
      fields![fieldName] = (root, args, context, info) => {
        for (const type of rootClasses) if (!(root instanceof type)) return original(root, args, context, info);
        if (method) return invoke(method, self, root, args as Record<string, unknown>, context, info);
        // A type's own method (or a getter's value), called on the parent itself, as TypeGraphQL does.
        const handler = (root as Record<string, unknown>)[methodName];
        return typeof handler === 'function' ? invoke(handler, root, root, args as Record<string, unknown>, context, info) : handler;
      };
    } else {
      fields![fieldName] = (root, args, context, info) => {
        for (const type of rootClasses) if (!(root instanceof type)) return original(root, args, context, info);
        const values = new Array<unknown>(reads.length);
        for (let i = 0; i < reads.length; i++) {
          const value = reads[i](root, args as Record<string, unknown>, context, info);
          // Not known to pass: TypeGraphQL's resolver validates this call (and refuses it, if it must).
          if (checked[i] && !knownValid!(value)) return original(root, args, context, info);
          values[i] = value;
        }
        if (method) return method.apply(self, values);
        const handler = (root as Record<string, unknown>)[methodName];
        return typeof handler === 'function' ? handler.apply(root, values) : handler;
      };
    }
    direct.push(key);
  }
  return direct.sort();
}
