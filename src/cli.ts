#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { loadDemoContent } from './demo/demo.loader';
import { seedSynthetic } from './demo/synthetic';
import { describeStartupError, serve } from './main';
import { buildGatewaySchemas, printGatewaySchema } from './server/schema';
import { checkSchema, formatSchemaCheck, unacknowledged } from './server/schema-check';
import { ENTITIES } from './server/modules';
import { KEYS_USAGE, parseKeysCommand, runKeysCommand } from './editing/keys.command';
import { INGEST_USAGE, parseIngestCommand, parseSourcesCommand, runIngestCommand, runSourcesCommand, SOURCES_USAGE } from './ingest/sources.command';
import { UsageError } from './shared/usage-error';

/** Where `schema` writes the SDL by default: the committed `schema/schema.graphql`. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

/** Breaking schema changes made on purpose, one a line, as `schema --check` prints them. */
export const ACKNOWLEDGED_FILE = path.resolve(__dirname, '../../schema/breaking-changes.acknowledged');

/** Each command's entries in the usage, by the command's name: `keys --help` prints its own. */
const COMMAND_USAGE: Readonly<Record<string, string>> = {
  serve: `  serve              migrate, load the demo content into an empty database, and serve`,
  migrate: `  migrate            run pending migrations and exit`,
  seed: `  seed --demo        load the demo content (idempotent: a second run changes nothing)
  seed --synthetic N load N synthetic items (fixed seed) and their campaigns, for benchmarks;
                     the 81 members are added if missing; needs a database without synthetic items`,
  schema: `  schema [--out F]   write the GraphQL SDL to F (default schema/schema.graphql; - for stdout)
  schema --check     list breaking and dangerous changes against schema/schema.graphql (or
                     --against F); exit 1 on a breaking change not listed in
                     schema/breaking-changes.acknowledged (or --acknowledged F)`,
  keys: KEYS_USAGE,
  sources: SOURCES_USAGE,
  ingest: INGEST_USAGE,
};

const EXIT_STATUS = `Exit status: 0 done; 1 failed (one line on stderr says why); 2 a mistake in how the
command was called (a flag missing, out of place or unreadable; the line says so).`;

const USAGE = `Usage: coalition-graph <command> [options]

Commands:
${Object.values(COMMAND_USAGE).join('\n')}

${EXIT_STATUS}

Options:
  -h, --help         show this help

Environment:
  DATABASE_URL       sqlite:PATH (default sqlite:./data/gateway.sqlite) or postgres://…[?schema=NAME]
  PORT, HOST         where serve listens (default 4000 on all interfaces)
  CORS_ORIGINS       comma-separated origins allowed to call /graphql from a browser (default *)
  LOG_LEVEL          fatal, error, warn, info (default), debug, trace or silent
  NODE_ENV           production turns rate limits on (RATE_LIMIT=on|off overrides)
  REDIS_URL          share rate-limit counters and persisted queries between gateways
  PLAYGROUND         on (default) or off: GraphiQL at /playground, and at /graphql for browsers
  (the README lists the limits: MAX_DEPTH, MAX_COST, RATE_LIMITS and the rest)
`;

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        demo: { type: 'boolean' },
        synthetic: { type: 'string' },
        out: { type: 'string' },
        check: { type: 'boolean' },
        against: { type: 'string' },
        acknowledged: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        expires: { type: 'string' },
        operations: { type: 'string' },
        kind: { type: 'string' },
        url: { type: 'string' },
        file: { type: 'string' },
        type: { type: 'string' },
        every: { type: 'string' },
        'publish-as': { type: 'string' },
        outlet: { type: 'string' },
        'campaign-map': { type: 'string' },
        'field-map': { type: 'string' },
        'full-snapshot': { type: 'boolean' },
        'complete-listings': { type: 'boolean' },
        'author-handle': { type: 'string' },
        options: { type: 'string' },
        all: { type: 'boolean' },
      },
    });
  } catch (error) {
    // One line: node's parser explains some refusals over three (`--synthetic -5`).
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (command === 'help') return void process.stdout.write(usageOf(extra[0]));
  if (values.help) return void process.stdout.write(usageOf(command));
  if (!command) throw new UsageError('no command given');
  // A name or id only after `keys revoke` and `sources remove`; `keys list extra` is a mistake, not a list.
  const maxArguments = (command === 'keys' && extra[0] === 'revoke') || (command === 'sources' && extra[0] === 'remove') ? 2 : command === 'keys' || command === 'sources' || command === 'ingest' ? 1 : 0;
  if (extra.length > maxArguments) throw new UsageError(`unexpected argument "${extra.at(-1)}"`);
  for (const option of ['role', 'expires', 'operations'] as const) {
    if (values[option] !== undefined && !(command === 'keys' && extra[0] === 'create')) throw new UsageError(`--${option} belongs to keys create`);
  }
  if (values.name !== undefined && !((command === 'keys' || command === 'sources') && extra[0] === (command === 'keys' ? 'create' : 'add'))) {
    throw new UsageError('--name belongs to keys create and sources add');
  }
  const sourceFlags = ['kind', 'url', 'file', 'type', 'every', 'publish-as', 'outlet', 'campaign-map', 'field-map', 'full-snapshot', 'complete-listings', 'author-handle', 'options'] as const;
  for (const option of sourceFlags) {
    if (values[option] !== undefined && !(command === 'sources' && extra[0] === 'add')) throw new UsageError(`--${option} belongs to sources add`);
  }
  if (values.all !== undefined && command !== 'ingest') throw new UsageError('--all belongs to the ingest command');
  if (values.demo && command !== 'seed') throw new UsageError('--demo belongs to the seed command');
  if (values.synthetic !== undefined && command !== 'seed') throw new UsageError('--synthetic belongs to the seed command');
  if (values.synthetic !== undefined && values.demo) throw new UsageError('seed takes --demo or --synthetic N, not both');
  if (values.synthetic !== undefined && !/^[1-9][0-9]*$/.test(values.synthetic)) {
    throw new UsageError(`--synthetic takes a positive integer, got "${values.synthetic}"`);
  }
  if (values.out !== undefined && command !== 'schema') throw new UsageError('--out belongs to the schema command');
  if (values.check && command !== 'schema') throw new UsageError('--check belongs to the schema command');
  if (values.check && values.out !== undefined) throw new UsageError('schema takes --out or --check, not both');
  if (values.out === '') throw new UsageError('--out needs a file (or - for standard output)');
  for (const option of ['against', 'acknowledged'] as const) {
    if (values[option] !== undefined && !values.check) throw new UsageError(`--${option} belongs to schema --check`);
  }

  switch (command) {
    case 'serve':
      return serve(loadConfig());
    case 'migrate': {
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      await db.destroy();
      return void process.stdout.write('Database is up to date.\n');
    }
    case 'seed': {
      if (!values.demo && values.synthetic === undefined) throw new UsageError('seed needs a dataset: seed --demo or seed --synthetic N');
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      try {
        const print = (line: string) => process.stdout.write(`${line}\n`);
        if (values.synthetic === undefined) await loadDemoContent(db, print);
        else {
          const summary = await seedSynthetic(db, Number(values.synthetic), { progress: print });
          print(`Loaded ${summary.content} synthetic items in ${(summary.milliseconds / 1000).toFixed(1)} s.`);
        }
      } finally {
        await db.destroy();
      }
      return;
    }
    case 'schema': {
      const sdl = printGatewaySchema(await buildGatewaySchemas());
      if (values.check) return checkCommittedSchema(sdl, values.against ?? SCHEMA_FILE, values.acknowledged ?? ACKNOWLEDGED_FILE);
      if (values.out === '-') return void process.stdout.write(sdl);
      const file = path.resolve(values.out ?? SCHEMA_FILE);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, sdl);
      return void process.stdout.write(`Wrote ${path.relative(process.cwd(), file) || file}\n`);
    }
    case 'keys': {
      // The flags first: a mistake in them is told without opening the database (and while it is away).
      const keys = parseKeysCommand(extra[0], extra[1], values);
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      try {
        return await runKeysCommand(db, keys, (line) => process.stdout.write(`${line}\n`));
      } finally {
        await db.destroy();
      }
    }
    case 'sources': {
      const sources = parseSourcesCommand(extra[0], extra[1], values);
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      try {
        return await runSourcesCommand(db, sources, (line) => process.stdout.write(`${line}\n`));
      } finally {
        await db.destroy();
      }
    }
    case 'ingest': {
      const name = parseIngestCommand(extra[0], values);
      const config = loadConfig();
      const db = await openDatabase(config.database, { entities: ENTITIES });
      try {
        const { ran, failed, stopped } = await runIngestCommand(db, config, name, (line) => process.stdout.write(`${line}\n`));
        if (stopped) {
          // As a shell reports Ctrl-C: 128 + SIGINT.
          process.stderr.write(`coalition-graph: stopped before ${ran === 1 ? 'the run' : 'the runs'} ended (each kept what it wrote; its summary is above)\n`);
          process.exitCode = 130;
        } else if (failed.length > 0) {
          // The summaries stay together on stdout; the failure is also said on stderr, in the one line every failing command gives.
          const which = ran === 1 ? `the run of ${failed[0]} failed` : `${failed.length} of ${ran} sources failed: ${failed.join(', ')}`;
          process.stderr.write(`coalition-graph: ${which} (its summary is above)\n`);
          process.exitCode = 1;
        }
        return;
      } finally {
        await db.destroy();
      }
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** The usage of one command (`keys --help`, `help keys`): its entries and the exit statuses; the whole usage for no command or one that is none. */
export function usageOf(command: string | undefined): string {
  const own = command !== undefined && Object.hasOwn(COMMAND_USAGE, command) ? COMMAND_USAGE[command] : undefined;
  if (own === undefined) return USAGE;
  return `Usage: coalition-graph ${command} [options]\n\n${own}\n\n${EXIT_STATUS}\n\ncoalition-graph --help lists every command, its options and the environment.\n`;
}

/**
 * `schema --check`: prints how the code's schema differs from the committed
 * SDL, and fails when a breaking change is not listed in the acknowledgements
 * file. The check runs before `npm run schema` rewrites the committed file;
 * the acknowledgement lands in the same diff, where a reviewer sees it.
 */
function checkCommittedSchema(sdl: string, againstFile: string, acknowledgedFile: string): void {
  // Each file named in the one line that reports it (a bare EISDIR named neither the flag nor the file).
  const read = (file: string, flag: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new UsageError(`${flag}: cannot read ${file} (${code === 'EISDIR' ? 'a folder, not a file' : code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
    }
  };
  const committed = read(againstFile, '--against');
  const acknowledged = fs.existsSync(acknowledgedFile) ? read(acknowledgedFile, '--acknowledged') : '';
  const check = checkSchema(committed, sdl, acknowledged);
  const name = (file: string) => path.relative(process.cwd(), path.resolve(file)) || file;
  process.stdout.write(formatSchemaCheck(check, name(againstFile), name(acknowledgedFile)));
  const missing = unacknowledged(check).length;
  if (missing) throw new Error(`${missing} breaking schema change${missing === 1 ? '' : 's'} not acknowledged in ${name(acknowledgedFile)}`);
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`coalition-graph: ${error.message} (see coalition-graph --help)\n`);
      process.exit(2);
    }
    process.stderr.write(`coalition-graph: ${describeStartupError(error)}\n`);
    process.exit(1);
  });
}
