import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../src/auth/api-key.service';
import { loadConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { assertHttpError, postOperation, postRaw } from './helpers/http';
import { runCli, type CliRun } from './helpers/cli';

/** The built CLI: this file runs from dist/tests/, the CLI is dist/src/cli.js. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GBR_QUERY = '{ memberNation(code: "GBR") { code name } }';
const GBR = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };

/** The parts of better-sqlite3 this file uses (the package ships no type declarations). */
interface SqliteDatabase {
  prepare(sql: string): { all(): Record<string, unknown>[] };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;


let tmp: string;
let file: string;

/** Runs the built CLI with `DATABASE_URL=sqlite:<tmp>/g.sqlite`, and collects its output. */
function cli(args: string[]): Promise<CliRun> {
  return runCli(args, { cwd: tmp, env: { DATABASE_URL: `sqlite:${file}` } });
}

/** Asserts a failed run: exit `code`, nothing on stdout, and exactly one stderr line starting `coalition-graph: `. */
function assertOneErrorLine(run: CliRun, code: 1 | 2): string {
  assert.equal(run.code, code, `the command should exit ${code}: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const lines = run.stderr.split('\n');
  assert.equal(lines.at(-1), '', `stderr should end with a newline: ${JSON.stringify(run.stderr)}`);
  assert.equal(lines.length, 2, `stderr should be one line: ${JSON.stringify(run.stderr)}`);
  assert.ok(lines[0].startsWith('coalition-graph: '), `unexpected stderr: ${JSON.stringify(run.stderr)}`);
  return lines[0];
}

/** Every row of the api_key table, read straight from the file. */
function apiKeyRows(): Record<string, unknown>[] {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM api_key ORDER BY created_at').all();
  } finally {
    db.close();
  }
}

/** The rows `keys list` printed under its header, split into columns. */
function listedRows(run: CliRun): string[][] {
  const [header, ...rows] = run.stdout.trimEnd().split('\n');
  assert.deepEqual(header.split('\t'), ['id', 'name', 'role', 'prefix', 'created', 'expires', 'revoked', 'last used']);
  return rows.map((row) => row.split('\t'));
}

describe('coalition-graph keys', () => {
  let secret: string;
  let id: string;

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-keys-')));
    file = path.join(tmp, 'g.sqlite');
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('keys create --name "UNDP" --role partner prints the key, starting cg_, on the last line of stdout', async () => {
    const run = await cli(['keys', 'create', '--name', 'UNDP', '--role', 'partner']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.trimEnd().split('\n');
    secret = lines.at(-1)!;
    assert.match(secret, /^cg_[A-Za-z0-9_-]{32}$/);
    assert.match(lines[0], /^Created partner key "UNDP" \(id [0-9a-f-]{36}\)\.$/);
    id = /\(id ([0-9a-f-]{36})\)/.exec(lines[0])![1];
    assert.match(id, UUID);
  });

  it('stores only the key’s SHA-256: the row’s hash matches, and no column or database file holds the secret', () => {
    const rows = apiKeyRows();
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.id, id);
    assert.equal(row.name, 'UNDP');
    assert.equal(row.role, 'PARTNER');
    assert.equal(row.hash, hashApiKey(secret));
    assert.equal(row.prefix, secret.slice(0, 11));
    assert.equal(row.revoked_at, null);
    for (const [column, value] of Object.entries(row)) {
      assert.ok(!String(value).includes(secret), `column ${column} holds the secret`);
    }
    for (const name of fs.readdirSync(tmp)) {
      assert.ok(!fs.readFileSync(path.join(tmp, name)).includes(secret), `${name} holds the secret`);
    }
  });

  it('keys list shows the id, the name and the role partner, never the secret or its hash', async () => {
    const run = await cli(['keys', 'list']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const rows = listedRows(run);
    assert.equal(rows.length, 1);
    const [listedId, name, role, prefix, created, expires, revoked, lastUsed] = rows[0];
    assert.deepEqual({ listedId, name, role, prefix, expires, revoked, lastUsed }, { listedId: id, name: 'UNDP', role: 'partner', prefix: secret.slice(0, 11), expires: '-', revoked: '-', lastUsed: '-' });
    assert.ok(!Number.isNaN(Date.parse(created)), `created is a time: ${created}`);
    assert.ok(!run.stdout.includes(secret), 'the secret is listed');
    assert.ok(!run.stdout.includes(hashApiKey(secret)), 'the hash is listed');
  });

  describe('with a gateway serving the same file (API_KEY_CACHE_SECONDS=0)', () => {
    let gateway: RunningGateway;
    before(async () => {
      const config = loadConfig({ NODE_ENV: 'test', API_KEY_CACHE_SECONDS: '0' }, { port: 0, host: '127.0.0.1', database: { kind: 'sqlite', path: file } });
      gateway = await startGateway(config);
    });
    after(() => gateway?.stop());

    it('accepts the created key', async () => {
      const response = await postOperation(gateway.url, { query: GBR_QUERY }, { authorization: `Bearer ${secret}` });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, GBR);
    });

    it('keys revoke ID revokes it: the running gateway answers the key with 401 at once, and list shows when', async () => {
      const run = await cli(['keys', 'revoke', id]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, new RegExp(`^Revoked key "UNDP" \\(id ${id}\\) at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\.\\n$`));
      for (const headers of [{ authorization: `Bearer ${secret}` }, { 'x-api-key': secret }] as Record<string, string>[]) {
        const response = await postRaw(gateway.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', ...headers });
        assertHttpError(response, 401, 'UNAUTHENTICATED');
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="coalition-graph"');
      }
      const [row] = listedRows(await cli(['keys', 'list']));
      assert.equal(row[0], id);
      assert.ok(!Number.isNaN(Date.parse(row[6])), `revoked is a time: ${row[6]}`);
      // Again, with the id in upper case: the same key, revoked already, at the first time.
      const again = await cli(['keys', 'revoke', id.toUpperCase()]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, `Key "UNDP" (id ${id}) was revoked already, at ${row[6]}.\n`);
    });

    it('keys revoke ID revokes a key named by its id in upper case the first time too (SQLite compares text)', async () => {
      const created = await cli(['keys', 'create', '--name', 'Upper', '--role', 'partner']);
      assert.equal(created.code, 0, created.stderr);
      const lines = created.stdout.trimEnd().split('\n');
      const upperSecret = lines.at(-1)!;
      const upperId = /\(id ([0-9a-f-]{36})\)/.exec(lines[0])![1];
      const headers = { authorization: `Bearer ${upperSecret}` };
      assert.equal((await postOperation(gateway.url, { query: GBR_QUERY }, headers)).status, 200);
      const run = await cli(['keys', 'revoke', upperId.toUpperCase()]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Revoked key "Upper" \\(id ${upperId}\\) at `));
      const refused = await postRaw(gateway.url, JSON.stringify({ query: GBR_QUERY }), { 'content-type': 'application/json', ...headers });
      assertHttpError(refused, 401, 'UNAUTHENTICATED');
      const listed = listedRows(await cli(['keys', 'list'])).find((row) => row[0] === upperId)!;
      assert.ok(!Number.isNaN(Date.parse(listed[6])), `revoked is a time: ${listed[6]}`);
    });
  });

  describe('refuses bad input with a non-zero exit and one stderr line, creating nothing', () => {
    // Exit 2 (and a pointer to --help) for a mistake in the command's flags; 1 for what the key store refuses.
    const cases: [string, string[], 1 | 2][] = [
      ['an unknown role', ['keys', 'create', '--name', 'UNDP', '--role', 'superuser'], 2],
      ['no role', ['keys', 'create', '--name', 'UNDP'], 2],
      ['no --name', ['keys', 'create', '--role', 'partner'], 2],
      ['revoking an unknown id', ['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], 1],
      ['revoking something that is no id', ['keys', 'revoke', 'not-an-id'], 1],
      ['revoke without an id', ['keys', 'revoke'], 2],
      // SQLite kept year 10000 as year 0: a key expired from the start.
      ['an expiry past year 9999', ['keys', 'create', '--name', 'UNDP', '--role', 'partner', '--expires', '10000-06-01'], 2],
      ['an expiry on a day that does not exist', ['keys', 'create', '--name', 'UNDP', '--role', 'partner', '--expires', '2030-02-31'], 2],
      ['a name holding a tab (keys list is tab-separated)', ['keys', 'create', '--name', 'UN\tDP', '--role', 'partner'], 1],
      ['an argument keys list does not take', ['keys', 'list', 'extra'], 2],
      ['a negative number where a value is due, said in one line', ['keys', 'create', '--name', '-5'], 2],
    ];
    for (const [what, args, code] of cases) {
      it(`${what}: coalition-graph ${args.join(' ')} exits ${code}`, async () => {
        const before = apiKeyRows();
        const line = assertOneErrorLine(await cli(args), code);
        assert.ok(!/\n|at .*\.js:\d+/.test(line), `no stack: ${line}`);
        assert.equal(line.endsWith('(see coalition-graph --help)'), code === 2, line);
        assert.deepEqual(apiKeyRows(), before);
      });
    }
  });
});
