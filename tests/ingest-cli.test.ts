import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { DatabaseConfig } from '../src/config';
import { ingestServiceOf } from '../src/ingest/service';
import { Content } from '../src/shared/content/content.entity';
import { CLI, runCli, type CliRun } from './helpers/cli';
import { DRIVERS } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startIngestGateway, type IngestGateway } from './helpers/ingest';
import { rss, startUpstream, type RssEntry, type Upstream } from './helpers/upstream';

const EXAMPLES = path.resolve(__dirname, '../../examples/sources');

const ENTRIES: RssEntry[] = [
  { guid: 'cli-1', title: 'Schools reopen in west Mosul', link: 'https://cli.example/1', date: 'Thu, 13 Mar 2025 10:00:00 GMT', description: 'Twelve schools.' },
  { guid: 'cli-2', title: 'Demining resumes near Raqqa', link: 'https://cli.example/2', date: 'Wed, 12 Mar 2025 10:00:00 GMT', description: 'Clearance teams.' },
  { guid: 'cli-3', link: 'https://cli.example/3', date: 'Tue, 11 Mar 2025 10:00:00 GMT', description: 'No title.' },
];

/** The DATABASE_URL a child process uses to reach the same database. */
function databaseUrl(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `sqlite:${database.path}`;
  const url = new URL(database.url);
  if (database.schema) url.searchParams.set('schema', database.schema);
  return url.toString();
}

/** Lines of output that are the one summary line of a source's run. */
const summaries = (out: string, name: string) => out.split('\n').filter((line) => new RegExp(`^${name}: (SUCCEEDED|UNCHANGED|FAILED) (in|after) [0-9.]+ s — `).test(line));

for (const driver of DRIVERS) {
  describe(`the sources and ingest commands [${driver}]`, () => {
    let upstream: Upstream;
    let gw: IngestGateway;
    let env: Record<string, string>;
    const cli = (...args: string[]): Promise<CliRun> => runCli(args, { env });

    before(async () => {
      upstream = await startUpstream();
      // A gateway on the same database: the CLI and a running gateway share sources and runs.
      gw = await startIngestGateway(driver);
      env = { DATABASE_URL: databaseUrl(gw.database), OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
      upstream.serve('/cli.rss', rss(ENTRIES));
    });
    after(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    it('sources add prints what it added', async () => {
      const added = await cli('sources', 'add', '--name', 'cli-wire', '--kind', 'FEED', '--url', upstream.url('/cli.rss'), '--type', 'DIGEST_ARTICLE', '--outlet', 'CLI Wire');
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout, `Added FEED source "cli-wire" → DIGEST_ARTICLE from ${upstream.url('/cli.rss')} (runs on demand: ingest cli-wire).\n`);
      assert.equal(added.stderr, '');
    });

    it('sources list shows it, with its schedule and last run', async () => {
      const listed = await cli('sources', 'list');
      assert.equal(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trimEnd().split('\n');
      assert.equal(lines[0], ['name', 'kind', 'type', 'every', 'publish as', 'last run', 'outcome', 'url'].join('\t'));
      assert.deepEqual(lines.slice(1), [['cli-wire', 'FEED', 'DIGEST_ARTICLE', 'on demand', 'PUBLISHED', '-', '-', upstream.url('/cli.rss')].join('\t')]);
    });

    it('ingest NAME prints progress, each skipped entry and one summary line, and exits 0', async () => {
      const run = await cli('ingest', 'cli-wire');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.ok(lines.includes('cli-wire: document 1: 2 items, 1 skipped'), run.stdout);
      assert.ok(lines.some((line) => /^cli-wire: {3}wrote 2 of 2: 2 created, 0 updated, 0 unchanged so far$/.test(line)), run.stdout);
      const [summary, ...more] = summaries(run.stdout, 'cli-wire');
      assert.deepEqual(more, []);
      assert.match(summary, /^cli-wire: SUCCEEDED in [0-9.]+ s — 2 created, 0 updated, 0 unchanged, 1 skipped from 1 document \(run [0-9a-f-]{36}\)$/);
      assert.ok(lines.includes('cli-wire:   skipped entry 3: No title'), run.stdout);
      const items = await gw.gateway.db.getRepository(Content).find({ where: { sourceName: 'cli-wire' } });
      assert.equal(items.length, 2);
      // The gateway sees the CLI's run.
      const runs = await gw.runsOf('cli-wire');
      assert.deepEqual(
        runs.map((r) => [r.trigger, r.outcome, r.created, r.skipped]),
        [['CLI', 'SUCCEEDED', 2, 1]],
      );
    });

    it('ingest again sees nothing new', async () => {
      const run = await cli('ingest', 'cli-wire');
      assert.equal(run.code, 0, run.stderr);
      assert.match(summaries(run.stdout, 'cli-wire').join('\n'), /^cli-wire: SUCCEEDED in [0-9.]+ s — 0 created, 0 updated, 2 unchanged, 1 skipped from 1 document/);
    });

    it('ingest exits 1 with a FAILED summary when the run fails', async () => {
      const added = await cli('sources', 'add', '--name', 'cli-gone', '--kind', 'FEED', '--url', upstream.url('/gone.rss'), '--type', 'DIGEST_ARTICLE');
      assert.equal(added.code, 0, added.stderr);
      const run = await cli('ingest', 'cli-gone');
      assert.equal(run.code, 1);
      const [summary, ...more] = summaries(run.stdout, 'cli-gone');
      assert.deepEqual(more, []);
      assert.match(summary, /^cli-gone: FAILED after [0-9.]+ s — http:\/\/127\.0\.0\.1:\d+\/gone\.rss: HTTP 404 Not Found \(0 created, 0 updated, 0 unchanged, 0 skipped from 0 documents; run [0-9a-f-]{36}\)$/);
      // And one line on stderr, as every failing command gives.
      assert.equal(run.stderr, 'coalition-graph: the run of cli-gone failed (its summary is above)\n');
    });

    it('ingest --all runs every source, one summary each, and exits 1 if one failed', async () => {
      const run = await cli('ingest', '--all');
      assert.equal(run.code, 1);
      assert.equal(summaries(run.stdout, 'cli-wire').length, 1);
      assert.equal(summaries(run.stdout, 'cli-gone').length, 1);
      assert.match(run.stderr, /^coalition-graph: 1 of \d+ sources failed: cli-gone \(its summary is above\)\n$/);
    });

    it('reads a SOCIAL_ARCHIVE from --file through a real run', async () => {
      const added = await cli('sources', 'add', '--name', 'cli-x', '--kind', 'SOCIAL_ARCHIVE', '--file', path.join(EXAMPLES, 'tweets.jsonl'), '--type', 'SOCIAL_POST', '--author-handle', '@CoalitionDemo');
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /^Added SOCIAL_ARCHIVE source "cli-x" → SOCIAL_POST from file:\/.*tweets\.jsonl/);
      const run = await cli('ingest', 'cli-x');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(summaries(run.stdout, 'cli-x').join('\n'), /^cli-x: SUCCEEDED in [0-9.]+ s — 7 created, 0 updated, 0 unchanged, 0 skipped from 1 document/);
      const posts = await gw.gateway.db.getRepository(Content).find({ where: { sourceName: 'cli-x' } });
      assert.equal(posts.length, 7);
      assert.ok(posts.some((post) => post.sourceExternalId === '1181931122003456001'));
      const runs = await gw.runsOf('cli-x');
      assert.equal(runs[0].httpStatus, null);
      // A file source is the command line's only: GraphQL cannot make one.
      const refused = await gw.post(`mutation { createSource(input: { name: "sneaky", kind: FEED, url: "/etc/passwd", type: DIGEST_ARTICLE }) { id } }`);
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });

    it('answers bad input with one readable line and a non-zero exit', async () => {
      // A mistake in the command's own flags exits 2 with a pointer to --help; what the sources refuse exits 1.
      const usage: [string[], RegExp][] = [
        [['sources', 'add', '--name', 'x', '--kind', 'FEED', '--type', 'DIGEST_ARTICLE'], /needs --url URL or --file PATH/],
        [['sources', 'add', '--name', 'x', '--kind', 'FEED', '--url', 'http://127.0.0.1/x', '--type', 'NEWS'], /needs --type, one of/],
        [['sources', 'add', '--kind', 'FEED', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE'], /sources add needs --name/],
        [['sources', 'add', '--name', 'x', '--kind', 'GOPHER', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE'], /sources add needs --kind, one of FEED, WORDPRESS, SOCIAL_ARCHIVE, IATI, CSV/],
        [['sources', 'add', '--name', 'x', '--kind', 'FEED', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE', '--every', '5s'], /--every: "5s" is not an interval/],
        [['sources', 'add', '--name', 'x', '--kind', 'FEED', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE', '--publish-as', 'LATER'], /--publish-as takes PUBLISHED or DRAFT/],
        [['sources', 'add', '--name', 'x', '--kind', 'CSV', '--url', 'http://127.0.0.1/x.csv', '--type', 'STABILISATION_PROJECT', '--field-map', 'title'], /--field-map: "title" is not KEY=VALUE/],
        [['sources', 'remove'], /sources remove needs the name of a source/],
        [['sources', 'list', 'extra'], /unexpected argument "extra"/],
        [['ingest'], /ingest takes the name of a source, or --all/],
        // JSON that is no object.
        ...['"abc"', '[1]', 'null', '42'].map((json): [string[], RegExp] => [['sources', 'add', '--name', 'x', '--kind', 'CSV', '--url', 'http://127.0.0.1/x.csv', '--type', 'STABILISATION_PROJECT', '--options', json], /--options takes a JSON object/]),
      ];
      const cases: [string[], RegExp][] = [
        [['sources', 'add', '--name', 'cli-wire', '--kind', 'FEED', '--url', 'http://127.0.0.1/x', '--type', 'DIGEST_ARTICLE'], /A source named "cli-wire" exists already/],
        [['sources', 'add', '--name', 'x', '--kind', 'FEED', '--file', '/no/such/file.rss', '--type', 'DIGEST_ARTICLE'], /\/no\/such\/file\.rss does not exist/],
        [['sources', 'add', '--name', 'x', '--kind', 'CSV', '--url', 'http://127.0.0.1/x.csv', '--type', 'STABILISATION_PROJECT', '--options', '{"maxWithdrawnShare":1.5}'], /options\.maxWithdrawnShare must be a number from 0 to 1, such as 0\.5/],
        // Names an object has by inheritance (their values were written into the message as function text).
        ...['toString', 'constructor', '__proto__'].map((name): [string[], RegExp] => [
          ['sources', 'add', '--name', 'x', '--kind', 'CSV', '--url', 'http://127.0.0.1/x.csv', '--type', 'STABILISATION_PROJECT', '--options', `{"${name}":1}`],
          new RegExp(`CSV sources take .*; not "${name}"$`),
        ]),
        [['ingest', 'nobody'], /No source named "nobody"/],
        [['sources', 'remove', 'nobody'], /No source named "nobody"/],
      ];
      for (const [args, message, code] of [...usage.map(([args, message]) => [args, message, 2] as const), ...cases.map(([args, message]) => [args, message, 1] as const)]) {
        const run = await cli(...args);
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
        assert.equal(run.stderr.trimEnd().endsWith('(see coalition-graph --help)'), code === 2, run.stderr);
        const lines = run.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `${args.join(' ')}: ${run.stderr}`);
        assert.match(lines[0], /^coalition-graph: /);
        assert.match(lines[0], message, args.join(' '));
        assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
      }
    });

    /** A one-item feed at `route` whose answer the upstream holds after its first bytes until `release` (called after the test in any case). */
    function heldFeed(t: TestContext, route: string, guid: string): () => void {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      t.after(() => release());
      const body = rss([{ guid, title: `Item ${guid}`, link: `https://cli.example/${guid}`, date: 'Thu, 13 Mar 2025 10:00:00 GMT' }]);
      upstream.on(route, async (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/rss+xml' });
        response.write(body.slice(0, 60));
        await released;
        response.end(body.slice(60));
      });
      return release;
    }

    /** `ingest NAME` in a child process of its own (killed after the test if still running), its output as it comes. */
    function spawnIngest(t: TestContext, name: string) {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
      delete childEnv.NODE_TEST_CONTEXT;
      const child = spawn(process.execPath, [CLI, 'ingest', name], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      t.after(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      const output = { stdout: '', stderr: '' };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      return { child, output, exited };
    }

    it('ingest NAME waits for a run of that source in progress elsewhere instead of starting a second', async (t) => {
      const release = heldFeed(t, '/slow.rss', 'slow-1');
      const added = await cli('sources', 'add', '--name', 'cli-slow', '--kind', 'FEED', '--url', upstream.url('/slow.rss'), '--type', 'DIGEST_ARTICLE');
      assert.equal(added.code, 0, added.stderr);
      // The gateway starts a run; the upstream holds it open.
      const started = await gw.ok(`mutation { runSource(name: "cli-slow") { id } }`);
      await waitFor('the gateway to ask for the slow feed', () => upstream.hits('/slow.rss').length === 1);

      const { output, exited } = spawnIngest(t, 'cli-slow');
      await waitFor('the CLI to say it waits', () => /cli-slow is being run already \(started [^)]+\); waiting for that run/.test(output.stdout), { tries: 400, intervalMs: 50 });
      release();
      assert.deepEqual(await exited, { code: 0, signal: null }, output.stdout + output.stderr);
      const [summary] = summaries(output.stdout, 'cli-slow');
      assert.match(summary, new RegExp(`^cli-slow: SUCCEEDED in [0-9.]+ s — 1 created, .*\\(run ${started.runSource.id}\\)$`));
      assert.equal(upstream.hits('/slow.rss').length, 1);
      const runs = await gw.runsOf('cli-slow');
      assert.deepEqual(
        runs.map((r) => [r.id, r.trigger, r.outcome]),
        [[started.runSource.id, 'GRAPHQL', 'SUCCEEDED']],
      );
    });

    it('Ctrl-C stops ingest NAME at its next step: the run ends as stopped, lets go of its source at once, and the CLI exits 130', async (t) => {
      const release = heldFeed(t, '/held.rss', 'held-1');
      // On demand: the gateway's scheduler leaves it alone, so the only fetch is the CLI's.
      const added = await cli('sources', 'add', '--name', 'cli-held', '--kind', 'FEED', '--url', upstream.url('/held.rss'), '--type', 'DIGEST_ARTICLE');
      assert.equal(added.code, 0, added.stderr);

      const { child, output, exited } = spawnIngest(t, 'cli-held');
      // The run is in its fetch, which the upstream holds open: Ctrl-C cancels it.
      await waitFor('the CLI to ask for the held feed', () => upstream.hits('/held.rss').length === 1, { tries: 400, intervalMs: 50 });
      child.kill('SIGINT');
      assert.deepEqual(await exited, { code: 130, signal: null }, output.stdout + output.stderr);
      assert.match(output.stdout, /^stopping: each run ends after its current step \(Ctrl-C again to quit at once\)$/m);
      const [summary] = summaries(output.stdout, 'cli-held');
      assert.match(summary, /^cli-held: FAILED after [0-9.]+ s — stopped: the process running it was asked to stop; what it wrote stays, and the source is due again \(/);
      assert.equal(output.stderr, 'coalition-graph: stopped before the run ended (each kept what it wrote; its summary is above)\n');
      const [stopped] = await gw.runsOf('cli-held');
      assert.deepEqual([stopped.trigger, stopped.outcome, stopped.message], ['CLI', 'FAILED', 'stopped: the process running it was asked to stop; what it wrote stays, and the source is due again']);
      // Its claim was let go: the gateway runs the source at once (a claim left behind held it for two minutes).
      release();
      const next = await gw.runSource('cli-held');
      assert.notEqual(next.id, stopped.id);
      assert.equal(next.outcome, 'SUCCEEDED');
    });

    it('sources remove removes it and keeps its items', async () => {
      const removed = await cli('sources', 'remove', 'cli-wire');
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, 'Removed source "cli-wire"; the items it imported stay.\n');
      const listed = await cli('sources', 'list');
      assert.ok(!listed.stdout.split('\n').some((line) => line.startsWith('cli-wire\t')), listed.stdout);
      assert.equal(await gw.gateway.db.getRepository(Content).count({ where: { sourceName: 'cli-wire' } }), 2);
    });

    // Last: it stops the gateway's ingestion, as its shutdown does first.
    it('runSource while the gateway stops its runs is refused as SERVICE_UNAVAILABLE (503), and starts nothing', async () => {
      const before = (await gw.runsOf('cli-held')).length;
      ingestServiceOf(gw.gateway.db).stop();
      const refused = await gw.post(`mutation { runSource(name: "cli-held") { id } }`);
      assert.equal(refused.status, 503);
      assert.deepEqual(refused.body.errors?.map((error) => [error.message, error.extensions?.code, error.extensions?.source]), [
        ['Ingestion is stopping with its process; run the source again once it is back', 'SERVICE_UNAVAILABLE', 'cli-held'],
      ]);
      assert.equal((await gw.runsOf('cli-held')).length, before);
    });
  });
}
