import { Field, ObjectType } from 'type-graphql';

/** Provenance of an item that came in through a connector or the demo loader. */
@ObjectType({ description: 'Where a content item came from: the source it was imported from and when.', simpleResolvers: true })
export class Source {
  @Field({ description: 'Name of the source, e.g. `theglobalcoalition.org` or a connector’s feed name.' })
  name!: string;

  @Field({ description: 'The item’s identifier at the source; unique per source name.' })
  externalId!: string;

  @Field(() => String, { nullable: true, description: 'Address the item was fetched from, when it has one.' })
  url!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the item was last fetched from the source.' })
  fetchedAt!: Date | null;
}
