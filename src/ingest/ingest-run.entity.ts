import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** How a run ended (or that it has not yet). */
export enum RunOutcome {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  UNCHANGED = 'UNCHANGED',
  FAILED = 'FAILED',
}

registerEnumType(RunOutcome, {
  name: 'RunOutcome',
  description: 'How an ingest run ended.',
  valuesConfig: {
    RUNNING: { description: 'Still running.' },
    SUCCEEDED: { description: 'Every document was read and written; entries that could not be used are counted as skipped and listed in `errors`.' },
    UNCHANGED: { description: 'The source answered 304 Not Modified: nothing to read, nothing written.' },
    FAILED: { description: 'The run stopped: `message` says why, and the counts say how far it got (batches already written stay written; the next run converges).' },
  },
});

/** What started a run. */
export enum RunTrigger {
  SCHEDULE = 'SCHEDULE',
  GRAPHQL = 'GRAPHQL',
  CLI = 'CLI',
}

registerEnumType(RunTrigger, {
  name: 'RunTrigger',
  description: 'What started an ingest run.',
  valuesConfig: {
    SCHEDULE: { description: 'The source’s schedule (`every`).' },
    GRAPHQL: { description: 'An admin, through `runSource`.' },
    CLI: { description: 'The command line (`ingest NAME`).' },
  },
});

/** A problem with one entry of a run (or, for a failed run, with the whole document). */
@ObjectType({ description: 'An entry a run could not use, and where it is in the document.', simpleResolvers: true })
export class IngestError {
  @Field({ description: 'Where: `entry 3`, `line 41`, `post 1234`, `activity XM-DAC-…`, or `document 2` for a whole document.' })
  position!: string;

  @Field({ description: 'What was wrong, for a person.' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'The entry’s identifier at the source, when it has one.' })
  externalId?: string | null;
}

/** Errors kept per run; the count says how many there were in all. */
export const MAX_RUN_ERRORS = 200;

/** One run of a source: when, how it ended, what it did, what went wrong. */
@Entity({ name: 'ingest_run' })
@Index('IDX_ingest_run_source', ['sourceName', 'startedAt'])
@ObjectType({ description: 'One run of a content source: when, how it ended, what it wrote and what it could not use.', simpleResolvers: true })
export class IngestRun {
  @Field(() => ID, { description: 'Identifier of the run.' })
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_ingest_run' })
  id!: string;

  @Field({ description: 'The name of the source it ran.' })
  @Column({ type: 'varchar', length: 100 })
  sourceName!: string;

  @Field(() => RunTrigger, { description: 'What started it.' })
  @Column({ type: 'varchar', length: 16 })
  trigger!: RunTrigger;

  @Field(() => Date, { description: 'When it started.' })
  @Column({ type: Date })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it ended; null while it runs.' })
  @Column({ type: Date, nullable: true })
  endedAt!: Date | null;

  @Field(() => RunOutcome, { description: 'How it ended.' })
  @Column({ type: 'varchar', length: 16 })
  outcome!: RunOutcome;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the first document (304 for an unchanged source); null for a local file or when no answer came.' })
  @Column({ type: 'integer', nullable: true })
  httpStatus!: number | null;

  @Field(() => Int, { description: 'Documents read (pages of a listing count one each).' })
  @Column({ type: 'integer', default: 0 })
  documents!: number;

  @Field(() => Int, { description: 'Items created.' })
  @Column({ type: 'integer', default: 0 })
  created!: number;

  @Field(() => Int, { description: 'Items whose content changed at the source and was updated (a new version, an audit entry, a change-log entry).' })
  @Column({ type: 'integer', default: 0 })
  updated!: number;

  @Field(() => Int, { description: 'Items the source gave again unchanged: not written at all.' })
  @Column({ type: 'integer', default: 0 })
  unchanged!: number;

  @Field(() => Int, { description: 'Entries that could not be used (no title, no usable date, a link that is not http(s)…); listed in `errors`.' })
  @Column({ type: 'integer', default: 0 })
  skipped!: number;

  @Field(() => Int, { description: 'Items an editor had changed whose new version from the source is held for review instead of overwriting the editor’s work.' })
  @Column({ type: 'integer', default: 0 })
  held!: number;

  @Field(() => Int, { description: 'Items withdrawn (unpublished) because the source no longer lists them or says they were deleted.' })
  @Column({ type: 'integer', default: 0 })
  withdrawn!: number;

  @Field(() => Int, { description: 'Items this run published again: the gateway had withdrawn them because the source stopped listing them, and the source lists them again. Each is also counted as unchanged, updated or held, by what happened to its content.' })
  @Column({ type: 'integer', default: 0 })
  republished!: number;

  @Field(() => [IngestError], { description: `The problems of this run, in document order (at most ${MAX_RUN_ERRORS}; \`errorCount\` says how many in all).` })
  @Column({ type: 'simple-json' })
  errors!: IngestError[];

  @Field(() => Int, { description: 'How many problems there were in all.' })
  @Column({ type: 'integer', default: 0 })
  errorCount!: number;

  @Field(() => String, { nullable: true, description: 'Why a failed run stopped, in one line; null otherwise.' })
  @Column({ type: 'text', nullable: true })
  message!: string | null;
}
