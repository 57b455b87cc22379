import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { StatementScope } from '../db/statement-scope';
import { createCampaignLoaders } from '../campaigns/campaign.loaders';
import { createRevisionLoaders } from '../editing/revisions.resolver';
import { createFeedLoaders } from '../feed/feed.loaders';
import { createMemberNationLoaders } from '../member-nations/member-nation.loaders';
import { createContentLoaders, loadContentOfType } from '../shared/content/content.loaders';
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

/**
 * Every domain's loaders for one request, plus the `node` lookups composed from
 * them. Made fresh per request: nothing is cached across requests or viewers.
 */
export function createLoaders(db: DataSource, viewer: Viewer, scope?: StatementScope, locale: Locale = Locale.EN) {
  const visible = visibilityOf(viewer);
  const reads = new ContentReads(db, scope, locale);
  const content = createContentLoaders(reads, visible);
  const nations = createMemberNationLoaders(db, scope);
  const campaigns = createCampaignLoaders(reads, visible);
  const nodeByLocalId: NodeLoaders['nodeByLocalId'] = {
    DigestArticle: (id) => loadContentOfType(content, 'DigestArticle', id),
    CampaignStory: (id) => loadContentOfType(content, 'CampaignStory', id),
    SocialPost: (id) => loadContentOfType(content, 'SocialPost', id),
    StabilisationProject: (id) => loadContentOfType(content, 'StabilisationProject', id),
    Campaign: (id) => campaigns.campaignById.load(id),
    MemberNation: (code) => nations.memberNationByCode.load(code),
  };
  const nodeInLocale: NodeLoaders['nodeInLocale'] = async (node, locale) => {
    if (!node) return null;
    if (node instanceof Content) return content.contentInLocale.load({ item: node, locale });
    if (node instanceof MemberNation) return localisedNation(node, locale);
    return inLocale(node, locale);
  };
  return {
    ...content,
    ...nations,
    ...campaigns,
    ...createSocialPostLoaders(reads, visible),
    ...createStabilisationProjectLoaders(reads, visible),
    ...createFeedLoaders(reads, visible),
    ...createRevisionLoaders(db, scope),
    nodeByLocalId,
    nodeInLocale,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
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
