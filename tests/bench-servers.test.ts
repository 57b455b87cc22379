import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startGatewayProcess } from '../bench/servers';

/**
 * How the benchmark starts the gateway: `bench:ab` compares two Node settings
 * on one build by giving each side's process its own flags.
 */
describe('bench: the gateway process and its Node flags', () => {
  it('starts the gateway with the Node flags it is given, before the script, and its env and log level', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-servers-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const gateway = await startGatewayProcess(`sqlite:${path.join(dir, 'gateway.sqlite')}`, path.join(dir, 'gateway.log'), {
      env: { NODE_ENV: 'test' },
      logLevel: 'silent',
      nodeFlags: ['--max-semi-space-size=32'],
    });
    try {
      const args = fs.readFileSync(`/proc/${gateway.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.equal(args[1], '--max-semi-space-size=32');
      assert.match(args[2], /dist\/src\/main\.js$/);
      const env = fs.readFileSync(`/proc/${gateway.pid}/environ`, 'utf8').split('\0');
      assert.ok(env.includes('LOG_LEVEL=silent'), 'the log level it was given');
      assert.ok(env.includes('NODE_ENV=test'), 'its env over the deployed defaults (NODE_ENV=production)');
      const answer = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      assert.deepEqual(((await answer.json()) as { data: unknown }).data, { __typename: 'Query' });
    } finally {
      await gateway.stop();
    }
  });

  it('bench:ab refuses a word that is not a Node flag, in one line, before starting anything', () => {
    const run = spawnSync(process.execPath, [path.resolve(__dirname, '../bench/ab.js'), '--a', '.', '--b-node-flags=max-semi-space-size=32'], { encoding: 'utf8' });
    assert.equal(run.status, 2, 'a wrong option exits 2, as the CLI does');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--b-node-flags: "max-semi-space-size=32" is not a Node flag/);
  });

  it('bench:ab takes PostGraphile or the floor as side A, and refuses Node flags for them, in one line', () => {
    const run = spawnSync(process.execPath, [path.resolve(__dirname, '../bench/ab.js'), '--a', 'postgraphile', '--a-node-flags=--max-semi-space-size=32'], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--a-node-flags applies to a gateway build, not to postgraphile/);
    const help = spawnSync(process.execPath, [path.resolve(__dirname, '../bench/ab.js'), '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /postgraphile or floor: that system against the gateway build B/);
  });
});
