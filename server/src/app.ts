import type { Worker } from 'bullmq';
import type { Config } from './config/config.js';
import { createLogger, type Logger } from './observability/logger.js';
import { connectDatabase, type Sql } from './store/db.js';
import { startGateway, type GatewayHandle } from './gateway/gateway.js';
import { startAnswerWorker } from './worker/answer-worker.js';
import { startDeadlineWorker } from './worker/deadline-worker.js';
import { createAttemptServices, type AttemptServices } from './attempts/services.js';
import { startProctorWork } from './worker/proctor-worker.js';
import { serveMetrics } from './observability/metrics-server.js';
import { watchQueueDepth } from './observability/metrics.js';
import { createAnswerQueue } from './answers/queue.js';
import { connectRedis, isClusterMode, type RedisClient } from './store/redis.js';
import { postgresBreaker, type DependencyBreaker } from './store/breakers.js';
import { startApi, type ApiHandle } from './api/server.js';

/** `all` is a gateway and the workers in one process; the exam office's HTTP API is the role `api`. */
export type Role = 'gateway' | 'worker' | 'api' | 'all';

export interface ExamhallNode {
  config: Config;
  logger: Logger;
  sql: Sql;
  attempts: AttemptServices;
  gateway?: GatewayHandle;
  api?: ApiHandle;
  close: () => Promise<void>;
}

/**
 * Starts one process's roles: a gateway, the workers, both (`all`, the tests' default), or the HTTP
 * API; `withApi` adds the API to another role (the demo runs everything in one process).
 */
export async function startNode(config: Config, role: Role, logger = createLogger(config, role), options: { withApi?: boolean } = {}): Promise<ExamhallNode> {
  const sql = connectDatabase(config);
  if (isClusterMode(config)) logger.info({ seeds: config.REDIS_CLUSTER_NODES }, 'redis cluster mode: sharded adapter, a hash tag per queue');
  const attempts = createAttemptServices(config, sql, logger);
  let gateway: GatewayHandle | undefined;
  let answerWorker: Worker | undefined;
  let deadlineWorker: { close: () => Promise<void> } | undefined;
  let proctorWork: ReturnType<typeof startProctorWork> | undefined;
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let metricsQueue: ReturnType<typeof createAnswerQueue> | undefined;
  const workerRedis: RedisClient[] = [];
  let workerStore: DependencyBreaker | undefined;

  if (role === 'worker' || role === 'all') {
    // BullMQ workers block on Redis: their connections must never give up on a command
    const answerConnection = connectRedis(config, { maxRetriesPerRequest: null });
    const deadlineConnection = connectRedis(config, { maxRetriesPerRequest: null });
    workerRedis.push(answerConnection, deadlineConnection);
    for (const r of workerRedis) r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    const store = (workerStore = postgresBreaker('worker', config, sql, logger));
    proctorWork = startProctorWork({ config, sql, notifier: attempts.notifier, logger });
    answerWorker = startAnswerWorker({ config, sql, store, workerConnection: answerConnection, notifier: attempts.notifier, finalizer: attempts.finalizer, proctor: proctorWork, logger });
    deadlineWorker = startDeadlineWorker({ config, sql, store, workerConnection: deadlineConnection, finalizer: attempts.finalizer, scheduler: attempts.scheduler, notifier: attempts.notifier, logger });
    logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'workers started');
  }
  if (role === 'gateway' || role === 'all') gateway = await startGateway(config, sql, attempts, logger);
  const api = role === 'api' || options.withApi ? await startApi({ config, sql, logger, attempts }) : undefined;
  if (role === 'worker' && config.METRICS_PORT > 0) {
    const metricsRedis = connectRedis(config, { maxRetriesPerRequest: 1 });
    metricsRedis.on('error', () => undefined); // scrapes show the queue as unreadable; the workers log Redis errors
    workerRedis.push(metricsRedis);
    metricsQueue = createAnswerQueue(metricsRedis, config);
    watchQueueDepth(metricsQueue);
    metricsServer = await serveMetrics(config.HOST, config.METRICS_PORT);
    logger.info({ port: metricsServer.port }, 'metrics at /metrics');
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await api?.close();
      await gateway?.close();
      await answerWorker?.close();
      await deadlineWorker?.close();
      workerStore?.stop();
      await proctorWork?.close();
      await metricsServer?.close();
      await metricsQueue?.close();
      for (const r of workerRedis) r.disconnect();
      await attempts.close();
      await sql.end({ timeout: 5 });
    })());
  return { config, logger, sql, attempts, gateway, api, close };
}
