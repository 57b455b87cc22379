import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { encodeGlobalId } from '../shared/node/global-id';
import { Node } from '../shared/node/node.interface';

/** A communications campaign, such as #ThisGenerationLearns, that stories and posts belong to. */
@Entity({ name: 'campaign' })
@Index('UQ_campaign_slug', ['slug'], { unique: true })
@Index('UQ_campaign_hashtag_key', ['hashtagKey'], { unique: true })
@Index('IDX_campaign_title', ['title', 'id'])
@Directive('@key(fields: "slug")')
@ObjectType({
  implements: Node,
  description: 'A communications campaign, such as #ThisGenerationLearns, with its stories and the social posts that carry its hashtag.',
})
export class Campaign implements Node {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_campaign' })
  id!: string;

  @Field({ description: 'URL-safe name, unique; e.g. `this-generation-learns`.' })
  @Column({ type: 'varchar', length: 160 })
  slug!: string;

  @Field({ description: 'The campaign hashtag without the leading #, e.g. `ThisGenerationLearns`. Posts using it belong to the campaign.' })
  @Column({ type: 'varchar', length: 100 })
  hashtag!: string;

  /**
   * The hashtag folded by `hashtagKey` (`hashtag-key.ts`), kept so that the database
   * itself refuses a second campaign with the hashtag in another case (its
   * unique index): the check before a write cannot see a campaign another
   * transaction is writing at the same moment. Every write of `hashtag`
   * writes it too. Not read with the campaign: nothing but the index needs it.
   * Twice the hashtag's length: `İ` lowercases to two characters (`i̇`).
   */
  @Column({ type: 'varchar', length: 200, select: false })
  hashtagKey!: string;

  @Field({ description: 'Display title, e.g. "This Generation Learns".' })
  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Field({ description: 'What the campaign is about, in a sentence or two.' })
  @Column({ type: 'text' })
  summary!: string;

  @Field(() => Int, { description: 'Increases with every change. Pass it as `expectedVersion` to `updateCampaign` and `deleteCampaign`, so that nobody’s change is overwritten unseen.' })
  @VersionColumn()
  version!: number;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  get nodeId(): string {
    return encodeGlobalId('Campaign', this.id);
  }
}
