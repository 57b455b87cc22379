import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dropDatabase, DRIVERS, freshDatabase } from './helpers/drivers';

/**
 * A request's data must die young. V8 puts some objects straight into old
 * space (the accessor pairs of an object literal's getters; a function assigned
 * to a property while the code runs unoptimised; sites its pretenuring picked),
 * and such an object, dead once its request ends, still keeps whatever young
 * objects it points to alive through every scavenge, until the next full
 * collection: a page's edges and items, a statement's rows, a whole request.
 * They are then promoted, and scavenges copy them: at 1.3 MB a scavenge this
 * cost a sixth of the gateway's CPU.
 *
 * A child process runs the gateway under `--trace-gc-nvp`, with the
 * optimising compiler off so that code stays as it runs at start-up; this
 * process asks it for 6,000 feed pages (50 items with their nations and
 * campaign, four at a time) and reads what its scavenges promoted.
 * Measured here: 930–990 KB a scavenge before the fix (SQLite and PostgreSQL),
 * 30–33 KB after.
 */
const DIST = path.resolve(__dirname, '..');
const SERVE = `
const { loadConfig } = require(${JSON.stringify(path.join(DIST, 'src/config.js'))});
const { startGateway } = require(${JSON.stringify(path.join(DIST, 'src/main.js'))});
startGateway(loadConfig(process.env), { demoIfEmpty: true }).then((gateway) => {
  process.stdout.write('URL ' + gateway.url + '\\n');
  process.on('SIGTERM', () => gateway.stop().then(() => process.exit(0)));
}, (error) => { console.error(error); process.exit(1); });
`;
const QUERY = '{ feed(first: 50) { edges { cursor node { id __typename title summary publishedAt nations { code name } ... on CampaignStory { campaign { slug title } } } } pageInfo { hasNextPage endCursor } } }';

/** The bytes each of the gateway's last scavenges promoted, on average, while this process asked it for feed pages. */
async function promotedPerScavenge(databaseUrl: string, dir: string): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMITS: 'anonymous=1000000000' };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--no-opt', '-e', SERVE], { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let served = 0;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const found = /^URL (\S+)$/m.exec(stdout);
        if (found) resolve(found[1]);
        else if (child.exitCode !== null || Date.now() - started > 120_000) reject(new Error(`the gateway did not start:\n${stdout.slice(-2000)}`));
        else return;
        clearInterval(poll);
      }, 100);
    });
    const body = JSON.stringify({ query: QUERY });
    const ask = async () => {
      const answer = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { data?: { feed: { edges: unknown[] } }; errors?: unknown };
      assert.equal(answer.errors, undefined);
      assert.ok(answer.data!.feed.edges.length > 0);
    };
    for (let round = 0; round < 1500; round++) await Promise.all([ask(), ask(), ask(), ask()]);
    // What it wrote while serving: not its shutdown's collections.
    served = stdout.length;
  } finally {
    child.kill('SIGTERM');
    const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(stuck);
  }
  const promoted = [...stdout.slice(0, served).matchAll(/gc=s .*? promoted=(\d+)/g)].map((match) => Number(match[1]));
  // Past start-up (the demo's load): the steady state of serving. (Request lines are off: with `info` they share stdout with V8's trace.)
  const last = promoted.slice(-40);
  assert.ok(last.length >= 20, `only ${promoted.length} scavenges`);
  return last.reduce((sum, bytes) => sum + bytes, 0) / last.length;
}

describe('a request’s data', () => {
  for (const driver of DRIVERS) {
    it(`dies young instead of being promoted with dead old objects (${driver})`, { timeout: 360_000 }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-retention-'));
      const database = freshDatabase(driver);
      try {
        const url = database.kind === 'sqlite' ? `sqlite:${database.path}` : database.url;
        const promoted = await promotedPerScavenge(url, dir);
        assert.ok(promoted < 250_000, `scavenges promoted ${Math.round(promoted / 1000)} KB each`);
      } finally {
        await dropDatabase(database);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
