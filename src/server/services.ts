import type { DataSource } from 'typeorm';
import { ApiKeyAuthenticator } from '../auth/api-key.service';
import { campaignCatalogue } from '../campaigns/campaign-catalogue';
import type { ChangeRow } from '../changes/change-row';
import { writtenHere } from '../changes/local-commits';
import { ChangeTailer } from '../changes/tailer';
import { ConfigError, type Config } from '../config';
import { isConnectionFailure, STATEMENT_TIMEOUT_WARNING } from '../db/failures';
import { DatabaseHealth } from '../db/health';
import { IngestScheduler } from '../ingest/scheduler';
import { ingestSettingsFrom, IngestService, registerIngestService, USER_AGENT } from '../ingest/service';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { Metrics } from '../metrics/metrics';
import { parseAllowedHosts } from '../net/address-rules';
import { LiveEvents } from '../outbound/live/live-events';
import { WebhookService } from '../outbound/webhooks/webhook-service';
import { registerReceiverRules } from '../outbound/webhooks/webhooks';
import { createRateLimiter, type RateLimiter } from '../protection/rate-limit';
import { FeedClock } from '../outbound/syndication/clock';
import type { Logger } from './logger';
import { PersistedQueryCache, SharedRedis } from './redis';

/**
 * The services one gateway process runs, made once at start-up and shared by
 * the HTTP server and the background work: the database and its health,
 * metrics, Redis and what falls back from it, the rate limiter, the key
 * authenticator. Passing this one object around, rather than keeping them as
 * locals of the HTTP server, lets every entry point (HTTP, WebSocket,
 * background jobs) use the same instances.
 */
export interface Services {
  readonly config: Config;
  readonly db: DataSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: DatabaseHealth;
  readonly redis: SharedRedis | null;
  readonly rateLimiter: RateLimiter;
  readonly persistedQueries: PersistedQueryCache;
  readonly authenticator: ApiKeyAuthenticator;
  /** Follows the change log: every process learns of every change, whoever made it. */
  readonly changes: ChangeTailer;
  /** Runs sources (on demand, and on their schedule when the scheduler is on). */
  readonly ingest: IngestService;
  /** Content changes as live events, for subscriptions. */
  readonly live: LiveEvents;
  /** When content last changed, as this process heard, for the feeds' `Last-Modified`. */
  readonly feedClock: FeedClock;
  /** Queues and attempts webhook deliveries (null when WEBHOOKS=off). */
  readonly webhooks: WebhookService | null;
  /** Hosts outbound requests may reach although they are private (OUTBOUND_ALLOWED_HOSTS, checked). */
  readonly outboundAllowedHosts: readonly string[];
  /** Starts what runs in the background (following the change log). */
  start(): Promise<void>;
  /** Stops what the services run in the background; the database is closed by whoever opened it. */
  close(): Promise<void>;
}

export function createServices(config: Config, db: DataSource, logger: Logger): Services {
  const outboundAllowedHosts = parseOutboundHosts(config);
  const metrics = new Metrics(db);
  const health = new DatabaseHealth(db, {
    queryTimeoutMs: config.db.queryTimeoutMs,
    onChange: (available, reason) => {
      metrics.databaseUp.set(available ? 1 : 0);
      if (available) logger.info('the database answers again');
      else logger.error({ reason }, 'the database does not answer: requests get 503 until it does');
    },
  });
  /**
   * How background work (following the change log, the ingest scheduler,
   * webhooks) reports a failure. A database that stopped answering is the
   * health check's to report, once, as it is for requests: the work waits and
   * tries again, which is a warning, not an internal error per attempt.
   */
  const backgroundFailure = (error: unknown, what: string): void => {
    if (isConnectionFailure(error)) {
      health.observe(error);
      logger.warn({ err: error }, `${what} waits for the database`);
    } else logger.error({ err: error }, `failure while ${what}`);
  };
  const redis = config.redisUrl ? new SharedRedis(config.redisUrl, logger, metrics) : null;
  const rateLimiter = createRateLimiter(config.rateLimit, redis, (role) => metrics.rateLimited.inc({ role }));
  const authenticator = new ApiKeyAuthenticator(
    db,
    config.apiKeyCacheMs,
    (error) => logger.warn({ err: error }, 'could not record key use'),
    // A key that could not be checked for now: a database away is the health check's to report (once); the others are warnings.
    (failure, path) => {
      if (failure.reason === 'unreachable') health.observe(failure.cause);
      else logger.warn({ path }, failure.reason === 'timed-out' ? STATEMENT_TIMEOUT_WARNING : 'SQLite was busy when an API key was checked');
    },
  );
  const changes = new ChangeTailer(db, {
    retentionMs: config.changeLog.retentionDays * 86_400_000,
    pollIntervalMs: config.changeLog.pollIntervalMs,
    heartbeatMs: config.changeLog.heartbeatMs,
    queryTimeoutMs: config.db.queryTimeoutMs,
    onError: backgroundFailure,
    onConnection: (connected, error) =>
      connected ? logger.info('following the change log again') : logger.warn({ err: error }, 'lost the change log connection; reconnecting'),
  });
  changes.subscribe((rows) => dropCopies(db, authenticator, rows));
  const ingest = new IngestService(
    db,
    ingestSettingsFrom(config, outboundAllowedHosts, (level, message, details) => logger[level](details ?? {}, message)),
  );
  registerIngestService(db, ingest);
  const scheduler = config.ingest.scheduler ? new IngestScheduler(db, ingest, (error) => backgroundFailure(error, 'scheduling ingestion')) : null;
  if (scheduler) changes.subscribe(scheduler.onChanges);
  const feedClock = new FeedClock();
  changes.subscribe(feedClock.onChanges);
  // A read of events' items that fails ends their subscriptions with SERVICE_UNAVAILABLE; what went wrong is logged here, once.
  const live = new LiveEvents(db, config.live.maxBehind, backgroundFailure);
  live.start(changes);
  registerReceiverRules(db, { allowedHosts: outboundAllowedHosts });
  const webhooks = config.webhooks.enabled
    ? new WebhookService(db, {
        allowedHosts: outboundAllowedHosts,
        userAgent: USER_AGENT,
        retrySchedule: config.webhooks.retryScheduleMs,
        timeoutMs: config.webhooks.timeoutMs,
        concurrency: config.webhooks.concurrency,
        onAttempt: (outcome) => metrics.webhookAttempts.inc({ outcome }),
        onError: (error) => backgroundFailure(error, 'delivering webhooks'),
      })
    : null;
  if (webhooks) changes.subscribe(webhooks.onChanges);
  return {
    config,
    db,
    logger,
    metrics,
    health,
    redis,
    rateLimiter,
    persistedQueries: new PersistedQueryCache(redis),
    authenticator,
    changes,
    ingest,
    live,
    feedClock,
    webhooks,
    outboundAllowedHosts,
    async start() {
      await changes.start();
      // What was committed before the change log was followed is never heard of: the feeds count from now.
      feedClock.heardUpTo(Date.now());
      await scheduler?.start();
      webhooks?.start();
    },
    async close() {
      await webhooks?.stop();
      live.stop();
      scheduler?.stop();
      // Runs under way end at their next step and let go of their sources now, not when the shutdown's time runs out
      // (their claims then lapsed two minutes later, and the runs were found abandoned).
      ingest.stop();
      await ingest.close();
      await changes.stop();
      health.close();
      redis?.disconnect();
    },
  };
}

/** OUTBOUND_ALLOWED_HOSTS checked and normalised; a bad entry stops the start with one line naming the variable. */
function parseOutboundHosts(config: Config): readonly string[] {
  try {
    return parseAllowedHosts(config.outboundAllowedHosts.join(','));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * What every process keeps copies of, dropped as soon as the change log says
 * it changed, whichever process (or the CLI) changed it: the campaign and
 * member catalogues, and verified API keys (a revoked key stops working
 * everywhere within a second, not after the key cache's time).
 */
function dropCopies(db: DataSource, authenticator: ApiKeyAuthenticator, rows: readonly ChangeRow[]): void {
  for (const row of rows) {
    // Forgetting a key costs one lookup at most; the catalogues were already dropped by this process's own writes when they committed.
    if (row.subject === 'KEY') authenticator.forget(row.subjectId);
    else if (writtenHere(db, row.seq)) continue;
    else if (row.subject === 'CAMPAIGN') campaignCatalogue(db).clear();
    else if (row.subject === 'MEMBER') nationCatalogue(db).clear();
  }
}
