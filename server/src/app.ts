import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { Config } from './config/config.js';
import { createLogger, type Logger } from './observability/logger.js';
import { connectDatabase, type Sql } from './store/db.js';
import { startGateway, type GatewayHandle } from './gateway/gateway.js';
import { startAnswerWorker } from './worker/answer-worker.js';

export type Role = 'gateway' | 'worker' | 'all';

export interface ExamhallNode {
  config: Config;
  logger: Logger;
  sql: Sql;
  gateway?: GatewayHandle;
  close: () => Promise<void>;
}

/** Starts one process's roles: a gateway, an answer worker, or both (`all`, the demo and tests' default). */
export async function startNode(config: Config, role: Role, logger = createLogger(config, role)): Promise<ExamhallNode> {
  const sql = connectDatabase(config);
  let gateway: GatewayHandle | undefined;
  let worker: Worker | undefined;
  const workerRedis: Redis[] = [];

  if (role === 'worker' || role === 'all') {
    const workerConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    // the emitter publishes without awaiting: let commands wait for Redis rather than reject unobserved
    const publisher = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    workerRedis.push(workerConnection, publisher);
    for (const r of workerRedis) r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    worker = startAnswerWorker({ config, sql, workerConnection, publisher, logger });
    logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'answer worker started');
  }
  if (role === 'gateway' || role === 'all') gateway = await startGateway(config, sql, logger);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await gateway?.close();
      await worker?.close();
      for (const r of workerRedis) r.disconnect();
      await sql.end({ timeout: 5 });
    })());
  return { config, logger, sql, gateway, close };
}
