#!/usr/bin/env node
/**
 * `npm run bench:live` / `npm run bench:live -- --quick`: content going out
 * live (issue 13).
 *
 * 1. prepares a PostgreSQL database (`coalition_bench_live`, synthetic
 *    content, an EDITOR key to publish and an ADMIN key for webhooks) and
 *    starts two gateways on it as deployed (`node dist/src/main.js`);
 * 2. opens graphql-ws subscribers spread over both (half `contentPublished`,
 *    half `contentChanges`, each filtered by one tag or one nation so that it
 *    matches about a tenth of the events), publishes items at a steady rate
 *    through the GraphQL API, alternating processes, and checks that every
 *    subscriber got every event it should, once, and how late; then writes a
 *    burst (`--live-burst`, 5,000 items in one transaction, as an import
 *    does) and checks that every subscriber gets all its events while a feed
 *    query every 100 ms shows how requests fare meanwhile;
 * 3. registers webhooks (one receiver on 127.0.0.1, a path each) through the
 *    GraphQL API, publishes a burst, and measures deliveries per second and
 *    their latency, verifying a sample of signatures;
 * 4. writes `bench-output/live.{md,json}` and prints the table. Exits 1 when an
 *    event was missed or delivered twice, or a signature did not verify.
 *
 * Options: `--help` (the {@link USAGE} below).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { openDatabase } from '../src/db/data-source';
import { parseDatabaseUrl } from '../src/config';
import { seedSynthetic, SYNTHETIC_SOURCE } from '../src/demo/synthetic';
import { ENTITIES } from '../src/server/modules';
import { createApiKey } from '../src/store/keys';
import { MAX_WEBHOOKS_PER_KEY } from '../src/outbound/webhooks/webhooks';
import { ContentType } from '../src/shared/content/content-status';
import { encodeGlobalId } from '../src/shared/node/global-id';
import type { ContentItemInput } from '../src/store/content-rows';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
import { Role } from '../src/shared/viewer';
import { WebhookReceiver } from './live-receiver';
import { latency, mb, ms, RssSampler, type Latency } from './live-stats';
import { procStatusMb } from './measure';
import { markdownTable, textTable } from './report';
import { startGatewayProcess, type ServerProcess } from './servers';
import { positiveOption } from './datasets';
import { exitWithFailure, exitWithUsageIfAsked } from './usage';

const ROOT = path.resolve(__dirname, '../..');
const DATABASE = 'coalition_bench_live';

interface Options {
  readonly mode: 'quick' | 'full';
  readonly subscribers: number;
  readonly rate: number;
  readonly seconds: number;
  readonly webhooks: number;
  readonly burst: number;
  readonly liveBurst: number;
  readonly items: number;
  readonly server: string;
  readonly out: string;
}

/** What `--help` prints. */
const USAGE = `Usage: npm run bench:live -- [options]   (or node dist/bench/live.js [options])

Content going out live: subscribers over graphql-ws on two gateways, then webhooks.

  --quick               a short run
  --subscribers N       graphql-ws subscribers
  --rate N              items published a second
  --duration S          seconds of publishing
  --webhooks N          webhooks registered
  --burst N             items published at once for the webhooks
  --live-burst N        items written in one transaction while subscribers listen (as an import does)
  --items N             synthetic items in the database
  --pg URL              PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --out DIR             where results go (default bench-output/)
  --help                this text
`;

function parseOptions(argv: string[]): Options {
  exitWithUsageIfAsked(argv, USAGE);
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      subscribers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      webhooks: { type: 'string' },
      burst: { type: 'string' },
      'live-burst': { type: 'string' },
      items: { type: 'string' },
      pg: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const quick = Boolean(values.quick);
  return {
    mode: quick ? 'quick' : 'full',
    subscribers: Math.round(positiveOption('subscribers', values.subscribers, quick ? 200 : 1_000)),
    rate: positiveOption('rate', values.rate, 10),
    seconds: positiveOption('duration', values.duration, quick ? 5 : 20),
    webhooks: Math.round(positiveOption('webhooks', values.webhooks, 50)),
    burst: Math.round(positiveOption('burst', values.burst, quick ? 20 : 100)),
    liveBurst: Math.round(positiveOption('live-burst', values['live-burst'], quick ? 1_000 : 5_000)),
    items: Math.round(positiveOption('items', values.items, 5_000)),
    server: values.pg ?? 'postgres://postgres@127.0.0.1:5432',
    out: path.resolve(values.out ?? path.join(ROOT, 'bench-output')),
  };
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const now = () => performance.timeOrigin + performance.now();
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

// ---------------------------------------------------------------------------
// The database

interface Fixture {
  readonly url: string;
  readonly editorKey: string;
  /** Admin keys for the webhooks, each making at most MAX_WEBHOOKS_PER_KEY. */
  readonly adminKeys: string[];
  /** Ten member countries: each item concerns one, each nation-filtered subscriber follows one. */
  readonly nations: string[];
}

async function prepare(options: Options): Promise<Fixture> {
  const admin = new URL(options.server);
  admin.pathname = '/postgres';
  const pg = new PgClient({ connectionString: admin.toString() });
  await pg.connect();
  try {
    if ((await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rowCount === 0) await pg.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await pg.end();
  }
  const url = new URL(options.server);
  url.pathname = `/${DATABASE}`;
  const db = await openDatabase(parseDatabaseUrl(url.toString()), { entities: ENTITIES });
  try {
    const synthetic = Number((await db.query('SELECT count(*) AS n FROM content WHERE source_name = $1', [SYNTHETIC_SOURCE]))[0].n);
    if (synthetic === 0) {
      log(`${DATABASE}: loading ${options.items.toLocaleString('en-GB')} synthetic items`);
      await seedSynthetic(db, options.items, { progress: (line) => log(`  ${line}`) });
      await db.query('VACUUM ANALYZE');
    } else {
      log(`${DATABASE}: holds ${synthetic.toLocaleString('en-GB')} synthetic items (and what earlier runs published)`);
    }
    // Webhooks of an earlier run point at a receiver that is gone: they would only add failing deliveries.
    // TRUNCATE, not DELETE: each run leaves tens of thousands of dead delivery rows (each delivery is
    // written three times), which every claim then walks where autovacuum is off or behind (it is off
    // on the benchmark machine: successive runs fell from about 300 to 75 deliveries a second). A
    // VACUUM ANALYZE also clears what earlier runs' publications left in the content tables.
    await db.query('TRUNCATE webhook, webhook_delivery');
    await db.query('VACUUM ANALYZE');
    const stamp = new Date().toISOString();
    const editorKey = (await createApiKey(db, { name: `live benchmark editor ${stamp}`, role: Role.EDITOR })).secret;
    // A key may make MAX_WEBHOOKS_PER_KEY webhooks: one admin key for each that many.
    const adminKeys: string[] = [];
    for (let n = 0; n * MAX_WEBHOOKS_PER_KEY < options.webhooks; n++) {
      adminKeys.push((await createApiKey(db, { name: `live benchmark admin ${n + 1} ${stamp}`, role: Role.ADMIN })).secret);
    }
    const nations = ((await db.query(`SELECT code FROM member_nation WHERE kind = 'COUNTRY' ORDER BY code LIMIT 10`)) as { code: string }[]).map((r) => r.code);
    if (nations.length < 10) throw new Error(`${DATABASE} has ${nations.length} member countries; expected at least 10`);
    return { url: url.toString(), editorKey, adminKeys, nations };
  } finally {
    await db.destroy();
  }
}

// ---------------------------------------------------------------------------
// Publishing through the GraphQL API

interface GraphQLBody {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post(url: string, key: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLBody;
  if (response.status !== 200 || body.errors?.length || !body.data) {
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

const CREATE = `mutation BenchCreate($input: DigestArticleInput!) { createDigestArticle(input: $input) { id version } }`;
const PUBLISH = `mutation BenchPublish($id: ID!, $version: Int!) { publishContent(id: $id, expectedVersion: $version) { id status } }`;

/** An item published by the benchmark: what it matches, and when its publication was sent. */
interface Published {
  readonly n: number;
  readonly id: string;
  readonly gateway: number;
  readonly tags: string[];
  readonly nations: string[];
  /** Just before `publishContent` was sent (the item is a draft until then). */
  readonly sentAt: number;
  /** When `publishContent` answered. */
  readonly answeredAt: number;
}

class Publisher {
  readonly items: Published[] = [];
  /** Publication times by global id, set before the mutation goes (an event may come before its answer). */
  readonly sentAt = new Map<string, number>();
  readonly failures: string[] = [];
  private count = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly key: string,
    private readonly run: string,
  ) {}

  /** Creates a draft digest article on one gateway and publishes it there. */
  async publish(tags: string[], countries: string[], phase: string): Promise<Published | null> {
    const n = this.count++;
    const gateway = n % this.urls.length;
    const url = this.urls[gateway];
    try {
      const created = (
        await post(url, this.key, CREATE, {
          input: {
            slug: `live-${this.run}-${phase}-${n}`,
            title: `Live benchmark ${phase} item ${n}`,
            summary: `An item the live benchmark published (${phase}, run ${this.run}).`,
            countries,
            tags,
            language: 'en',
            outlet: 'Coalition Graph live benchmark',
          },
        })
      ).createDigestArticle as { id: string; version: number };
      const sentAt = now();
      this.sentAt.set(created.id, sentAt);
      const published = (await post(url, this.key, PUBLISH, { id: created.id, version: created.version })).publishContent as { id: string; status: string };
      if (published.id !== created.id || published.status !== 'PUBLISHED') throw new Error(`publishContent answered ${JSON.stringify(published)}`);
      const item: Published = { n, id: created.id, gateway, tags, nations: countries, sentAt, answeredAt: now() };
      this.items.push(item);
      return item;
    } catch (error) {
      this.failures.push(`${phase} item ${n} on gateway ${gateway + 1}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}

// ---------------------------------------------------------------------------
// Subscribers

type SubscriptionKind = 'contentPublished' | 'contentChanges';

const DOCUMENTS: Record<SubscriptionKind, string> = {
  contentPublished: `subscription BenchPublished($filter: FeedFilter) { contentPublished(filter: $filter) { id title publishedAt } }`,
  contentChanges: `subscription BenchChanges($filter: FeedFilter) { contentChanges(filter: $filter) { kind id at item { id title } } }`,
};

interface Subscriber {
  readonly index: number;
  readonly gateway: number;
  readonly kind: SubscriptionKind;
  readonly filter: { tags: string[] } | { nations: string[] };
  readonly localAddress: string;
  readonly client: WsClient;
  /** Deliveries per item id (global), with the time of the first. */
  readonly got: Map<string, { count: number; at: number; kind: string }>;
  connected: boolean;
  errors: string[];
  closedEarly: string | null;
}

/** A distinct loopback address per subscriber, as a thousand clients on as many machines would come (the gateway caps sockets per caller). */
function loopbackAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

function openSubscriber(index: number, wsUrl: string, gateway: number, nations: readonly string[]): Subscriber {
  const kind: SubscriptionKind = index % 2 === 0 ? 'contentPublished' : 'contentChanges';
  const bucket = Math.floor(index / 4) % 10;
  const filter = Math.floor(index / 2) % 2 === 0 ? { tags: [`live-${bucket}`] } : { nations: [nations[bucket]] };
  const localAddress = loopbackAddress(index);
  const got = new Map<string, { count: number; at: number; kind: string }>();
  // graphql-ws takes a WebSocket class; this one binds each socket to the subscriber's own address.
  class BoundWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { localAddress });
    }
  }
  const subscriber: Subscriber = {
    index,
    gateway,
    kind,
    filter,
    localAddress,
    got,
    connected: false,
    errors: [],
    closedEarly: null,
    client: createClient({
      url: wsUrl,
      webSocketImpl: BoundWebSocket,
      lazy: false,
      onNonLazyError: (error) => (subscriber.closedEarly ??= `socket failed: ${describe(error)}`),
      retryAttempts: 0,
      keepAlive: 0,
      on: {
        connected: () => (subscriber.connected = true),
        closed: (event) => {
          if (!stopping) subscriber.closedEarly ??= `closed ${(event as { code?: number }).code ?? '?'} ${(event as { reason?: string }).reason ?? ''}`.trim();
        },
        error: (error) => subscriber.errors.push(describe(error)),
      },
    }),
  };
  subscriber.client.subscribe(
    { query: DOCUMENTS[kind], variables: { filter } },
    {
      next: (result) => {
        const at = now();
        if (result.errors?.length) {
          subscriber.errors.push(JSON.stringify(result.errors).slice(0, 300));
          return;
        }
        const data = result.data as Record<string, { id: string; kind?: string }> | undefined;
        const payload = data?.[kind];
        if (!payload?.id) {
          subscriber.errors.push(`an event without an id: ${JSON.stringify(result).slice(0, 200)}`);
          return;
        }
        const seen = got.get(payload.id);
        if (seen) seen.count++;
        else got.set(payload.id, { count: 1, at, kind: payload.kind ?? 'PUBLISHED' });
      },
      error: (error) => {
        if (!stopping) subscriber.errors.push(`subscription ended: ${describe(error)}`);
      },
      complete: () => {
        if (!stopping) subscriber.closedEarly ??= 'the server completed the subscription';
      },
    },
  );
  return subscriber;
}

let stopping = false;

/** One line for what graphql-ws hands an error sink: an Error, a CloseEvent or GraphQL errors. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return JSON.stringify(error).slice(0, 300);
  const close = error as { code?: unknown; reason?: unknown; type?: unknown };
  if (close && typeof close.code === 'number') return `socket closed ${close.code} ${String(close.reason ?? '')}`.trim();
  return String(error);
}

function matches(subscriber: Subscriber, item: Pick<Published, 'tags' | 'nations'>): boolean {
  return 'tags' in subscriber.filter ? item.tags.includes(subscriber.filter.tags[0]) : item.nations.includes(subscriber.filter.nations[0]);
}

/**
 * Waits until the subscribers have every item each matches, or none has come
 * for `quietMs`, or `deadlineMs` has passed; returns how many deliveries were
 * due.
 */
async function awaitDeliveries(subscribers: readonly Subscriber[], items: readonly Pick<Published, 'id' | 'tags' | 'nations'>[], deadlineMs: number, quietMs: number): Promise<number> {
  const expected = subscribers.reduce((sum, s) => sum + items.filter((item) => matches(s, item)).length, 0);
  const deliveredCount = () => subscribers.reduce((sum, s) => sum + items.filter((item) => s.got.has(item.id)).length, 0);
  for (let deadline = Date.now() + deadlineMs, last = -1, quietSince = Date.now(); Date.now() < deadline; ) {
    const delivered = deliveredCount();
    if (delivered >= expected) break;
    if (delivered !== last) (last = delivered), (quietSince = Date.now());
    else if (Date.now() - quietSince > quietMs) break;
    await sleep(200);
  }
  return expected;
}

// ---------------------------------------------------------------------------
// The run

interface LiveResult {
  subscribers: number;
  perGateway: number[];
  connectSeconds: number;
  events: number;
  rate: number;
  seconds: number;
  publishFailures: string[];
  publishLatency: Latency;
  expected: number;
  delivered: number;
  misses: number;
  duplicates: number;
  unexpected: number;
  subscriberErrors: string[];
  latency: Latency;
  sameProcess: Latency;
  otherProcess: Latency;
  clientLoopDelayP99Ms: number;
  rssBeforeMb: number[];
  peakRssMb: number[];
  burst: BurstResult;
}

/** A burst written in one transaction while every subscriber listens: whether each got its events, and how requests fared meanwhile. */
interface BurstResult {
  items: number;
  writeSeconds: number;
  expected: number;
  delivered: number;
  misses: number;
  duplicates: number;
  /** From the commit to the last event's arrival at a subscriber. */
  drainSeconds: number;
  /** A small query sent every 100 ms to each gateway, from the commit until the last event arrived. */
  probe: Latency;
  probeErrors: string[];
  /** This process's own event-loop delay meanwhile (its 200 to 1,000 clients receive every event): the probe waits on it too. */
  clientLoopDelayP99Ms: number;
  clientLoopDelayMaxMs: number;
  peakRssMb: number[];
}

interface WebhookResult {
  webhooks: number;
  burst: number;
  expected: number;
  delivered: number;
  misses: number;
  duplicates: number;
  retried: number;
  verified: number;
  badSignatures: string[];
  publishSeconds: number;
  seconds: number;
  perSecond: number;
  sustainedPerSecond: number;
  latency: Latency;
  statuses: Record<string, number>;
  peakRssMb: number[];
}

async function runLive(options: Options, fixture: Fixture, gateways: ServerProcess[], publisher: Publisher): Promise<LiveResult> {
  const urls = gateways.map((g) => g.url.replace(/^http/, 'ws'));
  log(`\n== live: ${options.subscribers} subscribers, ${options.rate} items a second for ${options.seconds} s`);
  const rss = new RssSampler(gateways.map((g) => g.pid));
  const connectStarted = now();
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < options.subscribers; i++) {
    subscribers.push(openSubscriber(i, urls[i % urls.length], i % urls.length, fixture.nations));
    if (i % 50 === 49) await sleep(50);
  }
  for (let deadline = Date.now() + 60_000; subscribers.some((s) => !s.connected && !s.closedEarly); ) {
    if (Date.now() > deadline) throw new Error(`${subscribers.filter((s) => !s.connected).length} subscribers did not connect within 60 s`);
    await sleep(100);
  }
  const refused = subscribers.filter((s) => s.closedEarly || s.errors.length);
  if (refused.length) throw new Error(`${refused.length} subscribers were refused, e.g. ${refused[0].closedEarly ?? refused[0].errors[0]}`);
  const connectSeconds = (now() - connectStarted) / 1000;
  log(`${subscribers.length} subscribers connected in ${connectSeconds.toFixed(1)} s`);

  // Subscriptions start after the socket's acknowledgement, asynchronously: an
  // item every filter matches, received by everyone, shows they all run.
  const warm = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const item = await publisher.publish(Array.from({ length: 10 }, (_, b) => `live-${b}`), fixture.nations, 'warmup');
    if (item) warm.add(item.id);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && subscribers.some((s) => ![...warm].some((id) => s.got.has(id)))) await sleep(100);
    const waiting = subscribers.filter((s) => ![...warm].some((id) => s.got.has(id))).length;
    if (waiting === 0) break;
    if (attempt === 3) throw new Error(`${waiting} subscribers received none of ${warm.size} warm-up items`);
    log(`${waiting} subscribers have not received the warm-up item yet; another one`);
  }
  await sleep(1_000);
  const rssBeforeMb = gateways.map((g) => procStatusMb(g.pid, 'VmRSS'));
  log(`every subscription is live (RSS ${rssBeforeMb.map(mb).join(', ')}); publishing`);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const total = Math.round(options.rate * options.seconds);
  const started = now();
  const inFlight: Promise<Published | null>[] = [];
  const first = publisher.items.length;
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / options.rate;
    if (due > now()) await sleep(due - now());
    inFlight.push(publisher.publish([`live-${n % 10}`], [fixture.nations[(n + Math.floor(n / 10)) % 10]], 'live'));
  }
  await Promise.all(inFlight);
  const items = publisher.items.slice(first).filter((item) => !warm.has(item.id));
  const publishedIn = (now() - started) / 1000;
  log(`published ${items.length} of ${total} items in ${publishedIn.toFixed(1)} s; waiting for the last events`);

  const expected = await awaitDeliveries(subscribers, items, 10_000, 5_000);
  await sleep(1_000); // late duplicates
  loop.disable();
  const peakRssMb = gateways.map((g) => rss.peakMb(g.pid));
  rss.stop();

  let delivered = 0;
  let misses = 0;
  let duplicates = 0;
  let unexpected = 0;
  const all: number[] = [];
  const same: number[] = [];
  const other: number[] = [];
  const missExamples: string[] = [];
  const byId = new Map(items.map((item) => [item.id, item]));
  for (const s of subscribers) {
    for (const item of items) {
      const got = s.got.get(item.id);
      if (!matches(s, item)) {
        if (got) unexpected++;
        continue;
      }
      if (!got) {
        misses++;
        if (missExamples.length < 5) missExamples.push(`subscriber ${s.index} (${s.kind} ${JSON.stringify(s.filter)} on gateway ${s.gateway + 1}) missed item ${item.n} published on gateway ${item.gateway + 1}`);
        continue;
      }
      delivered++;
      duplicates += got.count - 1;
      if (got.kind !== 'PUBLISHED') unexpected++;
      const late = got.at - item.sentAt;
      all.push(late);
      (item.gateway === s.gateway ? same : other).push(late);
    }
    for (const id of s.got.keys()) if (!byId.has(id) && !warm.has(id)) unexpected++;
    for (const id of warm) duplicates += Math.max(0, (s.got.get(id)?.count ?? 0) - 1);
  }
  for (const line of missExamples) log(`  MISS: ${line}`);
  const burst = await runBurst(options, fixture, gateways, subscribers);
  const subscriberErrors = subscribers.flatMap((s) => [...s.errors, ...(s.closedEarly ? [s.closedEarly] : [])].map((e) => `subscriber ${s.index}: ${e}`));
  stopping = true;
  await Promise.all(subscribers.map((s) => s.client.dispose()));
  return {
    subscribers: subscribers.length,
    perGateway: gateways.map((_, g) => subscribers.filter((s) => s.gateway === g).length),
    connectSeconds,
    events: items.length,
    rate: options.rate,
    seconds: options.seconds,
    publishFailures: publisher.failures.slice(),
    publishLatency: latency(items.map((item) => item.answeredAt - item.sentAt)),
    expected,
    delivered,
    misses,
    duplicates,
    unexpected,
    subscriberErrors,
    latency: latency(all),
    sameProcess: latency(same),
    otherProcess: latency(other),
    clientLoopDelayP99Ms: loop.percentile(99) / 1e6,
    rssBeforeMb,
    peakRssMb,
    burst,
  };
}

const PROBE = `query BenchProbe { feed(first: 10) { edges { node { id title } } } }`;

/**
 * Writes `--live-burst` digest articles in one transaction from outside the
 * gateways (as an import or an ingest run would), each with one of the ten
 * tags and one of the ten nations the subscribers follow, and waits until
 * every subscriber has each one it matches, while a probe asks each gateway
 * for the feed every 100 ms: a burst must reach everyone whole and leave
 * requests served.
 */
async function runBurst(options: Options, fixture: Fixture, gateways: ServerProcess[], subscribers: Subscriber[]): Promise<BurstResult> {
  log(`\n== live burst: ${options.liveBurst} items in one transaction, ${subscribers.length} subscribers listening`);
  const rss = new RssSampler(gateways.map((g) => g.pid));
  const run = Date.now().toString(36);
  const newest = Date.now();
  const inputs: ContentItemInput[] = Array.from({ length: options.liveBurst }, (_, n) => ({
    type: ContentType.DIGEST_ARTICLE,
    slug: `burst-${run}-${n}`,
    title: `Live benchmark burst item ${n}`,
    summary: `An item the live benchmark wrote in a burst (run ${run}).`,
    language: 'en',
    publishedAt: new Date(newest - n * 1_000),
    countries: [fixture.nations[(n + Math.floor(n / 10)) % 10]],
    tags: [`live-${n % 10}`],
    fields: { outlet: 'Coalition Graph live benchmark', originalUrl: null },
  }));
  const probeLatencies: number[] = [];
  const probeErrors: string[] = [];
  let committed: number | undefined;
  let probing = true;
  const probes = gateways.map(async (gateway) => {
    while (probing) {
      const sent = now();
      try {
        await post(gateway.url, fixture.editorKey, PROBE, {});
        // Counted from the commit: while the transaction is prepared, this process (the probe's client too) is busy writing it.
        if (committed !== undefined && sent >= committed) probeLatencies.push(now() - sent);
      } catch (error) {
        probeErrors.push(describe(error));
      }
      await sleep(Math.max(0, 100 - (now() - sent)));
    }
  });
  const db = await openDatabase(parseDatabaseUrl(fixture.url), { entities: ENTITIES });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const started = now();
  let ids: string[];
  try {
    ids = (await write(db, CLI_ACTOR, (session) => upsertContent(session, inputs))).map(({ id }) => encodeGlobalId('DigestArticle', id));
    committed = now();
    loop.enable();
  } finally {
    await db.destroy();
  }
  const commitAt = committed!;
  log(`wrote ${ids.length} items in ${((commitAt - started) / 1000).toFixed(1)} s; waiting for every subscriber's events`);
  const items = ids.map((id, n) => ({ id, tags: inputs[n].tags!.slice(), nations: inputs[n].countries.slice() }));
  const expected = await awaitDeliveries(subscribers, items, 180_000, 15_000);
  probing = false;
  await Promise.all(probes);
  loop.disable();
  const peakRssMb = gateways.map((g) => rss.peakMb(g.pid));
  rss.stop();
  let delivered = 0;
  let duplicates = 0;
  let lastAt = commitAt;
  for (const s of subscribers) {
    for (const item of items) {
      const got = s.got.get(item.id);
      if (!got || !matches(s, item)) continue;
      delivered++;
      duplicates += got.count - 1;
      lastAt = Math.max(lastAt, got.at);
    }
  }
  const result: BurstResult = {
    items: ids.length,
    writeSeconds: (commitAt - started) / 1000,
    expected,
    delivered,
    misses: expected - delivered,
    duplicates,
    drainSeconds: (lastAt - commitAt) / 1000,
    probe: latency(probeLatencies),
    probeErrors,
    clientLoopDelayP99Ms: loop.percentile(99) / 1e6,
    clientLoopDelayMaxMs: loop.max / 1e6,
    peakRssMb,
  };
  log(`delivered ${delivered} of ${expected} in ${result.drainSeconds.toFixed(1)} s after the commit; probe p99 ${ms(result.probe.p99)}`);
  return result;
}

const CREATE_WEBHOOK = `mutation BenchWebhook($input: WebhookInput!) { createWebhook(input: $input) { webhook { id } secret } }`;

async function runWebhooks(options: Options, fixture: Fixture, gateways: ServerProcess[], publisher: Publisher): Promise<WebhookResult> {
  log(`\n== webhooks: ${options.webhooks} endpoints, a burst of ${options.burst} items`);
  const receiver = new WebhookReceiver(10);
  const origin = await receiver.start();
  const ids: string[] = [];
  try {
    for (let hook = 0; hook < options.webhooks; hook++) {
      const created = (await post(gateways[hook % gateways.length].url, fixture.adminKeys[Math.floor(hook / MAX_WEBHOOKS_PER_KEY)], CREATE_WEBHOOK, { input: { url: `${origin}/hook/${hook}` } })).createWebhook as {
        webhook: { id: string };
        secret: string;
      };
      receiver.setSecret(hook, created.secret);
      ids.push(created.webhook.id);
    }
    log(`${ids.length} webhooks registered at ${origin}/hook/0…${options.webhooks - 1}`);
    const rss = new RssSampler(gateways.map((g) => g.pid));
    const first = publisher.items.length;
    const started = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.burst) {
          const n = next++;
          await publisher.publish([`burst-${n % 10}`], [fixture.nations[n % 10]], 'burst');
        }
      }),
    );
    const publishSeconds = (now() - started) / 1000;
    const items = publisher.items.slice(first);
    const expected = items.length * options.webhooks;
    log(`published ${items.length} items in ${publishSeconds.toFixed(1)} s: ${expected} deliveries to make`);
    const unique = () => new Set(receiver.received.map((r) => `${r.hook} ${r.itemId}`)).size;
    for (let last = -1, quietSince = Date.now(), lastLog = Date.now(); ; ) {
      const got = unique();
      if (got >= expected) break;
      if (got !== last) (last = got), (quietSince = Date.now());
      else if (Date.now() - quietSince > 20_000) break;
      if (Date.now() - lastLog > 5_000) (lastLog = Date.now()), log(`  ${got} of ${expected} delivered`);
      await sleep(200);
    }
    await sleep(1_000);
    const peakRssMb = gateways.map((g) => rss.peakMb(g.pid));
    rss.stop();

    const byItem = new Map(items.map((item) => [item.id, item]));
    const firstOf = new Map<string, number>();
    const msgIds = new Set<string>();
    let duplicates = 0;
    let retried = 0;
    for (const r of receiver.received) {
      if (!byItem.has(r.itemId)) continue;
      const key = `${r.hook} ${r.itemId}`;
      if (firstOf.has(key)) {
        // The same webhook-id again is a retry the receiver must drop; another id for the same change is a duplicate.
        if (msgIds.has(r.msgId)) retried++;
        else duplicates++;
      } else firstOf.set(key, r.at);
      msgIds.add(r.msgId);
    }
    const times = [...firstOf.values()].sort((a, b) => a - b);
    const delivered = firstOf.size;
    const seconds = times.length ? (times[times.length - 1] - started) / 1000 : NaN;
    const lo = times[Math.floor(times.length * 0.1)];
    const hi = times[Math.floor(times.length * 0.9)];
    const sustained = times.length > 10 && hi > lo ? (Math.floor(times.length * 0.9) - Math.floor(times.length * 0.1)) / ((hi - lo) / 1000) : NaN;
    const lateness = [...firstOf.entries()].map(([key, at]) => at - byItem.get(key.split(' ')[1])!.sentAt);

    const pg = new PgClient({ connectionString: fixture.url });
    await pg.connect();
    let statuses: Record<string, number> = {};
    try {
      const rows = (await pg.query(`SELECT status || CASE WHEN attempts > 1 THEN ' after retries' ELSE '' END AS s, count(*) AS n FROM webhook_delivery GROUP BY 1 ORDER BY 1`)).rows as { s: string; n: string }[];
      statuses = Object.fromEntries(rows.map((r) => [r.s, Number(r.n)]));
      await pg.query('DELETE FROM webhook');
    } finally {
      await pg.end();
    }
    return {
      webhooks: ids.length,
      burst: items.length,
      expected,
      delivered,
      misses: expected - delivered,
      duplicates,
      retried,
      verified: receiver.verified,
      badSignatures: receiver.badSignatures.slice(0, 20),
      publishSeconds,
      seconds,
      perSecond: delivered / seconds,
      sustainedPerSecond: sustained,
      latency: latency(lateness),
      statuses,
      peakRssMb,
    };
  } finally {
    await receiver.stop();
  }
}

// ---------------------------------------------------------------------------
// Report

function rows(live: LiveResult, hooks: WebhookResult | null, gateways: number): string[][] {
  const table: string[][] = [['Measure', 'Result', 'Target']];
  table.push(['Subscribers (per gateway)', `${live.subscribers} (${live.perGateway.join(' + ')})`, '']);
  table.push(['Events published', `${live.events} (${live.rate}/s for ${live.seconds} s)`, '']);
  table.push(['Matching deliveries expected', String(live.expected), '']);
  table.push(['Delivered', String(live.delivered), '']);
  table.push(['Missed', String(live.misses), '0']);
  table.push(['Duplicates', String(live.duplicates), '0']);
  table.push(['Unexpected (not matching)', String(live.unexpected), '0']);
  table.push(['Live latency p50 / p99 / max', `${ms(live.latency.p50)} / ${ms(live.latency.p99)} / ${ms(live.latency.max)}`, 'p99 < 1000 ms']);
  table.push(['  same process / other process p99', `${ms(live.sameProcess.p99)} / ${ms(live.otherProcess.p99)}`, '']);
  table.push(['publishContent answer p50 / p99', `${ms(live.publishLatency.p50)} / ${ms(live.publishLatency.p99)}`, '']);
  for (let g = 0; g < gateways; g++) table.push([`Gateway ${g + 1} RSS: subscribed / peak live`, `${mb(live.rssBeforeMb[g])} / ${mb(live.peakRssMb[g])}`, '']);
  const { burst } = live;
  table.push(['Burst: items in one transaction (write)', `${burst.items} (${burst.writeSeconds.toFixed(1)} s)`, '']);
  table.push(['Burst: delivered / expected', `${burst.delivered} / ${burst.expected} (missed ${burst.misses}, duplicates ${burst.duplicates})`, '0 missed, 0 duplicates']);
  table.push(['Burst: last event after the commit', `${burst.drainSeconds.toFixed(1)} s`, '']);
  table.push(['Burst: feed query until drained p50 / p99 / max', `${ms(burst.probe.p50)} / ${ms(burst.probe.p99)} / ${ms(burst.probe.max)} (${burst.probeErrors.length} errors)`, '0 errors']);
  table.push(['  the benchmark’s own event-loop delay p99 / max', `${ms(burst.clientLoopDelayP99Ms)} / ${ms(burst.clientLoopDelayMaxMs)}`, '']);
  for (let g = 0; g < gateways; g++) table.push([`Gateway ${g + 1} peak RSS, burst`, mb(burst.peakRssMb[g]), '']);
  if (hooks) {
    table.push(['Webhooks × burst items', `${hooks.webhooks} × ${hooks.burst} = ${hooks.expected}`, '']);
    table.push(['Webhook deliveries received', `${hooks.delivered} (missed ${hooks.misses}, duplicates ${hooks.duplicates}, retries ${hooks.retried})`, '0 missed, 0 duplicates']);
    table.push(['Deliveries a second: overall / sustained', `${Math.round(hooks.perSecond)} / ${Math.round(hooks.sustainedPerSecond)}`, '≥ 200']);
    table.push(['Webhook latency p50 / p99 / max', `${ms(hooks.latency.p50)} / ${ms(hooks.latency.p99)} / ${ms(hooks.latency.max)}`, '']);
    table.push(['Signatures verified (sample)', `${hooks.verified} (${hooks.badSignatures.length} bad)`, '0 bad']);
    for (let g = 0; g < gateways; g++) table.push([`Gateway ${g + 1} peak RSS, webhooks`, mb(hooks.peakRssMb[g]), '']);
  }
  return table;
}

function markdown(options: Options, startedAt: string, live: LiveResult, hooks: WebhookResult | null, problems: string[]): string {
  const lines = [
    '# Live benchmark: subscriptions and webhooks',
    '',
    `Run ${startedAt} (${options.mode}), ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.versions.node}.`,
    `Two gateways (\`node dist/src/main.js\`, production mode, \`LOG_LEVEL=warn\`) on one PostgreSQL database (\`${DATABASE}\`); the subscribers, the publisher and the webhook receiver run in the benchmark's own process on the same machine.`,
    '',
    markdownTable(rows(live, hooks, live.peakRssMb.length)),
    '',
    `Latency is from just before \`publishContent\` was sent to the event's arrival at the subscriber (or the webhook receiver), on the benchmark's clock; it includes the mutation's own commit. Subscribers: half \`contentPublished\`, half \`contentChanges\`, each filtered by one of ten tags or one of ten member nations (about 10% of events each), each from its own loopback address. The client's own event-loop delay p99 during publishing: ${live.clientLoopDelayP99Ms.toFixed(1)} ms. Subscribers connected in ${live.connectSeconds.toFixed(1)} s.`,
  ];
  if (hooks) {
    lines.push(
      '',
      `Webhooks: ${hooks.webhooks} endpoints without filters on one receiver (\`node:http\`, 204 at once), a burst of ${hooks.burst} publications (8 at a time, alternating gateways) published in ${hooks.publishSeconds.toFixed(1)} s; the last delivery came ${hooks.seconds.toFixed(1)} s after the burst began. "Overall" counts from the first publication to the last delivery; "sustained" between the 10th and 90th percentile of deliveries. Deliveries by status: ${Object.entries(hooks.statuses).map(([s, n]) => `${s} ${n}`).join(', ')}.`,
    );
  }
  if (problems.length) lines.push('', '## Problems', '', ...problems.map((p) => `- ${p}`));
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  fs.mkdirSync(options.out, { recursive: true });
  const startedAt = new Date().toISOString();
  const fixture = await prepare(options);
  const gateways: ServerProcess[] = [];
  // The receiver is on 127.0.0.1, which outbound requests may reach only when named.
  const env = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
  try {
    for (let g = 0; g < 2; g++) gateways.push(await startGatewayProcess(fixture.url, path.join(options.out, 'logs', `live-gateway-${g + 1}.log`), { env }));
    log(`gateways: ${gateways.map((g, i) => `${i + 1}: pid ${g.pid} at ${g.url}`).join('; ')}`);
    const publisher = new Publisher(
      gateways.map((g) => g.url),
      fixture.editorKey,
      Date.now().toString(36),
    );
    const live = await runLive(options, fixture, gateways, publisher);
    const hooks = await runWebhooks(options, fixture, gateways, publisher);
    const problems: string[] = [];
    if (live.misses) problems.push(`${live.misses} live events missed`);
    if (live.duplicates) problems.push(`${live.duplicates} live events delivered twice`);
    if (live.unexpected) problems.push(`${live.unexpected} live events a subscriber should not have had`);
    if (live.burst.misses) problems.push(`${live.burst.misses} events of the burst missed`);
    if (live.burst.duplicates) problems.push(`${live.burst.duplicates} events of the burst delivered twice`);
    problems.push(...live.burst.probeErrors.slice(0, 5).map((error) => `probe during the burst: ${error}`));
    problems.push(...live.subscriberErrors.slice(0, 10));
    problems.push(...publisher.failures.slice(0, 10));
    if (hooks.misses) problems.push(`${hooks.misses} webhook deliveries missing`);
    if (hooks.duplicates) problems.push(`${hooks.duplicates} webhook deliveries duplicated (another webhook-id for the same change)`);
    problems.push(...hooks.badSignatures.map((s) => `bad signature: ${s}`));
    const report = markdown(options, startedAt, live, hooks, problems);
    fs.writeFileSync(path.join(options.out, 'live.md'), report);
    fs.writeFileSync(path.join(options.out, 'live.json'), JSON.stringify({ startedAt, options, live, webhooks: hooks, problems }, null, 2) + '\n');
    log(`\n${textTable(rows(live, hooks, gateways.length))}\n`);
    for (const problem of problems) log(`PROBLEM: ${problem}`);
    log(`Wrote ${path.relative(process.cwd(), path.join(options.out, 'live.md'))} and live.json (gateway logs in logs/).`);
    const failed =
      live.burst.misses > 0 ||
      live.burst.duplicates > 0 ||
      live.burst.probeErrors.length > 0 ||
      live.misses > 0 ||
      live.duplicates > 0 || live.unexpected > 0 || live.subscriberErrors.length > 0 || hooks.misses > 0 || hooks.duplicates > 0 || hooks.badSignatures.length > 0;
    process.exitCode = failed ? 1 : 0;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

main().catch((error: unknown) => exitWithFailure('bench:live', error));
