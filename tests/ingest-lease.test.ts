import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { IngestRun, RunOutcome } from '../src/ingest/ingest-run.entity';
import { ABANDONED, STOPPED } from '../src/ingest/runner';
import { ContentSource } from '../src/ingest/source.entity';
import { ENTITIES } from '../src/server/modules';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import type { DatabaseConfig } from '../src/config';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { postOperation, waitFor } from './helpers/http';
import { startMainProcess, type MainProcess } from './helpers/main-process';
import { rss, startUpstream, type Upstream } from './helpers/upstream';

/**
 * Two gateway processes on one PostgreSQL database, both running the
 * scheduler: a source is run by one of them at a time, and a run whose
 * process died is taken over once its claim lapses. SQLite serves one
 * process, so this is PostgreSQL only.
 */

function databaseUrl(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `sqlite:${database.path}`;
  const url = new URL(database.url);
  if (database.schema) url.searchParams.set('schema', database.schema);
  return url.toString();
}

const FEED = rss([{ guid: 'sched-1', title: 'A scheduled story', link: 'https://sched.example/1', date: 'Thu, 13 Mar 2025 10:00:00 GMT', description: 'Fetched on a schedule.' }]);

describe('one run per source across processes [postgres]', { skip: POSTGRES_ENABLED ? false : 'needs TEST_POSTGRES_URL' }, () => {
  let upstream: Upstream;
  let database: DatabaseConfig;
  let db: DataSource;
  let processes: MainProcess[] = [];
  let admin: Record<string, string>;
  let env: Record<string, string>;

  const runsOf = (sourceName: string) => db.getRepository(IngestRun).find({ where: { sourceName }, order: { startedAt: 'ASC' } });
  const graphql = async (process: MainProcess, query: string, variables?: Record<string, unknown>) => {
    const response = await postOperation(`${process.origin}/graphql`, { query, variables }, admin);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    return response.body.data;
  };

  before(async () => {
    upstream = await startUpstream();
    database = freshDatabase('postgres');
    db = await openDatabase(database, { entities: ENTITIES });
    const { secret } = await createApiKey(db, { name: 'admin desk', role: Role.ADMIN });
    admin = { authorization: `Bearer ${secret}` };
    env = { DATABASE_URL: databaseUrl(database), OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
    // One after the other, so that one of them loads the demo content.
    processes.push(await startMainProcess(env));
    processes.push(await startMainProcess(env));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await db?.destroy();
    if (database) await dropDatabase(database);
    await upstream?.close();
  });

  it('each due run of a scheduled source is pulled by exactly one process', async () => {
    upstream.serve('/sched.rss', FEED);
    const [a, b] = processes;
    await graphql(a, `mutation { createSource(input: { name: "sched", kind: FEED, url: "${upstream.url('/sched.rss')}", type: DIGEST_ARTICLE, every: "1m" }) { id } }`);
    // Due at once: both processes learn of it through the change log, and one runs it.
    const first = await waitFor('the first scheduled run to end', async () => {
      const runs = await runsOf('sched');
      return runs.length >= 1 && runs.every((run) => run.outcome !== RunOutcome.RUNNING) ? runs : null;
    }, { tries: 300, intervalMs: 100 });
    assert.equal(first.length, 1);
    assert.deepEqual([first[0].trigger, first[0].outcome, first[0].created], ['SCHEDULE', RunOutcome.SUCCEEDED, 1]);
    assert.equal(upstream.hits('/sched.rss').length, 1);
    const source = await db.getRepository(ContentSource).findOneByOrFail({ name: 'sched' });
    assert.equal(source.nextRunAt?.getTime(), first[0].startedAt.getTime() + 60_000);
    assert.equal(source.leaseOwner, null);

    // A minute later both timers fire at the same due time; again one process runs it.
    const second = await waitFor('the second scheduled run to end', async () => {
      const runs = await runsOf('sched');
      return runs.length >= 2 && runs.every((run) => run.outcome !== RunOutcome.RUNNING) ? runs : null;
    }, { tries: 1200, intervalMs: 100 });
    assert.equal(second.length, 2);
    assert.deepEqual([second[1].trigger, second[1].outcome, second[1].unchanged], ['SCHEDULE', RunOutcome.SUCCEEDED, 1]);
    assert.equal(upstream.hits('/sched.rss').length, 2);
    assert.ok(second[1].startedAt.getTime() >= first[0].startedAt.getTime() + 60_000);
    // Both processes are still serving, and see the same runs.
    const seen = await graphql(b, `{ ingestRuns(source: "sched") { edges { node { id outcome } } } }`);
    assert.equal(seen.ingestRuns.edges.length, 2);
    await graphql(a, `mutation { deleteSource(name: "sched") }`);
  });

  it('a run whose gateway is shut down ends as stopped and lets go of its source: the other process runs it at once, not once the claim lapses', async () => {
    // The first request is held open: the run that makes it is in its fetch when its process is told to stop.
    upstream.on('/halt.rss', (_request, response, n) => {
      if (n === 1) return void response.writeHead(200, { 'content-type': 'application/rss+xml' }).write('<?xml version="1.0"?><rss version="2.0"><channel>');
      response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
    });
    await graphql(processes[0], `mutation { createSource(input: { name: "halt", kind: FEED, url: "${upstream.url('/halt.rss')}", type: DIGEST_ARTICLE, every: "1h" }) { id } }`);
    await waitFor('a process to fetch the held source', () => upstream.hits('/halt.rss').length === 1, { tries: 300, intervalMs: 100 });
    const claimed = await db.getRepository(ContentSource).findOneByOrFail({ name: 'halt' });
    const pid = Number(claimed.leaseOwner!.split(':')[1]);
    const holder = processes.find((p) => p.child.pid === pid)!;
    const survivor = processes.find((p) => p.child.pid !== pid)!;

    // A shutdown (SIGTERM), not a crash: the process ends well within its grace, its run recorded.
    const exit = await holder.stop(15_000);
    assert.deepEqual(exit, { code: 0, signal: null }, holder.stderr());
    processes = [survivor];
    const [stopped] = await runsOf('halt');
    assert.deepEqual([stopped.trigger, stopped.outcome, stopped.message], ['SCHEDULE', RunOutcome.FAILED, STOPPED]);

    // Let go and due again at once (no back-off): the survivor's scheduler runs it well before the old claim would have lapsed.
    const runs = await waitFor('the survivor to run the source', async () => {
      const all = await runsOf('halt');
      return all.length === 2 && all[1].outcome !== RunOutcome.RUNNING ? all : null;
    }, { tries: 600, intervalMs: 100 });
    assert.deepEqual([runs[1].trigger, runs[1].outcome, runs[1].created], ['SCHEDULE', RunOutcome.SUCCEEDED, 1]);
    assert.ok(runs[1].startedAt.getTime() < claimed.leaseUntil!.getTime(), 'taken over before the stopped run\'s claim would have lapsed');
    const after = await db.getRepository(ContentSource).findOneByOrFail({ name: 'halt' });
    assert.deepEqual([after.leaseOwner, after.consecutiveFailures, after.lastRunId], [null, 0, runs[1].id]);
    await graphql(survivor, `mutation { deleteSource(name: "halt") }`);
    // The next test needs two processes again.
    processes.push(await startMainProcess(env));
  });

  it('a run whose process was killed is taken over by the other once its claim lapses', async () => {
    // The first request is never answered: the run that makes it hangs until its process dies.
    upstream.on('/hang.rss', (_request, response, n) => {
      if (n === 1) return void response.writeHead(200, { 'content-type': 'application/rss+xml' }).write('<?xml version="1.0"?><rss version="2.0"><channel>');
      response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
    });
    await graphql(processes[0], `mutation { createSource(input: { name: "hang", kind: FEED, url: "${upstream.url('/hang.rss')}", type: DIGEST_ARTICLE, every: "1m" }) { id } }`);
    await waitFor('a process to fetch the hanging source', () => upstream.hits('/hang.rss').length === 1, { tries: 300, intervalMs: 100 });
    const claimed = await db.getRepository(ContentSource).findOneByOrFail({ name: 'hang' });
    assert.ok(claimed.leaseOwner && claimed.leaseUntil);
    const pid = Number(claimed.leaseOwner.split(':')[1]);
    const holder = processes.find((p) => p.child.pid === pid);
    const survivor = processes.find((p) => p.child.pid !== pid)!;
    assert.ok(holder, `the lease owner ${claimed.leaseOwner} is one of the two processes`);
    const [dead] = await runsOf('hang');
    assert.equal(dead.outcome, RunOutcome.RUNNING);

    holder.child.kill('SIGKILL');
    const exit = await holder.exited;
    assert.equal(exit.signal, 'SIGKILL');
    processes = [survivor];

    // The claim lapses (two minutes without renewal) and the survivor's scheduler runs the source.
    const runs = await waitFor('the survivor to take the source over', async () => {
      const all = await runsOf('hang');
      return all.length === 2 && all[1].outcome !== RunOutcome.RUNNING ? all : null;
    }, { tries: 2400, intervalMs: 100 });
    assert.equal(upstream.hits('/hang.rss').length, 2);
    assert.ok(runs[1].startedAt.getTime() >= claimed.leaseUntil.getTime(), 'not before the claim lapsed');
    assert.deepEqual([runs[1].trigger, runs[1].outcome, runs[1].created], ['SCHEDULE', RunOutcome.SUCCEEDED, 1]);
    // The dead process's run is not left RUNNING for ever.
    assert.equal(runs[0].id, dead.id);
    assert.equal(runs[0].outcome, RunOutcome.FAILED);
    assert.equal(runs[0].message, ABANDONED);
    const after = await db.getRepository(ContentSource).findOneByOrFail({ name: 'hang' });
    assert.equal(after.leaseOwner, null);
    assert.equal(after.lastRunId, runs[1].id);
    const seen = await graphql(survivor, `{ ingestRuns(source: "hang") { edges { node { id outcome message } } } }`);
    assert.deepEqual(
      seen.ingestRuns.edges.map((edge: any) => edge.node.outcome),
      ['SUCCEEDED', 'FAILED'],
    );
  });
});
