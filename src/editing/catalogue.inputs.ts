import { IsInt, IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { NationKind } from '../member-nations/member-nation.entity';

@InputType({ description: 'A campaign as an editor writes it.' })
export class CampaignInput {
  @Field({ description: 'Lowercase words joined by hyphens, unique, e.g. `this-generation-learns`.' })
  @Matches(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: 'slug must be lowercase letters and digits joined by single hyphens' })
  @MaxLength(160)
  slug!: string;

  @Field({ description: 'The hashtag without #, unique regardless of case. Posts using it join the campaign.' })
  @Matches(/^[\p{L}\p{N}_]{1,100}$/u, { message: 'hashtag must be written without # and without spaces' })
  hashtag!: string;

  @Field({ description: 'Display title.' })
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @Field({ description: 'What the campaign is about.' })
  @MinLength(1)
  @MaxLength(2000)
  summary!: string;
}

@InputType({ description: 'A coalition member as an admin records it.' })
export class MemberNationInput {
  @Field({ description: 'ISO 3166-1 alpha-3 for a country, or the organisation’s code; any case, stored uppercase.' })
  @Matches(/^[A-Za-z]{2,16}$/, { message: 'code must be 2 to 16 letters' })
  code!: string;

  @Field({ description: 'Common English name.' })
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @Field(() => NationKind, { description: 'Country or international organisation.' })
  kind!: NationKind;

  @Field(() => String, { nullable: true, description: 'Region, as in `MemberNation.region`.' })
  @IsOptional()
  @MaxLength(100)
  region?: string | null;

  @Field(() => Int, { nullable: true, description: 'Year it joined the coalition.' })
  @IsOptional()
  @IsInt()
  @Min(2014)
  @Max(2100)
  joinedYear?: number | null;
}
