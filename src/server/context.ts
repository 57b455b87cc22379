import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { StatementScope } from '../db/statement-scope';
import { createCampaignLoaders, type CampaignLoaders } from '../campaigns/campaign.loaders';
import { createRevisionLoaders } from '../editing/revisions.resolver';
import { createFeedLoaders } from '../feed/feed.loaders';
import { createMemberNationLoaders, type MemberNationLoaders } from '../member-nations/member-nation.loaders';
import { createContentLoaders, loadContentOfType, type ContentLoaders } from '../shared/content/content.loaders';
import { visibilityOf } from '../shared/content/content.query';
import { Content } from '../shared/content/content.entity';
import { inLocale } from '../shared/content/localise';
import { MemberNation } from '../member-nations/member-nation.entity';
import { localisedNation } from '../member-nations/localised-nation';
import { Locale } from '../shared/content/locale';
import { ContentReads } from '../shared/content/content.reads';
import type { Context } from '../shared/context';
import type { RateLimitedError } from '../protection/rate-limit';
import { ANONYMOUS, type Viewer } from '../shared/viewer';
import type { NodeLoaders } from '../shared/node/node.resolver';
import { createSocialPostLoaders } from '../social-posts/social-post.loaders';
import { createStabilisationProjectLoaders } from '../stabilisation-projects/stabilisation-project.loaders';

/** What a request's loaders are made from. */
interface LoaderEnv {
  readonly db: DataSource;
  readonly scope: StatementScope | undefined;
  readonly reads: ContentReads;
  readonly visible: ReturnType<typeof visibilityOf>;
}

/** What the `node` lookups are composed from. */
type NodeSources = ContentLoaders & Pick<CampaignLoaders, 'campaignById'> & Pick<MemberNationLoaders, 'memberNationByCode'>;

/** The `node` lookups, composed from the domains' loaders. */
function createNodeLoaders(loaders: NodeSources) {
  const nodeByLocalId: NodeLoaders['nodeByLocalId'] = {
    DigestArticle: (id) => loadContentOfType(loaders, 'DigestArticle', id),
    CampaignStory: (id) => loadContentOfType(loaders, 'CampaignStory', id),
    SocialPost: (id) => loadContentOfType(loaders, 'SocialPost', id),
    StabilisationProject: (id) => loadContentOfType(loaders, 'StabilisationProject', id),
    Campaign: (id) => loaders.campaignById.load(id),
    MemberNation: (code) => loaders.memberNationByCode.load(code),
  };
  const nodeInLocale: NodeLoaders['nodeInLocale'] = async (node, locale) => {
    if (!node) return null;
    if (node instanceof Content) return loaders.contentInLocale.load({ item: node, locale });
    if (node instanceof MemberNation) return localisedNation(node, locale);
    return inLocale(node, locale);
  };
  return { nodeByLocalId, nodeInLocale };
}

/** Each domain's loaders, made together when a request first uses one of them. */
const LOADER_GROUPS = [
  // The request's reads on their own: every list sends its page through them, most requests need no content loader besides.
  (env: LoaderEnv) => ({ contentReads: env.reads }),
  (env: LoaderEnv) => createContentLoaders(env.reads, env.visible),
  (env: LoaderEnv) => createMemberNationLoaders(env.db, env.scope),
  (env: LoaderEnv) => createCampaignLoaders(env.reads, env.visible),
  (env: LoaderEnv) => createSocialPostLoaders(env.reads, env.visible),
  (env: LoaderEnv) => createStabilisationProjectLoaders(env.reads, env.visible),
  (env: LoaderEnv) => createFeedLoaders(env.reads, env.visible),
  (env: LoaderEnv) => createRevisionLoaders(env.db, env.scope),
  (_env: LoaderEnv, loaders: NodeSources) => createNodeLoaders(loaders),
] as const;

type Union<T> = T extends readonly (infer F)[] ? (F extends (...args: never[]) => infer R ? R : never) : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every domain's loaders and the `node` lookups, as resolvers see them on `ctx.loaders`. */
export type Loaders = Intersection<Union<typeof LOADER_GROUPS>>;

const ENV = Symbol('loader environment');
let prototype: object | undefined;

/**
 * Every domain's loaders for one request, plus the `node` lookups composed from
 * them. Made fresh per request: nothing is cached across requests or viewers.
 * A domain's loaders are made when the request first uses one of them (a
 * request uses two or three of the nine groups): a getter on a shared
 * prototype makes the domain's loaders and keeps them on the request's object.
 */
export function createLoaders(db: DataSource, viewer: Viewer, scope?: StatementScope, locale: Locale = Locale.EN): Loaders {
  const env: LoaderEnv = { db, scope, reads: new ContentReads(db, scope, locale), visible: visibilityOf(viewer) };
  const loaders = Object.create((prototype ??= loaderPrototype(env))) as Loaders & { [ENV]: LoaderEnv };
  loaders[ENV] = env;
  return loaders;
}

/** A getter for each loader's name; the names are those the groups return (made once, from the first request's environment). */
function loaderPrototype(sample: LoaderEnv): object {
  const proto: object = {};
  for (const make of LOADER_GROUPS) {
    const names = Object.keys(make(sample, {} as NodeSources));
    for (const name of names) {
      Object.defineProperty(proto, name, {
        get(this: Loaders & { [ENV]: LoaderEnv }) {
          const group = make(this[ENV], this) as Record<string, unknown>;
          for (const key of names) Object.defineProperty(this, key, { value: group[key], enumerable: true });
          return group[name];
        },
      });
    }
  }
  return proto;
}

/** The context of a request at the gateway: the domains' context plus what the HTTP layer measured. */
export interface GatewayContext extends Context<Loaders> {
  /** The caller's address (behind trusted proxies, from `X-Forwarded-For`); rate limits key anonymous callers by it. */
  readonly clientAddress: string;
  /** The request's SQL statements: counted for metrics, cancelled when the request runs past its time limit. */
  readonly scope: StatementScope;
  /**
   * What the operation came to, for the request log and the metrics. An object
   * of its own because Apollo runs each operation on a shallow copy of the
   * context: fields set on the copy would never reach the HTTP layer, while
   * this object is shared by the copy and the original.
   */
  readonly measured: Measured;
}

/** What the protection plugin notes about a request's operation as it runs (see {@link GatewayContext.measured}). */
export interface Measured {
  /** The operation's cost, once measured; for the request log. */
  cost?: number;
  /** The operation's name when it is a known one (an example, an allow-listed operation); the metrics label. */
  operation?: string;
  /** The codes of the errors sent, once the answer is made. */
  errorCodes?: readonly string[];
  /**
   * The rate limit's decision when the fast path already charged the operation
   * (then handed it to the normal path): its headers, or its refusal. The
   * protection plugin uses it instead of charging a second time.
   */
  charged?: { readonly headers: Readonly<Record<string, string>> | null } | { readonly error: RateLimitedError };
}

/** Builds the context of one request for a viewer decided before it (see `server/http.ts`). */
export function createContext(
  db: DataSource,
  viewer: Viewer = ANONYMOUS,
  requestId: string = randomUUID(),
  clientAddress = '127.0.0.1',
  scope: StatementScope = new StatementScope(),
  locale: Locale = Locale.EN,
): GatewayContext {
  return { requestId, db, viewer, clientAddress, scope, locale, measured: {}, loaders: createLoaders(db, viewer, scope, locale) };
}
