import { GraphQLLocalDate } from 'graphql-scalars';
import { Directive, Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { ChildEntity, Column, Index } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { Node } from '../shared/node/node.interface';

/** Where a project stands; separate from the publication status every item has. */
export enum ProjectPhase {
  PLANNED = 'PLANNED',
  ONGOING = 'ONGOING',
  COMPLETED = 'COMPLETED',
}

registerEnumType(ProjectPhase, {
  name: 'ProjectPhase',
  description: 'Where a stabilisation project stands. Not the same as whether the item is published.',
  valuesConfig: {
    PLANNED: { description: 'Agreed or announced, not started.' },
    ONGOING: { description: 'Under way.' },
    COMPLETED: { description: 'Finished.' },
  },
});

// simple bigint columns come back as strings from PostgreSQL; budgets fit a double exactly.
const bigintAsNumber = {
  to: (value: number | null) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A stabilisation project in an area liberated from Daesh. */
@ChildEntity(ContentType.STABILISATION_PROJECT)
@Index('IDX_content_country_type_feed', ['countryCode', 'type', 'status', 'publishedAt', 'id'])
@Directive('@key(fields: "id")')
@ObjectType({
  implements: [Content, Node],
  description: 'A stabilisation project: restoring services, livelihoods or infrastructure in an area liberated from Daesh.',
})
export class StabilisationProject extends Content {
  @Field({ description: 'What the project restores, e.g. "education" or "livelihoods".' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  sector!: string;

  @Field(() => ProjectPhase, { description: 'Whether the project is planned, under way or finished.' })
  @Column({ type: 'varchar', length: 16, nullable: true })
  phase!: ProjectPhase;

  @Field(() => String, { nullable: true, description: 'The organisation carrying the project out, e.g. UNDP’s Funding Facility for Stabilisation; null when not named.' })
  @Column({ type: 'varchar', length: 300, nullable: true })
  implementingPartner!: string | null;

  @Field(() => String, { nullable: true, description: 'The most specific place known, e.g. "Anah, Anbar Governorate".' })
  @Column({ type: 'varchar', length: 300, nullable: true })
  place!: string | null;

  @Field({ description: 'ISO 3166-1 alpha-3 code of the country the project is in, member or not (e.g. SYR).' })
  @Column({ type: 'varchar', length: 3, nullable: true })
  countryCode!: string;

  @Field(() => Float, { nullable: true, description: 'Budget in whole US dollars, when published.' })
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  budgetUsd!: number | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The day work started, when known (YYYY-MM-DD).' })
  @Column({ type: 'date', nullable: true })
  startedOn!: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The day work finished, when known (YYYY-MM-DD).' })
  @Column({ type: 'date', nullable: true })
  completedOn!: string | null;
}
