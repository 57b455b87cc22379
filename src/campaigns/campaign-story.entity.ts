import { Directive, Field, ObjectType } from 'type-graphql';
import { ChildEntity, Column } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { Node } from '../shared/node/node.interface';

/** A story the coalition published, usually as part of a campaign. */
@ChildEntity(ContentType.CAMPAIGN_STORY)
@Directive('@key(fields: "id")')
@ObjectType({
  implements: [Content, Node],
  description: 'A story from the coalition’s own channels, usually part of a campaign such as #ThisGenerationLearns.',
})
export class CampaignStory extends Content {
  @Field(() => [String], { description: 'Towns, cities and areas the story is set in, e.g. Raqqa or West Mosul.' })
  @Column({ type: 'simple-json', nullable: true })
  places!: string[];
}
