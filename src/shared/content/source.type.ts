import { Field, ObjectType } from 'type-graphql';
import { SourceKind } from './source-kind';

/** Provenance of an item that came in through a connector or the demo loader. */
@ObjectType({ description: 'Where a content item came from: the source it was imported from and when.', simpleResolvers: true })
export class Source {
  @Field({ description: 'Name of the source, e.g. `theglobalcoalition.org` or a connector’s feed name.' })
  name!: string;

  @Field(() => SourceKind, { description: 'The kind of system the item came from: a news feed, a WordPress site, a social archive, an IATI register, a CSV file, the demo content or the synthetic dataset.' })
  kind!: SourceKind;

  @Field({ description: 'The item’s identifier at the source; unique per source name.' })
  externalId!: string;

  @Field(() => String, { nullable: true, description: 'Address the item was fetched from, when it has one.' })
  url!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the item’s current content was fetched. A later fetch that finds the same content does not change it, so this is when the content last changed at the source (as far as the gateway saw).',
  })
  fetchedAt!: Date | null;

  @Field({ description: 'SHA-256 (hex) of the item’s normalised content as the source gave it; equal hashes mean equal content.' })
  contentHash!: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the gateway withdrew the item (made it a draft) because its source no longer listed it or said it was deleted; null otherwise. The next run that finds the item at its source again publishes it again, unless an editor has published or withdrawn it since (which clears this, so that an editor’s withdrawal stands).',
  })
  withdrawnAt!: Date | null;
}
