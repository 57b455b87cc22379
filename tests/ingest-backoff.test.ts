import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { IngestRun, RunOutcome, RunTrigger } from '../src/ingest/ingest-run.entity';
import { ABANDONED, BACKOFF_CEILING_MS, scheduledDelayMs } from '../src/ingest/runner';
import { ContentSource } from '../src/ingest/source.entity';
import { DRIVERS } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startIngestGateway, type IngestGateway } from './helpers/ingest';
import { rss, startUpstream, type Upstream } from './helpers/upstream';

const MINUTE = 60_000;

/** A run of `sourceName` left RUNNING five minutes ago, as a process that died mid-run leaves it; returns its id. */
async function insertRunningRun(db: DataSource, sourceName: string): Promise<string> {
  const id = randomUUID();
  await db.getRepository(IngestRun).insert(
    db.getRepository(IngestRun).create({
      id, sourceName, trigger: RunTrigger.SCHEDULE, startedAt: new Date(Date.now() - 5 * MINUTE), endedAt: null, outcome: RunOutcome.RUNNING,
      httpStatus: null, documents: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, held: 0, withdrawn: 0, republished: 0, errors: [], errorCount: 0, message: null,
    }) as never,
  );
  return id;
}

describe('a failing source’s schedule', () => {
  it('keeps the interval after one failure, then doubles it for each failure in a row, to at most 6 hours or the interval', () => {
    const every15m = [0, 1, 2, 3, 4, 5, 6, 7, 40].map((failures) => scheduledDelayMs(15 * 60, failures) / MINUTE);
    assert.deepEqual(every15m, [15, 15, 30, 60, 120, 240, 360, 360, 360]);
    assert.equal(BACKOFF_CEILING_MS, 360 * MINUTE);
    // A daily source is not asked more often than daily, and not less often either: its interval is past the ceiling.
    assert.equal(scheduledDelayMs(86_400, 5), 86_400_000);
  });
});

for (const driver of DRIVERS) {
  describe(`a failing source is asked less and less often [${driver}]`, () => {
    let upstream: Upstream;
    let gw: IngestGateway;
    let failing = true;
    const SOURCE = `query { sources { name consecutiveFailures nextRunAt } }`;
    const stateOf = async () => (await gw.ok<{ sources: { name: string; consecutiveFailures: number; nextRunAt: string }[] }>(SOURCE)).sources.find((source) => source.name === 'flaky')!;
    const due = async () => {
      const [run] = await gw.runsOf('flaky');
      return (Date.parse((await stateOf()).nextRunAt) - Date.parse(run.startedAt)) / MINUTE;
    };

    /** While set, the source answers only once it resolves (a run held in flight). */
    let held: Promise<void> | null = null;

    const updateSource = (input: Record<string, unknown>) =>
      gw.ok(`mutation ($input: SourceUpdateInput!) { updateSource(name: "flaky", input: $input) { name } }`, { input });

    /** Runs the source held in flight at `path` while `during` runs, then lets it answer and waits for the run to end with `outcome`. */
    const whileRunning = async (path: string, outcome: string, during: () => Promise<void>) => {
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      const asked = upstream.hits(path).length;
      const { runSource } = await gw.ok<{ runSource: { id: string } }>(`mutation { runSource(name: "flaky") { id } }`);
      try {
        await waitFor('the run to ask the source', () => upstream.hits(path).length > asked || undefined, { tries: 1_200, intervalMs: 25 });
        await during();
      } finally {
        held = null;
        release();
      }
      const ended = await waitFor('the run to end', async () => (await gw.runsOf('flaky')).find((run) => run.id === runSource.id && run.outcome !== 'RUNNING'), { tries: 1_200, intervalMs: 25 });
      assert.equal(ended.outcome, outcome, ended.message ?? '');
    };

    before(async () => {
      upstream = await startUpstream();
      // Runs are started by the test alone: the scheduler would run the source as soon as it is due.
      gw = await startIngestGateway(driver, { INGEST_SCHEDULER: 'off' });
      upstream.on('/flaky.rss', async (_request, response) => {
        if (held) await held;
        // 404 is not retried within a run: each run fails at once.
        if (failing) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('gone for now');
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ guid: 'flaky-1', title: 'Schools reopen in Mosul', link: 'https://wire.example/flaky-1', date: 'Mon, 30 Nov 2026 09:00:00 GMT' }]));
      });
      await gw.addSource({ name: 'flaky', kind: 'FEED', url: upstream.url('/flaky.rss'), type: 'DIGEST_ARTICLE', every: '15m' });
    });
    after(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    it('counts the failures in a row and spaces the scheduled runs out from the second', async () => {
      const delays: number[] = [];
      for (let n = 1; n <= 3; n++) {
        const run = await gw.runSource('flaky');
        assert.equal(run.outcome, 'FAILED');
        assert.equal((await stateOf()).consecutiveFailures, n);
        delays.push(await due());
      }
      assert.deepEqual(delays, [15, 30, 60]);
    });

    it('goes back to its interval after a run that succeeds', async () => {
      failing = false;
      const run = await gw.runSource('flaky');
      assert.equal(run.outcome, 'SUCCEEDED', run.message ?? '');
      assert.equal((await stateOf()).consecutiveFailures, 0);
      assert.equal(await due(), 15);
    });

    it('is due at once when an admin changes its settings while it fails', async () => {
      failing = true;
      await gw.runSource('flaky');
      await gw.runSource('flaky');
      assert.deepEqual([(await stateOf()).consecutiveFailures, await due()], [2, 30]);
      const before = Date.now();
      await updateSource({ every: '15m' });
      const state = await stateOf();
      assert.equal(state.consecutiveFailures, 0);
      assert.ok(Date.parse(state.nextRunAt) >= before - 1_000 && Date.parse(state.nextRunAt) <= Date.now() + 1_000, state.nextRunAt);
    });

    it('keeps the new settings’ schedule when a run of the old ones fails after them', async () => {
      await gw.runSource('flaky');
      await gw.runSource('flaky');
      assert.equal((await stateOf()).consecutiveFailures, 2);
      // The admin fixes the source while that run waits for its answer.
      const fixedAt = Date.now();
      await whileRunning('/flaky.rss', 'FAILED', () => updateSource({ every: '15m' }));
      const state = await stateOf();
      assert.equal(state.consecutiveFailures, 0, 'the failure of a run of the settings before does not count');
      assert.ok(Date.parse(state.nextRunAt) < fixedAt + 15 * MINUTE, `due at once, not an hour after the run: ${state.nextRunAt}`);
    });

    it('counts a run whose process died, and while a run goes on is due when that run’s failure would make it', async () => {
      await gw.runSource('flaky');
      await gw.runSource('flaky');
      assert.equal((await stateOf()).consecutiveFailures, 2);
      // What a process that died mid-run leaves: its run RUNNING, its claim on the source lapsed.
      const db = gw.gateway.db;
      const deadId = await insertRunningRun(db, 'flaky');
      await db.getRepository(ContentSource).update({ name: 'flaky' }, { leaseOwner: 'gone:1:dead', leaseUntil: new Date(Date.now() - 1_000) });

      await whileRunning('/flaky.rss', 'FAILED', async () => {
        // In flight: the dead run counts as the third failure, and the source is due as after a fourth (8 × 15 min), should this process die too.
        assert.equal((await stateOf()).consecutiveFailures, 3);
        assert.equal(await due(), 120, 'due after the back-off a failure of this run would earn, not when its claim lapses');
        const dead = await db.getRepository(IngestRun).findOneByOrFail({ id: deadId });
        assert.deepEqual([dead.outcome, dead.message], [RunOutcome.FAILED, ABANDONED]);
      });
      assert.deepEqual([(await stateOf()).consecutiveFailures, await due()], [4, 120]);
    });

    it('starts from the source as it is once claimed, not as the caller read it', async () => {
      failing = false;
      upstream.on('/flaky-moved.rss', async (_request, response) => {
        if (held) await held;
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ guid: 'moved-1', title: 'Markets reopen in Raqqa', link: 'https://wire.example/moved-1', date: 'Tue, 01 Dec 2026 09:00:00 GMT' }]));
      });
      const read = await gw.gateway.db.getRepository(ContentSource).findOneByOrFail({ name: 'flaky' });
      await updateSource({ url: upstream.url('/flaky-moved.rss') });
      // Given the source as read before the admin moved it (as the scheduler and the CLI read it before claiming it).
      const started = await gw.gateway.services.ingest.start(read, RunTrigger.GRAPHQL);
      const ended = await started.done;
      assert.equal(ended.outcome, RunOutcome.SUCCEEDED, ended.message ?? '');
      assert.equal(upstream.hits('/flaky-moved.rss').length, 1, 'the new address was read');
      // The four failures in a row (the dead run's included) end with it, and the settings stay the admin's.
      const state = await gw.gateway.db.getRepository(ContentSource).findOneByOrFail({ name: 'flaky' });
      assert.deepEqual([state.consecutiveFailures, state.url], [0, upstream.url('/flaky-moved.rss')]);
      assert.equal(await due(), 15);
    });

    it('is due at once after a run when an admin changes a healthy source while it runs', async () => {
      assert.equal((await stateOf()).consecutiveFailures, 0);
      const changedAt = Date.now();
      await whileRunning('/flaky-moved.rss', 'SUCCEEDED', () => updateSource({ every: '20m' }));
      const state = await stateOf();
      assert.ok(Date.parse(state.nextRunAt) <= Date.now(), `due at once with the new settings, not the old interval after the run began: ${state.nextRunAt}`);
      assert.ok(Date.parse(state.nextRunAt) >= changedAt - 1_000);
    });

    if (driver === 'postgres') {
      it('does not begin a run once its claim was taken over between the claim and the start', async () => {
        const db = gw.gateway.db;
        const source = await db.getRepository(ContentSource).findOneByOrFail({ name: 'flaky' });
        // A run left RUNNING, which the start marks abandoned first: another connection holds its row, so the start waits there,
        // its claim made and committed, while that connection hands the source to another process (as one would take over a
        // claim that lapsed while this process stalled).
        const deadId = await insertRunningRun(db, 'flaky');
        const runsBefore = (await gw.runsOf('flaky')).length;
        const asked = upstream.hits('/flaky-moved.rss').length;
        const other = db.createQueryRunner();
        await other.connect();
        try {
          await other.startTransaction();
          await other.query('UPDATE ingest_run SET message = message WHERE id = $1', [deadId]);
          const started = gw.gateway.services.ingest.start(source, RunTrigger.GRAPHQL).then(
            () => 'started',
            (error: Error) => error.name,
          );
          const claimedBy = await waitFor('the start to claim the source', async () => (await db.getRepository(ContentSource).findOneByOrFail({ name: 'flaky' })).leaseOwner ?? undefined);
          await other.query(`UPDATE content_source SET lease_owner = 'other:1:taken-over', lease_until = now() + interval '2 minutes' WHERE name = 'flaky'`);
          await other.commitTransaction();
          assert.notEqual(claimedBy, 'other:1:taken-over');
          assert.equal(await started, 'RunInProgressError');
        } finally {
          if (other.isTransactionActive) await other.rollbackTransaction();
          await other.release();
        }
        assert.equal((await gw.runsOf('flaky')).length, runsBefore, 'no run was recorded');
        assert.equal(upstream.hits('/flaky-moved.rss').length, asked, 'the source was not fetched');
        const after = await db.getRepository(ContentSource).findOneByOrFail({ name: 'flaky' });
        assert.equal(after.leaseOwner, 'other:1:taken-over', 'the other process keeps its claim');
        assert.equal((await db.getRepository(IngestRun).findOneByOrFail({ id: deadId })).outcome, RunOutcome.RUNNING, 'the start’s statements rolled back');
      });
    }
  });
}
