import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's Node: anything with a global id that `Query.node(id:)` can fetch.
 * The GraphQL field is `id`; in TypeScript it is `nodeId`, because entities keep
 * `id` for their primary key, which is not what clients see.
 */
@InterfaceType({ description: 'An object with a global, opaque ID that `Query.node(id:)` fetches again.' })
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Global, opaque identifier. Stable across requests; do not parse it.' })
  nodeId!: string;
}
