import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { parseAllowedHosts } from '../net/address-rules';
import { ContentType } from '../shared/content/content-status';
import { UsageError } from '../shared/usage-error';
import { CLI_ACTOR } from '../store/session';
import { IngestRun, RunOutcome, RunTrigger } from './ingest-run.entity';
import { ingestSettingsFrom, IngestService, summariseRun } from './service';
import { ContentSource, formatInterval, parseInterval, PublishAs } from './source.entity';
import { createSource, deleteSource, type SourceSettingsInput } from './sources';
import { INGEST_KINDS, isIngestKind } from './connectors';

/** Options of `sources` and `ingest`, as the CLI parsed them. */
export interface SourcesOptions {
  readonly name?: string;
  readonly kind?: string;
  readonly url?: string;
  readonly file?: string;
  readonly type?: string;
  readonly every?: string;
  readonly 'publish-as'?: string;
  readonly outlet?: string;
  readonly 'campaign-map'?: string;
  readonly 'field-map'?: string;
  readonly 'full-snapshot'?: boolean;
  readonly 'complete-listings'?: boolean;
  readonly 'author-handle'?: string;
  readonly options?: string;
  readonly all?: boolean;
}

export const SOURCES_USAGE = `  sources add --name N --kind K (--url URL | --file PATH) --type T [--every 30m] [--publish-as DRAFT]
             [--outlet NAME] [--campaign-map TERM=SLUG,…] [--field-map HEADER=FIELD,…] [--full-snapshot]
             [--complete-listings] [--author-handle H] [--options JSON]
                     add a source (kind FEED, WORDPRESS, SOCIAL_ARCHIVE, IATI or CSV; type DIGEST_ARTICLE,
                     CAMPAIGN_STORY, SOCIAL_POST or STABILISATION_PROJECT); --file reads a local file
  sources list       list sources: name, kind, type, every, last run
  sources remove N   remove a source (its items stay)`;

export const INGEST_USAGE = `  ingest NAME        run a source now: shows progress, ends with one summary line; exit 1 if the run failed
                     (and one line on stderr saying so).
                     If the source is being run already (by a gateway), waits for that run instead.
                     Ctrl-C stops a run at its next step, keeping what it wrote, and exits 130
  ingest --all       run every source, two at a time`;

/** A `sources` command as its flags say it, checked before any database is opened. */
export type SourcesCommand =
  | { readonly action: 'add'; readonly settings: SourceSettingsInput; readonly fromFile: boolean }
  | { readonly action: 'list' }
  | { readonly action: 'remove'; readonly name: string };

/**
 * Reads `sources add | list | remove` and its flags; a mistake in them (one
 * missing, a kind, type or interval that is none) is a {@link UsageError}
 * (exit 2), found before the command opens the database. What only the
 * sources can judge (a name taken, an option out of range, a file missing)
 * they refuse when the command runs (exit 1).
 */
export function parseSourcesCommand(action: string | undefined, argument: string | undefined, options: SourcesOptions): SourcesCommand {
  switch (action) {
    case 'add': {
      if (!options.name) throw new UsageError('sources add needs --name');
      const kind = (options.kind ?? '').toUpperCase();
      if (!isIngestKind(kind)) throw new UsageError(`sources add needs --kind, one of ${INGEST_KINDS.join(', ')}`);
      if (!options.url === !options.file) throw new UsageError('sources add needs --url URL or --file PATH (one of them)');
      const type = (options.type ?? '').toUpperCase();
      if (!Object.values(ContentType).includes(type as ContentType)) {
        throw new UsageError(`sources add needs --type, one of ${Object.values(ContentType).join(', ')}`);
      }
      // An empty --every is no schedule (on demand), as the sources read it.
      if (options.every && parseInterval(options.every) === null) {
        throw new UsageError(`--every: "${options.every}" is not an interval from 1m to 30d such as 30m, 6h or 1d`);
      }
      const publishAs = (options['publish-as'] ?? 'PUBLISHED').toUpperCase();
      if (publishAs !== PublishAs.PUBLISHED && publishAs !== PublishAs.DRAFT) throw new UsageError('--publish-as takes PUBLISHED or DRAFT');
      const settings: SourceSettingsInput = {
        name: options.name,
        kind,
        url: options.url ?? options.file!,
        targetType: type as ContentType,
        options: optionsOf(options),
        every: options.every ?? null,
        publishAs: publishAs as PublishAs,
      };
      return { action, settings, fromFile: options.file !== undefined };
    }
    case 'list':
      return { action };
    case 'remove':
      if (!argument) throw new UsageError('sources remove needs the name of a source (see sources list)');
      return { action, name: argument };
    default:
      throw new UsageError('sources takes add, list or remove');
  }
}

/** Runs a `sources` command. */
export async function runSourcesCommand(db: DataSource, command: SourcesCommand, print: (line: string) => void): Promise<void> {
  switch (command.action) {
    case 'add': {
      const source = await createSource(db, CLI_ACTOR, command.settings, command.fromFile);
      print(`Added ${source.kind} source "${source.name}" → ${source.targetType} from ${source.url}${source.everySeconds ? `, every ${formatInterval(source.everySeconds)}` : ' (runs on demand: ingest ' + source.name + ')'}.`);
      return;
    }
    case 'list': {
      const sources = await db.getRepository(ContentSource).find({ order: { name: 'ASC' } });
      if (sources.length === 0) return print('No sources. Add one with: sources add --name N --kind FEED --url URL --type DIGEST_ARTICLE');
      const runs = new Map((await db.getRepository(IngestRun).findBy(sources.flatMap((s) => (s.lastRunId ? [{ id: s.lastRunId }] : [])))).map((run) => [run.id, run]));
      print(['name', 'kind', 'type', 'every', 'publish as', 'last run', 'outcome', 'url'].join('\t'));
      for (const source of sources) {
        const run = source.lastRunId ? runs.get(source.lastRunId) : undefined;
        print([source.name, source.kind, source.targetType, source.every ?? 'on demand', source.publishAs, run ? run.startedAt.toISOString() : '-', outcomeOf(run?.outcome, source.consecutiveFailures), source.url].join('\t'));
      }
      return;
    }
    case 'remove':
      await deleteSource(db, CLI_ACTOR, command.name);
      print(`Removed source "${command.name}"; the items it imported stay.`);
      return;
  }
}

/** `ingest NAME` or `ingest --all`, checked before any database is opened: the source's name, or null for all. */
export function parseIngestCommand(name: string | undefined, options: SourcesOptions): string | null {
  if (!name === !options.all) throw new UsageError('ingest takes the name of a source, or --all');
  return name ?? null;
}

/** What `ingest` ran: how many sources, the names of those whose run failed (the CLI then exits 1, and says which on stderr), and whether it was stopped (exit 130). */
export interface IngestCommandResult {
  readonly ran: number;
  readonly failed: readonly string[];
  readonly stopped: boolean;
}

/**
 * `ingest NAME` or `ingest --all`: runs sources in this process, printing
 * progress and one summary line per source.
 */
export async function runIngestCommand(db: DataSource, config: Config, name: string | null, print: (line: string) => void): Promise<IngestCommandResult> {
  const service = new IngestService(db, ingestSettingsFrom(config, parseAllowedHosts(config.outboundAllowedHosts.join(','))));
  // Ctrl-C (or SIGTERM) stops the runs at their next step: each records how far it got and lets go of its source, which the
  // next run (here or in a gateway) then takes at once; killed outright, the claim held the source for two minutes.
  // A second Ctrl-C quits at once.
  const stop = () => {
    if (service.stopped) process.exit(130);
    print('stopping: each run ends after its current step (Ctrl-C again to quit at once)');
    service.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const names = name ? [name] : (await db.getRepository(ContentSource).find({ order: { name: 'ASC' }, select: { name: true } })).map((source) => source.name);
    if (names.length === 0) print('No sources to run.');
    const failed: string[] = [];
    await service.runEach(
      names,
      RunTrigger.CLI,
      (source, line) => print(`${source}: ${line}`),
      (source, run, elapsed) => {
        const seconds = elapsed.toFixed(1);
        if (run.outcome === RunOutcome.FAILED) {
          failed.push(source);
          print(`${source}: FAILED after ${seconds} s — ${run.message} (${summariseRun(run)}; run ${run.id})`);
        } else {
          print(`${source}: ${run.outcome} in ${seconds} s — ${summariseRun(run)} (run ${run.id})`);
        }
        for (const error of run.errors.slice(0, 5)) print(`${source}:   skipped ${error.position}: ${error.message}`);
        if (run.errorCount > 5) print(`${source}:   … and ${run.errorCount - 5} more (ingestRuns in GraphQL lists up to 200)`);
      },
    );
    return { ran: names.length, failed, stopped: service.stopped };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await service.close();
  }
}

/** The source options the CLI's flags set; `--options JSON` gives any others. */
function optionsOf(options: SourcesOptions): Record<string, unknown> {
  let extra: unknown = {};
  if (options.options) {
    try {
      extra = JSON.parse(options.options);
    } catch {
      extra = undefined;
    }
    // Not JSON, or JSON that is a string, a number, a list or null: not the object of options it stands for.
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
      throw new UsageError('--options takes a JSON object, e.g. --options \'{"language":"fr"}\'');
    }
  }
  return {
    ...(extra as Record<string, unknown>),
    ...(options.outlet !== undefined ? { outlet: options.outlet } : {}),
    ...(options['campaign-map'] !== undefined ? { campaignMap: pairs(options['campaign-map'], '--campaign-map') } : {}),
    ...(options['field-map'] !== undefined ? { fieldMap: pairs(options['field-map'], '--field-map') } : {}),
    ...(options['full-snapshot'] ? { fullSnapshot: true } : {}),
    ...(options['complete-listings'] ? { completeListings: true } : {}),
    ...(options['author-handle'] !== undefined ? { authorHandle: options['author-handle'].replace(/^@/, '') } : {}),
  };
}

/** `a=b,c=d` (or a JSON object) as an object of strings. */
function pairs(text: string, flag: string): Record<string, string> {
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new UsageError(`${flag} takes KEY=VALUE,… or a JSON object`);
    }
  }
  const result: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag}: "${pair}" is not KEY=VALUE`);
    result[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return result;
}

/** A source's last outcome, with how many runs in a row failed when more than one did (its schedule is spaced out then). */
function outcomeOf(outcome: string | undefined, failuresInARow: number): string {
  return failuresInARow > 1 ? `${outcome} (${failuresInARow} in a row)` : (outcome ?? '-');
}
