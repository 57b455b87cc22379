import {
  ArrayMaxSize,
  IsInt,
  IsOptional,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, InputType } from 'type-graphql';
import { SocialPlatform } from '../social-posts/social-post.entity';
import { ProjectPhase } from '../stabilisation-projects/stabilisation-project.entity';
import { WithinEditableYears } from '../shared/validation';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true };


/**
 * The day is not before the day `property` of the same input names, when
 * both are given: `YYYY-MM-DD` texts compare as the days they name. An update
 * replaces every field, so the input alone decides.
 */
function NotBefore(property: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBefore',
      constraints: [property],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const other = (args?.object as Record<string, unknown> | undefined)?.[property];
          return typeof value !== 'string' || typeof other !== 'string' || value >= other;
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must not be before ${property}`,
      },
    },
    options,
  );
}

/** The fields every content type is edited with. Updates replace them all. */
@InputType()
export abstract class ContentInput {
  @Field({ description: 'Lowercase words joined by hyphens, unique within the type, e.g. `anah-market-reopens`.' })
  @Matches(SLUG, { message: 'slug must be lowercase letters and digits joined by single hyphens' })
  @MaxLength(160)
  slug!: string;

  @Field({ description: 'Headline, 1 to 300 characters.' })
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @Field({ description: 'Plain-text summary, 1 to 2,000 characters.' })
  @MinLength(1)
  @MaxLength(2000)
  summary!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The full text as HTML: paragraphs, headings, lists, links (http, https, mailto), images with alt text, tables, quotes, code. Anything else (scripts, styles, event handlers, `javascript:` URLs, frames, forms) is refused with BAD_USER_INPUT naming it, never silently removed.',
  })
  @IsOptional()
  @MaxLength(1_000_000)
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'BCP 47 tag of the language the item is written in (`en`, `ar`, `fr`); detected from the title and summary when omitted.' })
  @IsOptional()
  @Matches(/^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$/, { message: 'language must be a BCP 47 tag such as en, ar or fr-BE' })
  @MaxLength(35)
  language?: string | null;

  @Field(() => String, { nullable: true, description: 'Canonical web address (http or https).' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  url?: string | null;

  @Field(() => [String], { description: 'ISO 3166-1 alpha-3 codes of the countries the item concerns, members or not. Member countries become `nations` too.' })
  @ArrayMaxSize(50)
  @Matches(/^[A-Za-z]{3}$/, { each: true, message: 'each country must be an ISO 3166-1 alpha-3 code such as SYR' })
  countries!: string[];

  @Field(() => [String], { nullable: true, description: 'Further members the item concerns, by code: organisations such as NATO or EU.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(/^[A-Za-z]{2,16}$/, { each: true, message: 'each nation must be a member code such as NATO' })
  nations?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Free topic tags; stored lowercase.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(/^[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*$/u, { each: true, message: 'each tag must be words joined by hyphens' })
  @MaxLength(64, { each: true })
  tags?: string[] | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'Publication time to show, from 0001-01-01 to 9999-12-31 (UTC): a draft given one keeps it when it is published. Left out, a new item is dated the moment it is published, and an update keeps the time the item has, given or not; a draft’s time sent back unchanged gives none.',
  })
  @IsOptional()
  @WithinEditableYears()
  publishedAt?: Date | null;
}

@InputType({ description: 'A digest article as an editor writes it.' })
export class DigestArticleInput extends ContentInput {
  @Field({ description: 'The outlet that published the original report.' })
  @MinLength(1)
  @MaxLength(200)
  outlet!: string;

  @Field(() => String, { nullable: true, description: 'Address of the original report.' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  originalUrl?: string | null;
}

@InputType({ description: 'A campaign story as an editor writes it.' })
export class CampaignStoryInput extends ContentInput {
  @Field(() => String, { nullable: true, description: 'Slug of the campaign the story belongs to; none for a news story.' })
  @IsOptional()
  @Matches(SLUG)
  campaign?: string | null;

  @Field(() => [String], { description: 'Towns, cities and areas the story is set in.' })
  @ArrayMaxSize(20)
  @MaxLength(200, { each: true })
  places!: string[];
}

@InputType({ description: 'A social post as an editor records it.' })
export class SocialPostInput extends ContentInput {
  @Field(() => SocialPlatform, { description: 'The network it was posted on.' })
  platform!: SocialPlatform;

  @Field(() => String, { nullable: true, description: 'The author’s handle, without @.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,50}$/, { message: 'authorHandle must be a handle without @' })
  authorHandle?: string | null;

  @Field({ description: 'The text of the post.' })
  @MinLength(1)
  @MaxLength(5000)
  text!: string;

  @Field(() => [String], { description: 'Hashtags without #. A campaign’s hashtag links the post to it.' })
  @ArrayMaxSize(30)
  @Matches(/^[\p{L}\p{N}_]{1,100}$/u, { each: true, message: 'each hashtag must be written without #' })
  hashtags!: string[];

  @Field(() => [String], { description: 'Mentioned accounts without @.' })
  @ArrayMaxSize(30)
  @Matches(/^[A-Za-z0-9_]{1,50}$/, { each: true, message: 'each mention must be a handle without @' })
  mentions!: string[];

  @Field(() => [String], { description: 'Links in the post.' })
  @ArrayMaxSize(20)
  @IsUrl(URL_OPTIONS, { each: true })
  links!: string[];
}

@InputType({ description: 'A stabilisation project as an editor records it.' })
export class StabilisationProjectInput extends ContentInput {
  @Field({ description: 'What the project restores, e.g. education.' })
  @MinLength(1)
  @MaxLength(100)
  sector!: string;

  @Field(() => ProjectPhase, { description: 'Planned, under way or finished.' })
  phase!: ProjectPhase;

  @Field(() => String, { nullable: true, description: 'The organisation carrying it out.' })
  @IsOptional()
  @MaxLength(300)
  implementingPartner?: string | null;

  @Field(() => String, { nullable: true, description: 'The most specific place known.' })
  @IsOptional()
  @MaxLength(300)
  place?: string | null;

  @Field({ description: 'ISO 3166-1 alpha-3 code of the country it is in.' })
  @Matches(/^[A-Za-z]{3}$/, { message: 'countryCode must be an ISO 3166-1 alpha-3 code such as IRQ' })
  countryCode!: string;

  // A Float, as GraphQL's Int has 32 bits. Past 2^53 − 1 a JSON number no longer holds every whole number (9007199254740993
  // arrives as …992), and 1e19 is past PostgreSQL's bigint: both are refused rather than stored changed or failing.
  @Field(() => Float, { nullable: true, description: 'Budget in whole US dollars, 0 to 9,007,199,254,740,991 (2^53 − 1).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER, { message: 'budgetUsd must be at most 9007199254740991 (2^53 − 1)' })
  budgetUsd?: number | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The day work started (YYYY-MM-DD, years 0001 to 9999).' })
  @IsOptional()
  @WithinEditableYears()
  startedOn?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The day work finished (YYYY-MM-DD, years 0001 to 9999), not before `startedOn`.' })
  @IsOptional()
  @WithinEditableYears()
  @NotBefore('startedOn')
  completedOn?: string | null;
}
