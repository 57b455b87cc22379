import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { GraphQLFieldResolver } from 'graphql';

/**
 * Resolvers the executors call without TypeGraphQL's per-call machinery,
 * where that machinery would do nothing: no arguments to convert or validate,
 * no roles, no middleware. Read from TypeGraphQL's own metadata, so that a
 * field that gains an argument, a role or a middleware goes back to
 * TypeGraphQL's resolver without anyone remembering to take it off a list.
 */

/** What is read here of TypeGraphQL's store of decorator metadata (it does not export its accessor from the package root). */
interface MetadataStore {
  objectTypes: ClassMetadata[];
  interfaceTypes: ClassMetadata[];
  fieldResolvers: FieldResolverMetadata[];
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

/** The parameters a direct call can pass itself: the parent object, the context and the resolve info, whole. */
const DIRECT_PARAMS = new Set(['root', 'context', 'info']);

type Pick = (root: unknown, context: unknown, info: unknown) => unknown;
const PICK: Record<string, Pick> = { root: (root) => root, context: (_root, context) => context, info: (_root, _context, info) => info };
type Invoke = (method: Function, self: unknown, root: unknown, context: unknown, info: unknown) => unknown;

/** Calls a method with its parameters in their declared order, without building an array per call; null past three parameters. */
function invoker(kinds: readonly string[]): Invoke | null {
  const [a, b, c] = kinds.map((kind) => PICK[kind]);
  switch (kinds.length) {
    case 0:
      return (method, self) => method.call(self);
    case 1:
      return (method, self, root, context, info) => method.call(self, a(root, context, info));
    case 2:
      return (method, self, root, context, info) => method.call(self, a(root, context, info), b(root, context, info));
    case 3:
      return (method, self, root, context, info) => method.call(self, a(root, context, info), b(root, context, info), c(root, context, info));
    default:
      return null;
  }
}

/**
 * Calls field resolvers that take only the parent object, the context and the
 * resolve info (`@Root`, `@Ctx`, `@Info`) directly, as the method TypeGraphQL
 * would call, in place of TypeGraphQL's resolver. That resolver fetches the
 * resolver instance from its container, builds the parameter list by sorting
 * and mapping the parameters' metadata, converts the parent to the declared
 * class, and dispatches through the middleware chain: per parent object, for
 * every item of a page (an item's nations, a story's campaign). A resolver
 * with roles, middleware, arguments or a parameter of any other kind keeps
 * TypeGraphQL's resolver, as does a field with roles or middleware of its own.
 * Which resolver a type's field runs is decided as TypeGraphQL decides it (the
 * resolver classes given to `buildSchema`, the class that declared the field,
 * a type's own field over its interface's), so that a type overriding an
 * interface's field keeps its own. A parent that is not already an instance of
 * the declared class (which TypeGraphQL would convert) is handed to
 * TypeGraphQL's resolver on that call. With global middleware or a container
 * of its own, nothing is changed.
 *
 * The resolver class is made once, here, as TypeGraphQL's default container
 * makes it once; only classes whose constructor takes no argument qualify.
 *
 * @returns the fields now called directly, as `Type.field`.
 */
export function callFieldResolversDirectly(resolvers: GraphQLResolverMap<unknown>, build: DirectBuildOptions): string[] {
  const store = metadataStore();
  // Global middleware or another container would change what TypeGraphQL's resolvers do: leave them all alone then.
  if (!store || build.globalMiddlewares?.length || build.container) return [];
  const claims = new Map<string, { field: FieldMetadata; resolver: FieldResolverMetadata }>();
  for (const type of store.objectTypes) {
    for (const field of typeFields(store, type)) {
      const resolver = resolverOf(store, field, build);
      if (resolver) claims.set(`${type.name}.${field.schemaName}`, { field, resolver });
    }
  }
  const direct: string[] = [];
  const instances = new Map<Function, object>();
  for (const [key, { field, resolver }] of claims) {
    if (resolver.roles !== undefined || resolver.middlewares?.length || field.roles !== undefined || field.middlewares?.length) continue;
    const params = store.params.filter((param) => param.target === resolver.target && param.methodName === resolver.methodName).sort((a, b) => a.index - b.index);
    if (!params.every((param) => DIRECT_PARAMS.has(param.kind) && !param.propertyName)) continue;
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
    if (resolver.kind === 'external') {
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
    const invoke = invoker(params.map((param) => param.kind));
    if (!invoke) continue;
    const methodName = resolver.methodName;
    fields![fieldName] = (root, args, context, info) => {
      for (const type of rootClasses) if (!(root instanceof type)) return original(root, args, context, info);
      if (method) return invoke(method, self, root, context, info);
      // A type's own method (or a getter's value), called on the parent itself, as TypeGraphQL does.
      const handler = (root as Record<string, unknown>)[methodName];
      return typeof handler === 'function' ? invoke(handler, root, root, context, info) : handler;
    };
    direct.push(key);
  }
  return direct.sort();
}
