import { ArrayMaxSize, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { ContentType } from '../shared/content/content-status';
import { WithinEditableYears } from '../shared/validation';

/**
 * Which items the feed returns. Within one field the values are OR-ed (any
 * of); fields are AND-ed. A field left out, null or empty does not filter.
 */
@InputType({ description: 'Narrows the feed. Values within a field are OR-ed, fields are AND-ed; an omitted or empty field does not filter.' })
export class FeedFilter {
  @Field(() => [ContentType], { nullable: true, description: 'Only items of these types.' })
  @ArrayMaxSize(4)
  types?: ContentType[] | null;

  @Field(() => [String], { nullable: true, description: 'Only items concerning any of these members, by code (any case): `IRQ`, `NATO`.' })
  @ArrayMaxSize(100)
  @Matches(/^[A-Za-z]{2,16}$/, { each: true, message: 'each nation must be a member code such as IRQ or NATO' })
  nations?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only items concerning any of these countries, members or not, by ISO 3166-1 alpha-3 code (any case): `SYR`.' })
  @ArrayMaxSize(300)
  @Matches(/^[A-Za-z]{3}$/, { each: true, message: 'each country must be an ISO 3166-1 alpha-3 code such as SYR' })
  countries?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only stories and posts of any of these campaigns, by slug: `this-generation-learns`.' })
  @ArrayMaxSize(100)
  @MaxLength(160, { each: true })
  campaigns?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only items with any of these tags (any case).' })
  @ArrayMaxSize(100)
  @MaxLength(64, { each: true })
  tags?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Only items published at or after this time (inclusive), in years 0001–9999 (UTC).' })
  @WithinEditableYears()
  publishedAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only items published before this time (exclusive), in years 0001–9999 (UTC).' })
  @WithinEditableYears()
  publishedBefore?: Date | null;
}
