import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ChildEntity, Column } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { Node } from '../shared/node/node.interface';

/** The network a social post was published on. */
export enum SocialPlatform {
  TWITTER = 'TWITTER',
  FACEBOOK = 'FACEBOOK',
  INSTAGRAM = 'INSTAGRAM',
  YOUTUBE = 'YOUTUBE',
  TELEGRAM = 'TELEGRAM',
  OTHER = 'OTHER',
}

registerEnumType(SocialPlatform, {
  name: 'SocialPlatform',
  description: 'The network a social post was published on.',
  valuesConfig: {
    TWITTER: { description: 'Twitter (now X).' },
    FACEBOOK: { description: 'Facebook.' },
    INSTAGRAM: { description: 'Instagram.' },
    YOUTUBE: { description: 'YouTube.' },
    TELEGRAM: { description: 'Telegram.' },
    OTHER: { description: 'Any other network.' },
  },
});

/** A post from (or shared by) the coalition's social channels. */
@ChildEntity(ContentType.SOCIAL_POST)
@Directive('@key(fields: "id")')
@ObjectType({
  implements: [Content, Node],
  description: 'A post from the coalition’s social media channels, or one they shared.',
})
export class SocialPost extends Content {
  @Field(() => SocialPlatform, { description: 'The network it was posted on.' })
  @Column({ type: 'varchar', length: 32, nullable: true })
  platform!: SocialPlatform;

  @Field(() => String, { nullable: true, description: 'The author’s handle without the leading @; null when the source does not show it.' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  authorHandle!: string | null;

  @Field({ description: 'The text of the post.' })
  @Column({ type: 'text', nullable: true })
  text!: string;

  @Field(() => [String], { description: 'Hashtags used in the post, without the leading #.' })
  @Column({ type: 'simple-json', nullable: true })
  hashtags!: string[];

  @Field(() => [String], { description: 'Accounts mentioned in the post, without the leading @.' })
  @Column({ type: 'simple-json', nullable: true })
  mentions!: string[];

  @Field(() => [String], { description: 'Links in the post, as shown (often shortened).' })
  @Column({ type: 'simple-json', nullable: true })
  links!: string[];
}
