import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One write: who did what to which record, when, and the record before and after. */
@Entity({ name: 'audit_entry' })
@Index('IDX_audit_entry_at', ['at', 'id'])
@Index('IDX_audit_entry_subject', ['subjectType', 'subjectId', 'at'])
@ObjectType({ description: 'One write to the graph’s content: who made it, when, and the record before and after.', simpleResolvers: true })
export class AuditEntry {
  @Field(() => ID, { description: 'Identifier of the entry.' })
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_audit_entry' })
  id!: string;

  @Field(() => Date, { description: 'When the write was committed.' })
  @Column({ type: Date })
  at!: Date;

  @Field(() => String, { nullable: true, description: 'Id of the API key that made the write; null for the command line.' })
  @Column({ type: 'uuid', nullable: true })
  actorKeyId!: string | null;

  @Field({ description: 'Name of the key (or `cli`) that made the write.' })
  @Column({ type: 'varchar', length: 200 })
  actorName!: string;

  @Field({ description: 'What was done: CREATE, UPDATE, PUBLISH, UNPUBLISH or DELETE.' })
  @Column({ type: 'varchar', length: 16 })
  action!: string;

  @Field({ description: 'The GraphQL type of the record, e.g. `DigestArticle` or `MemberNation`.' })
  @Column({ type: 'varchar', length: 32 })
  subjectType!: string;

  @Field({ description: 'The global id of the record (for a member nation, its code).' })
  @Column({ type: 'varchar', length: 200 })
  subjectId!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The record before the write; null for a creation.' })
  @Column({ type: 'simple-json', nullable: true })
  before!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The record after the write; null for a deletion.' })
  @Column({ type: 'simple-json', nullable: true })
  after!: Record<string, unknown> | null;
}
