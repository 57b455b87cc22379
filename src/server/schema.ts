import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type AuthChecker } from 'type-graphql';
import { CampaignStoryResolver } from '../campaigns/campaign-story.resolver';
import { ChangeFeedResolver } from '../changes/change-feed.resolver';
import { SourceRevisionResolver } from '../editing/revisions.resolver';
import { IngestResolver } from '../ingest/ingest.resolver';
import { SubscriptionResolver } from '../outbound/live/subscriptions.resolver';
import { WebhookResolver } from '../outbound/webhooks/webhooks.resolver';
import { SearchResolver } from '../search/search.resolver';
import { ContentLocaleResolver } from '../shared/content/content-locale.resolver';
import { TranslationResolver } from '../editing/translations.resolver';
import { CampaignResolver } from '../campaigns/campaign.resolver';
import { DigestArticleResolver } from '../digest-articles/digest-article.resolver';
import { FeedResolver, NationFeedResolver } from '../feed/feed.resolver';
import { normaliseNationCode } from '../member-nations/member-nation.entity';
import { ContentNationsResolver, MemberNationResolver } from '../member-nations/member-nation.resolver';
import { ContentResolver } from '../shared/content/content.resolver';
import { decodeGlobalIdOf, type NodeTypeName } from '../shared/node/global-id';
import { NodeResolver } from '../shared/node/node.resolver';
import { CampaignPostsResolver, SocialPostResolver } from '../social-posts/social-post.resolver';
import { NationProjectsResolver, StabilisationProjectResolver } from '../stabilisation-projects/stabilisation-project.resolver';
import { AuditLogResolver, CampaignMutations, MemberNationMutations } from '../editing/catalogue.mutations';
import {
  CampaignStoryMutations,
  DigestArticleMutations,
  PublicationMutations,
  SocialPostMutations,
  StabilisationProjectMutations,
} from '../editing/content.mutations';
import { ForbiddenError, UnauthenticatedError } from '../shared/errors';
import { knownValid, validateArgument } from '../shared/validation';
import { hasRole, Role } from '../shared/viewer';
import type { GatewayContext } from './context';
import { callResolversDirectly, readBasicFieldsDirectly, type DirectBuildOptions } from './direct-resolvers';
import { DateTimeScalar } from '../shared/date-time';

export const RESOLVERS = [
  NodeResolver,
  ContentResolver,
  ContentNationsResolver,
  MemberNationResolver,
  CampaignResolver,
  CampaignStoryResolver,
  DigestArticleResolver,
  SocialPostResolver,
  CampaignPostsResolver,
  StabilisationProjectResolver,
  NationProjectsResolver,
  FeedResolver,
  NationFeedResolver,
  DigestArticleMutations,
  CampaignStoryMutations,
  SocialPostMutations,
  StabilisationProjectMutations,
  PublicationMutations,
  CampaignMutations,
  MemberNationMutations,
  AuditLogResolver,
  ChangeFeedResolver,
  IngestResolver,
  SourceRevisionResolver,
  SubscriptionResolver,
  WebhookResolver,
  SearchResolver,
  ContentLocaleResolver,
  TranslationResolver,
] as const;

/**
 * `@Authorized(role)` on a root field or mutation: decided from the viewer the
 * HTTP layer made once per request. No key where one is needed is
 * UNAUTHENTICATED; a key without the role is FORBIDDEN.
 */
const authChecker: AuthChecker<GatewayContext> = ({ context }, roles) => {
  const needed = (roles as Role[])[0] ?? Role.PARTNER;
  if (hasRole(context.viewer, needed)) return true;
  if (context.viewer.role === Role.ANONYMOUS) throw new UnauthenticatedError(`This needs an API key with the ${needed} role`);
  throw new ForbiddenError(`This needs the ${needed} role; the key "${context.viewer.name}" has ${context.viewer.role}`);
};

const QUERY_DESCRIPTION =
  'Entry points for reading the coalition’s published content: the cross-type `feed`, a list and a by-slug lookup per content type, members, campaigns and `node`.';

const MUTATION_DESCRIPTION =
  'Changes for editors (content and campaigns) and admins (member nations). Each runs in one transaction, is recorded in the audit log, and refuses a stale `expectedVersion` with CONFLICT.';

const SUBSCRIPTION_DESCRIPTION =
  'Live published content over graphql-ws (`graphql-transport-ws`) on `/graphql`: send the API key, if any, in `connection_init` as `{ "authorization": "Bearer <key>" }`.';

/** The federation spec version and directives the subgraph uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';

/** What `buildSchema` below is given that decides how TypeGraphQL runs resolvers (no global middleware, no container of its own). */
const RESOLVER_BUILD = { resolvers: RESOLVERS, validateFn: validateArgument } as const;

/** The same, for the resolvers called directly: with what tells them which arguments need no validation. */
export const DIRECT_BUILD: DirectBuildOptions = { ...RESOLVER_BUILD, knownValid };

/** Both forms of the schema: TypeGraphQL's (with field extensions, for cost analysis) and the served subgraph. */
export interface GatewaySchemas {
  /** The schema as TypeGraphQL built it; keeps field extensions that the subgraph build drops. */
  readonly typeGraphQL: GraphQLSchema;
  /** What is served: the same types plus `_service` and `_entities`, as an Apollo Federation v2 subgraph. */
  readonly subgraph: GraphQLSchema;
}

/** TypeGraphQL's store of decorator metadata (it does not export its accessor from the package root). */
interface ParamMetadataStore {
  params: { index: number }[];
}

/**
 * Orders each field's arguments as the method declares them. TypeScript
 * applies parameter decorators last to first, and TypeGraphQL keeps them in
 * that order, so `search(query, filter, first, after, locale)` would print
 * as `search(locale, after, first, filter, query)`. A stable sort by index
 * keeps every method's parameters together.
 */
function putArgumentsInOrder(): void {
  const store = (globalThis as { TypeGraphQLMetadataStorage?: ParamMetadataStore }).TypeGraphQLMetadataStorage;
  store?.params.sort((a, b) => a.index - b.index);
}

/**
 * Builds the graph's schema as an Apollo Federation v2 subgraph. TypeGraphQL
 * makes the types from the decorated classes; its SDL (with `@key`s) and
 * resolvers then go through `buildSubgraphSchema`, which adds `_service` and
 * `_entities` and the reference resolvers below.
 */
export async function buildGatewaySchemas(): Promise<GatewaySchemas> {
  putArgumentsInOrder();
  const typeGraphQL = await buildSchema({
    ...RESOLVER_BUILD,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Subscriptions bring their own event streams (outbound/live); no topic-based PubSub is used.
    pubSub: {
      publish: () => {},
      subscribe: () => {
        throw new Error('subscriptions use their own event streams, not topics');
      },
    },
    authChecker,
    authMode: 'error',
  });
  const resolvers = createResolversMap(typeGraphQL) as GraphQLResolverMap<unknown>;
  // buildSchema above is given no global middleware and no container of its own.
  readBasicFieldsDirectly(resolvers, DIRECT_BUILD);
  callResolversDirectly(resolvers, DIRECT_BUILD);
  for (const [type, resolveReference] of Object.entries(REFERENCE_RESOLVERS)) {
    resolvers[type] = { ...(resolvers[type] as object), __resolveReference: resolveReference } as never;
  }
  // TypeGraphQL cannot describe the root type itself; the SDL can.
  const sdl = printSchemaWithDirectives(typeGraphQL)
    .replace(/^type Query \{/m, `"""${QUERY_DESCRIPTION}"""\ntype Query {`)
    .replace(/^type Mutation \{/m, `"""${MUTATION_DESCRIPTION}"""\ntype Mutation {`)
    .replace(/^type Subscription \{/m, `"""${SUBSCRIPTION_DESCRIPTION}"""\ntype Subscription {`);
  const subgraph = buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${sdl}`),
    resolvers,
  });
  return { typeGraphQL, subgraph };
}

/**
 * The subgraph's SDL, as `schema/schema.graphql` holds it and `_service.sdl`
 * serves it. Sorted by name, so that the text does not depend on the order in
 * which modules happened to register their types.
 */
export function printGatewaySchema(schemas: GatewaySchemas): string {
  return printSubgraphSchema(lexicographicSortSchema(schemas.subgraph));
}

/** Resolves an entity of a content type from its `@key(fields: "id")` representation. */
function contentReference(type: NodeTypeName) {
  return (reference: { id: string }, ctx: GatewayContext) =>
    ctx.loaders.nodeByLocalId[type](decodeGlobalIdOf(type, reference.id));
}

/** How `_entities` finds each keyed type, through the request's loaders. */
const REFERENCE_RESOLVERS: Record<string, (reference: never, ctx: GatewayContext) => Promise<unknown>> = {
  MemberNation: (reference: { code: string }, ctx: GatewayContext) =>
    ctx.loaders.memberNationByCode.load(normaliseNationCode(String(reference.code))),
  Campaign: (reference: { slug: string }, ctx: GatewayContext) => ctx.loaders.campaignBySlug.load(String(reference.slug)),
  DigestArticle: contentReference('DigestArticle'),
  CampaignStory: contentReference('CampaignStory'),
  SocialPost: contentReference('SocialPost'),
  StabilisationProject: contentReference('StabilisationProject'),
};
