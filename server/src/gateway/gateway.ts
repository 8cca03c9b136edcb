import { EVENTS, NAMESPACES, PROCTOR_SIGN_IN_PATH, ProctorSignInRequest, SIGN_IN_PATH, SignInRequest } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { TokenService } from '../auth/tokens.js';
import { AnswerBatcher } from '../answers/batcher.js';
import { createAnswerQueue } from '../answers/queue.js';
import type { AttemptServices } from '../attempts/services.js';
import { socketAdapter } from './socket-adapter.js';
import { connectRedis, connectSubscriber, type RedisClient } from '../store/redis.js';
import { bindEngine } from './engine.js';
import { loadStaticSite } from './static-site.js';
import { setUpCandidateNamespace, type CandidateNamespace } from './candidate-namespace.js';
import { setUpProctorNamespace, type ProctorNamespace } from './proctor-namespace.js';
import { PresenceRecorder } from '../proctor/presence.js';
import { AlertRecorder } from '../proctor/alerts.js';
import { ProctorActions } from '../proctor/actions.js';
import { AccessCodeSignIn } from '../auth/access-codes.js';
import { ProctorSignIn } from '../auth/proctor-accounts.js';
import { startHeartbeat } from '../proctor/gateway-liveness.js';
import { addressResolver } from './client-address.js';
import { signInRoute } from './sign-in-route.js';
import { watchPendingAnswers } from '../observability/backpressure-metrics.js';
import { answerQueueBreaker, openBreakers, postgresBreaker } from '../store/breakers.js';
import { SecurityGuards } from './security-guards.js';
import { RevocationChecker } from '../auth/revocations.js';
import { SubmitAdmission } from './submit-admission.js';
import { METRICS_CONTENT_TYPE, metrics, metricsText, watchConnections, watchQueueDepth } from '../observability/metrics.js';

export interface GatewayHandle {
  port: number;
  engineName: 'uws' | 'ws';
  connections: () => number;
  /**
   * The first half of a graceful shutdown (SIGTERM): stop accepting, tell clients to reconnect
   * elsewhere, and keep serving those still here (answers are batched and acknowledged as usual)
   * until they have all left, the window plus some slack is over, or `maxWaitMs` is. close() does the rest.
   */
  drain: (maxWaitMs: number) => Promise<void>;
  /** stop accepting, tell clients to reconnect elsewhere (unless drain() did), flush batches, close */
  close: () => Promise<void>;
}

/** Clients are told to reconnect elsewhere within this window (each picks a random moment in it). */
const DRAIN_WINDOW_MS = 1000;
/** how long after the window a drain still waits for stragglers before close() cuts them off */
const DRAIN_SLACK_MS = 1000;

/** Connections beyond the soft cap get a coded GATEWAY_FULL; beyond this headroom the HTTP upgrade itself is refused. */
const HARD_CAP_HEADROOM = 500;

export async function startGateway(config: Config, sql: Sql, attempts: AttemptServices, logger: Logger): Promise<GatewayHandle> {
  // Adapter commands wait for Redis to come back instead of rejecting (the adapter does not catch them).
  const adapterPub = connectRedis(config, { maxRetriesPerRequest: null });
  const adapterSub = connectSubscriber(adapterPub);
  // Fails fast when Redis is down, so a batch gets QUEUE_UNAVAILABLE instead of waiting in an offline queue.
  const producer = connectRedis(config, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  for (const r of [adapterPub, adapterSub, producer]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

  const queue = createAnswerQueue(producer, config);
  // while Redis or Postgres fails, callers get the retryable code at once instead of waiting for timeouts
  const queueBreaker = answerQueueBreaker(config, producer, logger);
  const storeBreaker = postgresBreaker('gateway', config, sql, logger);
  const batcher = new AnswerBatcher({
    maxAnswers: config.BATCH_MAX_ANSWERS,
    maxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxPending: config.BATCH_MAX_PENDING,
    enqueueTimeoutMs: config.ENQUEUE_TIMEOUT_MS,
    enqueue: async (items) => {
      await queueBreaker.run(() => queue.add('batch', { gatewayId: config.GATEWAY_ID, items }));
      metrics.batchAnswers.observe({ stage: 'enqueued' }, items.length);
    },
    logger,
  });

  let draining = false;
  let connectionCount = () => 0;
  const allowedOrigins = new Set(config.ALLOWED_ORIGINS);
  const anyOrigin = allowedOrigins.has('*');

  const tokens = new TokenService(config);
  const guards = new SecurityGuards(config, sql, logger);
  // the fail-fast connection: while Redis is down the check asks Postgres at once instead of waiting
  const revocations = new RevocationChecker({ sql, redis: producer, config, logger });
  const signIn = new AccessCodeSignIn({ sql, redis: producer, tokens, prefix: config.REDIS_PREFIX, ttlS: config.TOKEN_TTL_S });
  // the same service (and Redis counters) as the office API's /api/v1/proctor-sign-in: limits are shared
  const proctorSignIn = new ProctorSignIn({ sql, redis: producer, tokens, prefix: config.REDIS_PREFIX, ttlS: config.TOKEN_TTL_S });
  const engine = await bindEngine(
    config,
    {
      serveClient: false,
      maxHttpBufferSize: config.MAX_FRAME_BYTES,
      transports: ['websocket', 'polling'],
      cors: { origin: anyOrigin ? true : [...allowedOrigins], credentials: false },
      adapter: socketAdapter(config, adapterPub, adapterSub),
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        // the pages this gateway serves itself (same origin) are always allowed
        if (origin && !anyOrigin && !allowedOrigins.has(origin) && !isSameOrigin(origin, req.headers.host)) {
          guards.originRefused(req);
          return callback('ORIGIN_NOT_ALLOWED', false);
        }
        if (connectionCount() >= config.MAX_CONNECTIONS + HARD_CAP_HEADROOM) return callback('GATEWAY_FULL', false);
        const crowded = guards.refuseRequest(req);
        if (crowded) return callback(crowded, false);
        callback(null, true);
      },
    },
    {
      '/healthz': async () => ({ status: 200, body: { status: 'ok', draining } }),
      '/metrics': async () => ({ status: 200, body: await metricsText(), contentType: METRICS_CONTENT_TYPE }),
      '/readyz': async () => {
        const checks = await readinessChecks(producer, sql);
        const openCircuits = openBreakers([queueBreaker, storeBreaker]);
        const ready = checks.redis && checks.postgres && !draining && openCircuits.length === 0;
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', ...checks, draining, openCircuits } };
      },
    },
    logger,
    loadStaticSite(config.WEB_DIST || undefined),
    {
      [SIGN_IN_PATH]: signInRoute('candidate', SignInRequest, signIn, logger),
      [PROCTOR_SIGN_IN_PATH]: signInRoute('proctor', ProctorSignInRequest, proctorSignIn, logger),
    },
  );
  connectionCount = () => engine.io.engine.clientsCount;
  guards.watch(engine.io);
  const unwatch = [
    watchQueueDepth(queue),
    watchPendingAnswers(() => batcher.pending),
    watchConnections(() => ({ candidate: engine.io.of(NAMESPACES.candidate).sockets.size, proctor: engine.io.of(NAMESPACES.proctor).sockets.size })),
  ];

  const feed = attempts.notifier.feed;
  const presence = new PresenceRecorder({ sql, feed, gatewayId: config.GATEWAY_ID, logger });
  // Without these the SDKs wait resendAfterMs (15 s) for answers whose job or commit notice is gone.
  const askToResend = (why: string) => {
    logger.warn({ why }, "asking this gateway's candidates to resend what is not committed");
    engine.io.of(NAMESPACES.candidate).local.emit(EVENTS.answersResend);
  };
  const heartbeat = startHeartbeat(producer, config.REDIS_PREFIX, config.GATEWAY_ID, config.GATEWAY_DEAD_AFTER_MS, () =>
    askToResend('Redis lost its data (restarted empty or flushed): acknowledged jobs may be gone'),
  );
  // answers refused while the queue's circuit was open wait in the SDKs' backoff (up to 10 s): call them now
  queueBreaker.onClosed(() => askToResend('the answer queue is reachable again'));
  // commit notices published while the adapter's subscriber was away are never delivered (pub/sub keeps nothing)
  let subscriberWasReady = adapterSub.status === 'ready';
  adapterSub.on('ready', () => {
    if (subscriberWasReady) askToResend('the adapter subscriber reconnected: commit notices may have been missed');
    subscriberWasReady = true;
  });
  const acceptingConnections = () => !draining && connectionCount() <= config.MAX_CONNECTIONS;
  setUpCandidateNamespace(engine.io.of(NAMESPACES.candidate) as unknown as CandidateNamespace, {
    sql,
    tokens,
    presence,
    alerts: new AlertRecorder({ sql, feed, logger }),
    clientAddress: addressResolver(config.TRUSTED_PROXIES),
    feed,
    contents: attempts.contents,
    scheduler: attempts.scheduler,
    finalizer: attempts.finalizer,
    batcher,
    storeBreaker,
    submitAdmission: new SubmitAdmission(config.SUBMITS_IN_FLIGHT_MAX, config.SUBMITS_WAITING_MAX, config.SUBMIT_WAIT_MAX_MS),
    logger,
    gatewayId: config.GATEWAY_ID,
    lobbyEarlyMs: config.LOBBY_EARLY_S * 1000,
    acceptingConnections,
    guards,
    revocations,
  });
  setUpProctorNamespace(engine.io.of(NAMESPACES.proctor) as unknown as ProctorNamespace, {
    sql,
    tokens,
    contents: attempts.contents,
    actions: new ProctorActions({ sql, services: attempts, logger }),
    feedHistory: attempts.notifier.feedHistory,
    logger,
    acceptingConnections,
    guards,
    revocations,
  });
  logger.info({ port: engine.port, engine: engine.engineName, maxConnections: config.MAX_CONNECTIONS }, 'gateway listening');

  /** stop accepting (the listen socket closes: with SO_REUSEPORT the kernel sends new connections to the other gateways) and tell clients, once */
  const startDraining = () => {
    if (draining) return;
    draining = true;
    engine.stopListening();
    // `local`: a plain namespace emit goes through the Redis adapter to every gateway's clients
    engine.io.of(NAMESPACES.candidate).local.emit(EVENTS.serverDraining, { reconnectInMs: DRAIN_WINDOW_MS });
    engine.io.of(NAMESPACES.proctor).local.emit(EVENTS.serverDraining, { reconnectInMs: DRAIN_WINDOW_MS });
  };

  return {
    port: engine.port,
    engineName: engine.engineName,
    connections: connectionCount,
    drain: async (maxWaitMs) => {
      startDraining();
      const until = Date.now() + Math.min(DRAIN_WINDOW_MS + DRAIN_SLACK_MS, maxWaitMs);
      while (connectionCount() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      logger.info({ left: connectionCount() }, 'drain window over');
    },
    close: async () => {
      startDraining();
      await batcher.close();
      // the acks of the last batches are emitted a few microtasks after it settled: let them out first
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => engine.io.close(() => resolve()));
      await presence.close(); // after the sockets closed: their disconnects are recorded too
      await guards.audit.flush();
      await heartbeat.stop();
      for (const stop of unwatch) stop();
      queueBreaker.stop();
      storeBreaker.stop();
      await queue.close();
      for (const r of [adapterPub, adapterSub, producer]) r.disconnect();
      logger.info('gateway closed');
    },
  };
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function readinessChecks(redis: RedisClient, sql: Sql): Promise<{ redis: boolean; postgres: boolean }> {
  const withTimeout = <T>(p: Promise<T>) =>
    Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]).catch(() => false);
  const [redisOk, postgresOk] = await Promise.all([withTimeout(redis.ping()), withTimeout(sql.unsafe('SELECT 1'))]);
  return { redis: redisOk, postgres: postgresOk };
}

