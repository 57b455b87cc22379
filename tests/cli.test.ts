import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from './helpers/cli';

/** The built CLI: this file runs from dist/tests/, the CLI is dist/src/cli.js. */
const COMMITTED_SCHEMA = path.resolve(__dirname, '../../schema/schema.graphql');

/** The parts of better-sqlite3 this file uses (the package ships no type declarations). */
interface SqliteDatabase {
  prepare(sql: string): { pluck(): { get(): unknown } };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;


let tmp: string;

/** Runs the built CLI in `tmp` with its own DATABASE_URL, and collects its output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd: tmp, env: { DATABASE_URL: `sqlite:${path.join(tmp, 'x.sqlite')}`, ...env } });
}

/** Asserts that stderr is exactly one line, starting `coalition-graph: `, and returns it. */
function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n');
  assert.equal(lines.at(-1), '', `stderr should end with a newline: ${JSON.stringify(run.stderr)}`);
  assert.equal(lines.length, 2, `stderr should be one line: ${JSON.stringify(run.stderr)}`);
  assert.ok(lines[0].startsWith('coalition-graph: '), `unexpected stderr: ${JSON.stringify(run.stderr)}`);
  return lines[0];
}

/** Opens a SQLite file read-only and returns one count. */
function count(file: string, table: string): number {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
  } finally {
    db.close();
  }
}

/** A fresh, not yet existing database file path in its own folder under `tmp`. */
function freshFile(name: string): string {
  return path.join(tmp, name, 'db.sqlite');
}

describe('coalition-graph CLI', () => {
  before(() => {
    // realpath: the child's process.cwd() is resolved, and `schema` prints paths relative to it.
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-cli-')));
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('usage', () => {
    for (const args of [['keys', '--help'], ['help', 'keys'], ['keys', 'create', '-h']]) {
      it(`prints the keys command's own usage for ${args.join(' ')}: its entries and the exit statuses, not every command`, async () => {
        const run = await cli(args);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stderr, '');
        assert.match(run.stdout, /^Usage: coalition-graph keys \[options\]\n\n {2}keys create --name N --role R/);
        for (const entry of ['keys create', 'keys list', 'keys revoke ID']) assert.match(run.stdout, new RegExp(`^  ${entry}`, 'm'));
        assert.match(run.stdout, /^Exit status: 0 done; 1 failed/m);
        assert.doesNotMatch(run.stdout, /^ {2}(serve|sources|ingest|DATABASE_URL)\b/m);
      });
    }

    it('prints an entry with all its continuation lines (sources add spans five), and the whole usage for a command that is none', async () => {
      const sources = await cli(['sources', '--help']);
      assert.match(sources.stdout, /--complete-listings\] \[--author-handle H\] \[--options JSON\]\n {21}add a source/);
      assert.match(sources.stdout, /^ {2}sources remove N/m);
      const bogus = await cli(['help', 'bogus']);
      assert.equal(bogus.code, 0);
      assert.match(bogus.stdout, /^Usage: coalition-graph <command> \[options\]\n/);
    });

    for (const args of [['--help'], ['-h'], ['help']]) {
      it(`prints the usage listing every command on stdout and exits 0 for ${args.join(' ')}`, async () => {
        const run = await cli(args);
        assert.equal(run.code, 0);
        assert.equal(run.stderr, '');
        assert.match(run.stdout, /^Usage: coalition-graph <command> \[options\]\n/);
        for (const command of ['serve', 'migrate', 'seed --demo', 'schema \\[--out F\\]']) {
          assert.match(run.stdout, new RegExp(`^  ${command}\\s+\\S`, 'm'), `usage should list "${command}"`);
        }
        for (const variable of ['DATABASE_URL', 'PORT, HOST', 'CORS_ORIGINS', 'LOG_LEVEL']) {
          assert.match(run.stdout, new RegExp(`^  ${variable}\\s+\\S`, 'm'), `usage should document ${variable}`);
        }
      });
    }

    it('exits 2 with one line on stderr pointing to --help for an unknown option', async () => {
      const run = await cli(['--bogus']);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      const line = oneErrorLine(run);
      assert.match(line, /--bogus/);
      assert.match(line, /\(see coalition-graph --help\)$/);
    });

    it('exits 2 with one line on stderr pointing to --help for an unknown command', async () => {
      const run = await cli(['frobnicate']);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(oneErrorLine(run), 'coalition-graph: unknown command "frobnicate" (see coalition-graph --help)');
    });

    it('exits 2 pointing to --help when no command is given', async () => {
      const run = await cli([]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /--help/);
    });

    it('exits 2 for an extra argument after the command', async () => {
      const run = await cli(['migrate', 'now']);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /"now".*--help/);
    });

    it('exits 2 for an option given to the wrong command, before touching the database', async () => {
      const file = freshFile('wrong-option');
      const run = await cli(['migrate', '--demo'], { DATABASE_URL: `sqlite:${file}` });
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /--demo.*--help/);
      assert.equal(fs.existsSync(file), false);
    });

    it('exits 2 for seed without --demo, naming seed --demo, before touching the database', async () => {
      const file = freshFile('seed-no-dataset');
      const run = await cli(['seed'], { DATABASE_URL: `sqlite:${file}` });
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /seed --demo.*--help/);
      assert.equal(fs.existsSync(file), false);
    });
  });

  describe('configuration and connection errors', () => {
    it('exits 1 with one line naming DATABASE_URL for an unsupported DATABASE_URL', async () => {
      const run = await cli(['migrate'], { DATABASE_URL: 'mysql://x' });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /^coalition-graph: DATABASE_URL: /);
    });

    it('exits 1 naming the folder when the SQLite file cannot be made there: under /proc (Node\'s recursive mkdir never returned) or under a file', async () => {
      const blocker = path.join(tmp, 'a-file');
      fs.writeFileSync(blocker, '');
      for (const [url, message] of [
        ['sqlite:/proc/coalition-graph-nowhere/db.sqlite', /ENOENT.*'\/proc\/coalition-graph-nowhere'/],
        [`sqlite:${blocker}/db.sqlite`, new RegExp(`${blocker} is a file, not a folder`)],
        [`sqlite:${blocker}/deeper/db.sqlite`, new RegExp(`${blocker} is a file, not a folder`)],
      ] as const) {
        const run = await cli(['migrate'], { DATABASE_URL: url });
        assert.equal(run.code, 1, url);
        assert.equal(run.stdout, '');
        assert.match(oneErrorLine(run), message);
      }
    });

    it('tells a flag mistake of keys, sources and ingest (exit 2) before opening the database: also while it is away, and without making a SQLite file', async () => {
      const file = freshFile('never-made');
      for (const url of ['postgres://postgres@127.0.0.1:1/nowhere', `sqlite:${file}`]) {
        for (const [args, message] of [
          [['keys', 'create', '--role', 'partner'], /keys create needs --name/],
          [['keys', 'create', '--name', 'n', '--role', 'root'], /keys create needs --role partner, editor or admin/],
          [['keys', 'revoke'], /keys revoke needs the id of a key/],
          [['sources', 'add', '--name', 'x', '--kind', 'GOPHER', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE'], /sources add needs --kind/],
          [['sources', 'remove'], /sources remove needs the name of a source/],
          [['ingest'], /ingest takes the name of a source, or --all/],
        ] as const) {
          const run = await cli([...args], { DATABASE_URL: url });
          assert.equal(run.code, 2, `${args.join(' ')} on ${url}: ${run.stderr}`);
          assert.match(oneErrorLine(run), message);
          assert.match(run.stderr, /\(see coalition-graph --help\)\n$/);
        }
      }
      assert.equal(fs.existsSync(path.dirname(file)), false, 'the SQLite folder was not made');
      // An empty --every is no schedule, as the sources read it: not a mistake.
      const onDemand = await cli(['sources', 'add', '--name', 'on-demand', '--kind', 'FEED', '--url', 'http://127.0.0.1/x.rss', '--type', 'DIGEST_ARTICLE', '--every', ''], { DATABASE_URL: `sqlite:${file}` });
      assert.equal(onDemand.code, 0, onDemand.stderr);
      assert.match(onDemand.stdout, /\(runs on demand: ingest on-demand\)/);
    });

    it('exits 1 with one line naming LOG_LEVEL for an unknown LOG_LEVEL', async () => {
      const run = await cli(['migrate'], { LOG_LEVEL: 'loud' });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /^coalition-graph: LOG_LEVEL: /);
    });

    it('exits 1 naming HOST, not the database, when serve cannot listen there', async () => {
      const file = freshFile('bad-host');
      // An address of no interface of this machine (TEST-NET-1): EADDRNOTAVAIL, at once and without DNS.
      const run = await cli(['serve'], { DATABASE_URL: `sqlite:${file}`, HOST: '192.0.2.1', PORT: '0' });
      assert.equal(run.code, 1);
      assert.match(oneErrorLine(run), /^coalition-graph: cannot listen on 192\.0\.2\.1:0: .*EADDRNOTAVAIL/);
    });

    it('exits 2 naming the flag and the file when schema --check is given a folder or a missing file', async () => {
      const folder = tmp;
      const asFolder = await cli(['schema', '--check', '--against', folder]);
      assert.equal(asFolder.code, 2);
      assert.match(oneErrorLine(asFolder), /--against: cannot read .* \(a folder, not a file\)/);
      const missing = await cli(['schema', '--check', '--against', path.join(folder, 'nope.graphql')]);
      assert.equal(missing.code, 2);
      assert.match(oneErrorLine(missing), /--against: cannot read .*nope\.graphql \(no such file\)/);
    });

    it('exits 1 with "cannot connect to the database" when migrate cannot reach PostgreSQL', async () => {
      const run = await cli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(oneErrorLine(run), /^coalition-graph: cannot connect to the database/);
    });
  });

  describe('migrate', () => {
    it('creates the database file (and its folder) on a fresh SQLite path and exits 0, twice', async () => {
      const file = freshFile('migrate');
      const env = { DATABASE_URL: `sqlite:${file}` };

      const first = await cli(['migrate'], env);
      assert.deepEqual(first, { code: 0, signal: null, stdout: 'Database is up to date.\n', stderr: '' });
      assert.ok(fs.statSync(file).isFile());
      const applied = count(file, 'migrations');
      assert.ok(applied >= 1, 'the first run should apply the migrations');

      const second = await cli(['migrate'], env);
      assert.deepEqual(second, { code: 0, signal: null, stdout: 'Database is up to date.\n', stderr: '' });
      assert.equal(count(file, 'migrations'), applied, 'the second run should apply nothing');
      assert.equal(count(file, 'member_nation'), 0, 'migrate should not load content');
    });
  });

  describe('seed --demo', () => {
    it('loads the 81 members, 19 items and 8 translations on a fresh database, and changes nothing on a second run', async () => {
      const file = freshFile('seed');
      const env = { DATABASE_URL: `sqlite:${file}` };

      const first = await cli(['seed', '--demo'], env);
      assert.deepEqual(first, {
        code: 0,
        signal: null,
        stdout: [
          'nations: 81 created, 0 updated, 0 unchanged',
          'campaigns: 1 created, 0 updated, 0 unchanged',
          'content: 19 created, 0 updated, 0 unchanged',
          'translations: 8 created, 0 updated, 0 unchanged',
          '',
        ].join('\n'),
        stderr: '',
      });

      const second = await cli(['seed', '--demo'], env);
      assert.deepEqual(second, {
        code: 0,
        signal: null,
        stdout: [
          'nations: 0 created, 0 updated, 81 unchanged',
          'campaigns: 0 created, 0 updated, 1 unchanged',
          'content: 0 created, 0 updated, 19 unchanged',
          'translations: 0 created, 0 updated, 8 unchanged',
          '',
        ].join('\n'),
        stderr: '',
      });

      assert.equal(count(file, 'member_nation'), 81);
      assert.equal(count(file, 'content'), 19);
      assert.equal(count(file, 'content_translation'), 8);
    });
  });

  describe('schema', () => {
    let committed: string;
    before(() => {
      committed = fs.readFileSync(COMMITTED_SCHEMA, 'utf8');
    });

    it('writes the SDL, identical to the committed schema/schema.graphql, to --out (creating its folder)', async () => {
      const out = path.join(tmp, 'schema-out', 'nested', 's.graphql');
      const run = await cli(['schema', '--out', out]);
      assert.deepEqual(run, { code: 0, signal: null, stdout: `Wrote ${path.join('schema-out', 'nested', 's.graphql')}\n`, stderr: '' });
      assert.equal(fs.readFileSync(out, 'utf8'), committed);
    });

    it('prints the same SDL to stdout for --out -', async () => {
      const run = await cli(['schema', '--out', '-']);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      assert.equal(run.stdout, committed);
    });
  });
});
