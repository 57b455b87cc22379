import { createHash } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import {
  getOperationAST,
  isInputType,
  isObjectType,
  parse,
  specifiedRules,
  typeFromAST,
  validate,
  valueFromAST,
  type DocumentNode,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { Limits } from '../config';
import { checkAllowList } from '../protection/checks';
import { checkShape, costOf, fragmentsOf } from '../protection/limits';
import { RateLimitedError, type RateLimiter } from '../protection/rate-limit';
import { refuseNulInDocument, refuseNulInVariables } from '../shared/text-input';
import type { GatewayContext } from './context';

/**
 * The fast path for known operations: a document seen before (an example
 * operation, a persisted or allow-listed one, anything a client sent twice)
 * runs through a compiled executor (graphql-jit) with its parse, validation
 * and shape limits done once and cached, instead of through Apollo's request
 * pipeline.
 *
 * It never decides anything differently from the normal path: it runs the
 * same checks (`protection/`: allow-list, depth, aliases, root fields, cost,
 * the rate limit) on the same context (the viewer's role decides what the
 * resolvers show; drafts stay hidden), and whenever a check refuses, the
 * variables do not fit, or the result carries any error, it hands the request
 * to the normal path, which answers it (so every refusal and every error is
 * Apollo's own answer, byte for byte). What it sends itself is what Apollo
 * would send for an error-free result: `{"data":…,"extensions":{"cost":…}}`.
 *
 * Only single POSTed queries (no batch, no mutation or subscription) whose
 * Accept header the normal path has answered before take it.
 */

/** Apollo's key prefix for automatic persisted queries in the shared cache. */
const APQ_PREFIX = 'apq:';
/**
 * Documents kept prepared, the least recently used dropped past either bound
 * (clients cannot grow it without bound): a count, and their texts' length in
 * all. A parsed document (without locations) takes about 17 times its text,
 * so 1 M characters of text hold about 17 MB: some thousand documents of the
 * usual size, or 64 at the longest a query may be.
 */
const MAX_DOCUMENTS = 500;
const MAX_DOCUMENT_CHARS = 1_048_576;
/** Texts seen once, waiting for a second request to be prepared; the oldest dropped past either bound. */
const MAX_SEEN = 2_000;
const MAX_SEEN_CHARS = 1_048_576;
/** Accept headers whose content type is known; the oldest dropped past it. */
const MAX_ACCEPTS = 100;
/**
 * An operation whose result carries errors is run twice: here, then by the
 * normal path, which answers it. After this many such runs in a row by one
 * caller (a client polling with a field its key may not read, an id that is
 * gone), that caller's next {@link REST_REQUESTS} requests of it go straight
 * to the normal path, then it is tried here again; a run without errors ends
 * the count. Counted per caller, so that nobody's errors send anyone else's
 * requests the slower way; past {@link MAX_ERRING} callers and operations at
 * once, all counts start again (the cost: some operations run twice again).
 */
const ERRED_BEFORE_REST = 3;
const REST_REQUESTS = 100;
const MAX_ERRING = 1_000;

export interface FastPathOptions {
  readonly schema: GraphQLSchema;
  readonly limits: Limits;
  readonly rateLimiter: RateLimiter;
  readonly persistedQueries: KeyValueCache<string>;
  /** Operation names labelled in metrics (the examples'). */
  readonly knownOperations: ReadonlySet<string>;
}

/** A document ready to run: parsed, validated, its shape checked, each operation compiled on first use. */
interface Prepared {
  readonly text: string;
  readonly document: DocumentNode;
  readonly queryHash: string;
  /** The shape check's refusal, or a string holding U+0000, if any: such a document always goes to the normal path. */
  readonly shapeRefused: boolean;
  /** By the operation name requests give ('' for none): only names the document defines are kept. Null: not a query. */
  readonly operations: Map<string, Operation | null>;
}

/** A query operation of a prepared document, compiled once a request for it has passed the checks. */
interface Operation {
  readonly operation: OperationDefinitionNode;
  readonly name: string | undefined;
  /** Undefined until first run; null when graphql-jit cannot run it (the normal path does). */
  runnable?: Runnable | null;
}

/** One caller's runs of one operation that erred, each then run again by the normal path to answer it. */
interface Erring {
  /** Runs in a row whose result carried errors. */
  erred: number;
  /** Requests still to send straight to the normal path. */
  resting: number;
}

interface Runnable {
  readonly compiled: CompiledQuery;
  /**
   * Default values of the variables that have one. graphql-jit refuses a
   * non-null variable with a default when it is not sent (`$slug: String! = "…"`,
   * as the example operations declare), where graphql-js uses the default: the
   * fast path fills them in first, as graphql-js would.
   */
  readonly defaults: readonly (readonly [string, unknown])[];
}

/** A request the fast path took: what to send, shaped as Apollo's answers are. */
export interface FastAnswer {
  readonly status: 200;
  readonly headers: HeaderMap;
  readonly body: { readonly kind: 'complete'; readonly string: string };
}

/** What the fast path decided for a request. */
export type FastOutcome =
  | { readonly kind: 'answered'; readonly answer: FastAnswer }
  /** Not for the fast path: the normal path runs the request from the start. */
  | { readonly kind: 'normal' }
  /** Charged to the rate limit already (or refused by it): the normal path must not charge it again. */
  | { readonly kind: 'fallback' };

/** The request as the HTTP layer parsed it. */
export interface FastRequest {
  readonly body: unknown;
  readonly accept: string | undefined;
  /** Who sends it: the key's id, or the client's address when anonymous. */
  readonly caller: string;
}

/** A text's size in the caches' character budgets (lru-cache counts sizes from 1). */
const textSize = (_: unknown, text: string) => Math.max(1, text.length);

/** A document that does not parse or validate, remembered so as not to parse it again (lru-cache keeps no null). */
const UNPREPARED = Symbol('unprepared');

export class FastPath {
  /** Prepared documents by text, the least recently used dropped first. */
  private readonly documents = new LRUCache<string, Prepared | typeof UNPREPARED>({ max: MAX_DOCUMENTS, maxSize: MAX_DOCUMENT_CHARS, sizeCalculation: textSize });
  /** Texts seen once, the oldest dropped first. */
  private readonly seen = new LRUCache<string, true>({ max: MAX_SEEN, maxSize: MAX_SEEN_CHARS, sizeCalculation: textSize });
  /** The content type the normal path chose for each Accept header it answered. */
  private readonly contentTypes = new Map<string, string>();
  /** Callers' operations whose recent runs erred (see {@link ERRED_BEFORE_REST}), by caller, document and operation name; empty while none do. */
  private readonly erring = new Map<string, Erring>();
  /** How many requests took the fast path, and how many it handed back to the normal path after starting. */
  readonly stats = { answered: 0, fellBack: 0, normal: 0 };

  constructor(private readonly options: FastPathOptions) {
    resolvePromisedCounts(options.schema);
  }

  /** What the caches hold now, in entries and characters of text (the tests check the bounds). */
  cacheSizes(): { documents: number; documentChars: number; seen: number; seenChars: number } {
    return { documents: this.documents.size, documentChars: this.documents.calculatedSize, seen: this.seen.size, seenChars: this.seen.calculatedSize };
  }

  /** Prepares documents ahead of their first request (the example operations). */
  warm(texts: readonly string[]): void {
    for (const text of texts) this.prepare(text);
  }

  /** Notes the content type the normal path answered an Accept header with, so that the fast path answers it the same. */
  learnContentType(accept: string | undefined, contentType: string | undefined): void {
    if (!contentType || this.contentTypes.has(accept ?? '')) return;
    if (this.contentTypes.size >= MAX_ACCEPTS) this.contentTypes.delete(this.contentTypes.keys().next().value!);
    this.contentTypes.set(accept ?? '', contentType);
  }

  /**
   * Runs a request on the fast path if it can. `context` is made only when the
   * fast path takes the request; the caller passes the same one to the normal
   * path when the outcome is `fallback`.
   */
  async run(request: FastRequest, context: () => GatewayContext): Promise<FastOutcome> {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return this.normal();
    const { query, variables, operationName, extensions } = body as Record<string, unknown>;
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return this.normal();
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return this.normal();

    let text: string | undefined;
    if (extensions === undefined || extensions === null) {
      if (typeof query !== 'string') return this.normal();
      text = query;
    } else {
      // A persisted query sent by its hash alone: the normal path's cache says what it is.
      const persisted = typeof extensions === 'object' ? (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } }).persistedQuery : undefined;
      if (!persisted || query !== undefined || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') return this.normal();
      text = await this.options.persistedQueries.get(APQ_PREFIX + persisted.sha256Hash);
      if (text === undefined) return this.normal();
    }

    const prepared = this.lookup(text);
    const contentType = this.contentTypes.get(request.accept ?? '');
    if (!prepared || prepared.shapeRefused || !contentType) return this.normal();
    const operation = this.operationOf(prepared, (operationName as string | null | undefined) ?? undefined);
    // Known not to compile, or erring lately: straight to the normal path, before any check or execution is paid for twice.
    if (!operation || operation.runnable === null) return this.normal();
    // Built only while some caller's runs err: most requests never pay for the key.
    const erringKey = this.erring.size ? erringKeyOf(request, prepared, operation) : null;
    const erring = erringKey === null ? undefined : this.erring.get(erringKey);
    if (erring && erring.resting > 0) {
      if (--erring.resting === 0) this.erring.delete(erringKey!);
      return this.normal();
    }

    const ctx = context();
    const vars = (variables ?? {}) as Record<string, unknown>;
    const name = operation.name;
    if (name && (this.options.knownOperations.has(name) || ctx.viewer.allowedOperations?.includes(prepared.queryHash))) ctx.measured.operation = name;

    // The checks of protection/checks.ts: the shape and the document's text were checked once for the document; the allow-list depends on the key, the variables' text and the cost on the variables.
    try {
      checkAllowList(ctx.viewer, prepared.queryHash);
      refuseNulInVariables(vars);
    } catch {
      return this.normal();
    }
    let cost: number | null;
    try {
      cost = costOf(this.options.schema, prepared.document, name ?? null, vars);
    } catch {
      return this.normal();
    }
    if (cost === null || cost > this.options.limits.maxCost) return this.normal();
    ctx.measured.cost = cost;

    let rateHeaders: Readonly<Record<string, string>> | null;
    try {
      rateHeaders = await this.options.rateLimiter.consume(ctx, Math.max(1, cost));
    } catch (error) {
      // Anything but a refusal (a store failing): the normal path charges again and answers as it does.
      if (!(error instanceof RateLimitedError)) return this.normal();
      ctx.measured.charged = { error };
      return this.fellBack();
    }
    ctx.measured.charged = { headers: rateHeaders };

    // Compiled only now, for a request that passed every check: a document that keeps being refused costs no compilation.
    const runnable = this.runnable(prepared, operation);
    if (!runnable) return this.fellBack();
    let executed = vars;
    for (const [variable, value] of runnable.defaults) {
      if (executed[variable] !== undefined) continue;
      // A spread copy, not Object.assign: the variables are the client's JSON, whose own `__proto__` key Object.assign would make the copy's prototype.
      if (executed === vars) executed = { ...vars };
      executed[variable] = value;
    }
    const result = await runnable.compiled.query(undefined, ctx, executed);
    if (result.errors?.length || !result.data) {
      let state = erring;
      if (!state) {
        if (this.erring.size >= MAX_ERRING) this.erring.clear();
        this.erring.set(erringKey ?? erringKeyOf(request, prepared, operation), (state = { erred: 0, resting: 0 }));
      }
      if (++state.erred >= ERRED_BEFORE_REST) state.resting = REST_REQUESTS;
      return this.fellBack();
    }
    if (erring) this.erring.delete(erringKey!);

    // In Apollo's order: the plugin's rate-limit headers, then the content type.
    const headers = new HeaderMap();
    for (const [header, value] of Object.entries(rateHeaders ?? {})) headers.set(header, value);
    headers.set('content-type', contentType);
    ctx.measured.errorCodes = [];
    this.stats.answered++;
    const extensionsText = JSON.stringify({ cost: { cost, limit: this.options.limits.maxCost } });
    return { kind: 'answered', answer: { status: 200, headers, body: { kind: 'complete', string: `{"data":${JSON.stringify(result.data)},"extensions":${extensionsText}}\n` } } };
  }

  private normal(): FastOutcome {
    this.stats.normal++;
    return { kind: 'normal' };
  }

  private fellBack(): FastOutcome {
    this.stats.fellBack++;
    return { kind: 'fallback' };
  }

  /** A document's preparation: made on its second request (or at start-up for the examples), null when it does not parse or validate. */
  private lookup(text: string): Prepared | null {
    // A hit becomes the most recently used.
    const found = this.documents.get(text);
    if (found !== undefined) return found === UNPREPARED ? null : found;
    // Longer than the whole budget: never kept (the normal path answers it, with Apollo's own cache).
    if (text.length > MAX_DOCUMENT_CHARS) return null;
    if (!this.seen.has(text)) {
      this.seen.set(text, true);
      return null;
    }
    this.seen.delete(text);
    return this.prepare(text);
  }

  private prepare(text: string): Prepared | null {
    let prepared: Prepared | null = null;
    try {
      // Without locations (a third of the memory): only an error needs them, and any error is the normal path's to answer, from its own parse.
      const document = parse(text, { maxTokens: this.options.limits.maxTokens, noLocation: true });
      if (validate(this.options.schema, document, specifiedRules).length === 0) {
        let shapeRefused = false;
        const fragments = fragmentsOf(document);
        try {
          refuseNulInDocument(document, text);
        } catch {
          shapeRefused = true;
        }
        for (const definition of document.definitions) {
          if (definition.kind !== 'OperationDefinition') continue;
          try {
            checkShape(definition, fragments, this.options.limits);
          } catch {
            shapeRefused = true;
          }
        }
        prepared = { text, document, queryHash: createHash('sha256').update(text).digest('hex'), shapeRefused, operations: new Map() };
      }
    } catch {
      prepared = null;
    }
    this.documents.set(text, prepared ?? UNPREPARED);
    return prepared;
  }

  /**
   * The operation a request names (or the document's only one), null when it
   * is not a query. A name the document does not define is not kept, so that
   * made-up names cannot grow the cache.
   */
  private operationOf(prepared: Prepared, operationName: string | undefined): Operation | null {
    const key = operationName ?? '';
    const found = prepared.operations.get(key);
    if (found !== undefined) return found;
    const operation = getOperationAST(prepared.document, operationName);
    if (!operation) return null;
    const entry = operation.operation === 'query' ? { operation, name: operation.name?.value } : null;
    prepared.operations.set(key, entry);
    return entry;
  }

  private runnable(prepared: Prepared, entry: Operation): Runnable | null {
    if (entry.runnable !== undefined) return entry.runnable;
    entry.runnable = null;
    const compiled = compileQuery(this.options.schema, prepared.document, entry.name);
    if (!isCompiledQuery(compiled)) return null;
    const defaults: [string, unknown][] = [];
    for (const definition of entry.operation.variableDefinitions ?? []) {
      if (!definition.defaultValue) continue;
      const type = typeFromAST(this.options.schema, definition.type as NamedTypeNode);
      const value = type && isInputType(type) ? valueFromAST(definition.defaultValue, type) : undefined;
      if (value === undefined) return null;
      defaults.push([definition.variable.name.value, value]);
    }
    return (entry.runnable = { compiled, defaults });
  }
}

/** A caller's operation, as the counts of erring runs know it. */
function erringKeyOf(request: FastRequest, prepared: Prepared, operation: Operation): string {
  return `${request.caller}\u0000${prepared.queryHash}\u0000${operation.name ?? ''}`;
}

/**
 * graphql-jit reads a field without a resolver inline and serialises what it
 * finds, where graphql-js awaits a promise first. Connections' `totalCount` is
 * such a field: a getter returning a promise (counted only when asked for).
 * Giving those fields the resolver graphql-js uses implicitly (read the
 * property) makes graphql-jit await it too; graphql-js answers exactly as before.
 */
function resolvePromisedCounts(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.name.endsWith('Connection')) continue;
    const field = type.getFields().totalCount;
    if (field && !field.resolve) field.resolve = (source: { totalCount?: unknown }) => source.totalCount;
  }
}
