import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { IngestRun, RunOutcome } from '../src/ingest/ingest-run.entity';
import { ContentSource } from '../src/ingest/source.entity';
import { startGateway, type RunningGateway } from '../src/main';
import { ENTITIES } from '../src/server/modules';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { postOperation, waitFor } from './helpers/http';
import { capturingLogger } from './helpers/log-capture';
import { proxyFor, type TcpProxy } from './helpers/tcp-proxy';
import { rss, startUpstream, type Upstream } from './helpers/upstream';

/**
 * The ingest scheduler keeps its sources' due times in memory and reads them
 * again only when the change log says a source changed or a run ended. A
 * reading that fails (the database away) is tried again on a timer: without
 * it, a source whose due time came during an outage would wait for the next
 * change to any source, which may never come. Staged with a TCP proxy between
 * the gateway and PostgreSQL, so PostgreSQL only.
 */
describe('the ingest scheduler through a database outage [postgres]', { skip: POSTGRES_ENABLED ? false : 'needs TEST_POSTGRES_URL' }, () => {
  let direct: DatabaseConfig;
  let proxy: TcpProxy;
  let upstream: Upstream;
  let gateway: RunningGateway;
  /** The database reached without the proxy, to read and stage state while the gateway's connections are cut. */
  let db: DataSource;
  let admin: Record<string, string>;

  before(async () => {
    upstream = await startUpstream();
    upstream.serve('/wire.rss', rss([{ guid: 'wire-1', title: 'Bridges reopen in Mosul', link: 'https://wire.example/1', date: 'Tue, 01 Dec 2026 09:00:00 GMT' }]), {
      headers: { 'content-type': 'application/rss+xml' },
    });
    direct = freshDatabase('postgres');
    let through: DatabaseConfig;
    ({ proxy, through } = await proxyFor(direct));
    const config = loadConfig({ NODE_ENV: 'test', DB_STATEMENT_TIMEOUT_MS: '1000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }, { port: 0, host: '127.0.0.1', database: through });
    gateway = await startGateway(config, { logger: capturingLogger().logger });
    db = await openDatabase(direct, { entities: ENTITIES });
    const { secret } = await createApiKey(db, { name: 'admin desk', role: Role.ADMIN });
    admin = { authorization: `Bearer ${secret}` };
  });

  after(async () => {
    await gateway?.stop();
    await db?.destroy();
    await proxy?.close();
    if (direct) await dropDatabase(direct);
    await upstream?.close();
  });

  const graphql = async (query: string, variables?: Record<string, unknown>) => {
    const response = await postOperation(gateway.url, { query, variables }, admin);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    return response.body.data;
  };
  const runsOf = () => db.getRepository(IngestRun).find({ where: { sourceName: 'wire' }, order: { startedAt: 'ASC' } });

  it('runs a source that fell due while the database was away once it is back, with no other change to wake it', async () => {
    await graphql(`mutation { createSource(input: { name: "wire", kind: FEED, url: "${upstream.url('/wire.rss')}", type: DIGEST_ARTICLE, every: "1h" }) { id } }`);
    // Due at once when made: the scheduler runs it, and the next run is an hour away.
    await waitFor('the first run to end', async () => ((await runsOf()).some((run) => run.outcome === RunOutcome.SUCCEEDED) ? true : undefined), { tries: 200, intervalMs: 50 });

    // Due in three seconds instead; a change to the source makes the scheduler read its due time again.
    await db.getRepository(ContentSource).update({ name: 'wire' }, { nextRunAt: new Date(Date.now() + 3_000) });
    await graphql(`mutation { updateSource(name: "wire", input: { every: "1h" }) { name } }`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // The database goes away before the source falls due, and comes back after: the start fails, and so does reading the due times.
    await proxy.set('cut');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await runsOf()).length, 1, 'nothing ran while the database was away');
    await proxy.set('forward');

    const runs = await waitFor('the source to run once the database is back', async () => {
      const all = await runsOf();
      return all.length === 2 && all[1].outcome !== RunOutcome.RUNNING ? all : undefined;
    }, { tries: 600, intervalMs: 50 });
    assert.equal(runs[1].trigger, 'SCHEDULE');
    assert.ok([RunOutcome.SUCCEEDED, RunOutcome.UNCHANGED].includes(runs[1].outcome), `${runs[1].outcome}: ${runs[1].message}`);
    assert.equal(upstream.hits('/wire.rss').length, 2);
  });
});
