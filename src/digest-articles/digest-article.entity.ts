import { Directive, Field, ObjectType } from 'type-graphql';
import { ChildEntity, Column } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { Content } from '../shared/content/content.entity';
import { Node } from '../shared/node/node.interface';

/** A press summary from the coalition's weekly digest. */
@ChildEntity(ContentType.DIGEST_ARTICLE)
@Directive('@key(fields: "id")')
@ObjectType({
  implements: [Content, Node],
  description: 'A press summary from the weekly digest: what an outlet reported, in brief, with a link to the original.',
})
export class DigestArticle extends Content {
  @Field({ description: 'The news outlet that published the original report, e.g. "The Washington Post".' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  outlet!: string;

  @Field(() => String, { nullable: true, description: 'Address of the original report at the outlet, when known.' })
  @Column({ type: 'varchar', length: 2048, nullable: true })
  originalUrl!: string | null;
}
