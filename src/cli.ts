#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { loadDemoContent } from './demo/demo.loader';
import { describeStartupError, serve } from './main';
import { buildGatewaySchemas, printGatewaySchema } from './server/schema';
import { ENTITIES } from './server/modules';

/** Where `schema` writes the SDL by default: the committed `schema/schema.graphql`. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

const USAGE = `Usage: coalition-graph <command> [options]

Commands:
  serve              migrate, load the demo content into an empty database, and serve
  migrate            run pending migrations and exit
  seed --demo        load the demo content (idempotent: a second run changes nothing)
  schema [--out F]   write the GraphQL SDL to F (default schema/schema.graphql; - for stdout)

Options:
  -h, --help         show this help

Environment:
  DATABASE_URL       sqlite:PATH (default sqlite:./data/gateway.sqlite) or postgres://…[?schema=NAME]
  PORT, HOST         where serve listens (default 4000 on all interfaces)
  CORS_ORIGINS       comma-separated origins allowed to call /graphql from a browser (default *)
  LOG_LEVEL          fatal, error, warn, info (default), debug, trace or silent
`;

/** A mistake in how the command was called: exit code 2 and a pointer to --help. */
class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, demo: { type: 'boolean' }, out: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help || command === 'help') return void process.stdout.write(USAGE);
  if (!command) throw new UsageError('no command given');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.demo && command !== 'seed') throw new UsageError('--demo belongs to the seed command');
  if (values.out !== undefined && command !== 'schema') throw new UsageError('--out belongs to the schema command');

  switch (command) {
    case 'serve':
      return serve(loadConfig());
    case 'migrate': {
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      await db.destroy();
      return void process.stdout.write('Database is up to date.\n');
    }
    case 'seed': {
      if (!values.demo) throw new UsageError('seed needs a dataset: seed --demo');
      const db = await openDatabase(loadConfig().database, { entities: ENTITIES });
      try {
        await loadDemoContent(db, (line) => process.stdout.write(`${line}\n`));
      } finally {
        await db.destroy();
      }
      return;
    }
    case 'schema': {
      const sdl = printGatewaySchema(await buildGatewaySchemas());
      if (values.out === '-') return void process.stdout.write(sdl);
      const file = path.resolve(values.out ?? SCHEMA_FILE);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, sdl);
      return void process.stdout.write(`Wrote ${path.relative(process.cwd(), file) || file}\n`);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
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
