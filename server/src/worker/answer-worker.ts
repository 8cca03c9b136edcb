import { Worker } from 'bullmq';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { queuePrefix, type RedisClient } from '../store/redis.js';
import { ANSWER_QUEUE, type AnswerBatchJob } from '../answers/queue.js';
import { flushAnswers, latestPerQuestion } from './flush.js';
import type { AttemptFinalizer } from '../attempts/finalize.js';
import type { AttemptNotifier } from '../attempts/notifier.js';
import type { startProctorWork } from './proctor-worker.js';
import { metrics } from '../observability/metrics.js';
import type { DependencyBreaker } from '../store/breakers.js';

export interface AnswerWorkerDeps {
  config: Config;
  sql: Sql;
  /** Postgres breaker of this worker process: while it is open, batches wait in the queue */
  store: DependencyBreaker;
  /** blocking connection for BullMQ (maxRetriesPerRequest: null) */
  workerConnection: RedisClient;
  /** publishes the commit notices to the candidates' rooms */
  notifier: AttemptNotifier;
  /** rescoring of final attempts whose in-time answers were committed late */
  finalizer: AttemptFinalizer;
  /** tells proctors each attempt's progress after its batch is committed */
  proctor?: ReturnType<typeof startProctorWork>;
  logger: Logger;
}

/**
 * Takes answer batches from the queue, writes each in one statement, then tells the candidates'
 * rooms which (question, seq) are committed. A worker killed mid-batch leaves the job locked; after
 * WORKER_LOCK_MS another worker takes it again — harmless, because the write only moves forward.
 * While Postgres is unreachable a batch goes back to the queue without using up one of its attempts,
 * and the queue's workers wait one breaker cool-down before taking jobs again: an outage of any
 * length loses nothing and burns no retries.
 */
export function startAnswerWorker(deps: AnswerWorkerDeps): Worker<AnswerBatchJob> {
  const { config, sql, logger } = deps;

  const worker = new Worker<AnswerBatchJob>(
    ANSWER_QUEUE,
    async (job) => {
      const { gatewayId, items } = job.data;
      const started = performance.now();
      const changedFinal = await deps.store
        .run(async () => {
          const changed = await flushAnswers(sql, gatewayId, items);
          await deps.finalizer.rescore(changed);
          return changed;
        })
        .catch((err: unknown) => waitForStore(worker, deps.store, err));
      const seconds = (performance.now() - started) / 1000;
      metrics.flushSeconds.observe(seconds);
      metrics.batchAnswers.observe({ stage: 'flushed' }, items.length);
      metrics.answersCommitted.inc(items.length);
      notifyCommitted(deps.notifier, items);
      deps.proctor?.committed(items, Date.now());
      logger.debug({ job: job.id, answers: items.length, rescored: changedFinal.length, ms: Math.round(performance.now() - started) }, 'batch committed');
    },
    {
      connection: deps.workerConnection,
      prefix: queuePrefix(config, ANSWER_QUEUE),
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      // a dead worker's batch waits for its lock to lapse, then for the next stalled check: checking
      // every quarter lock (a cheap Lua scan of the active list) bounds that at 1.25 × the lock, not 1.5 ×
      stalledInterval: Math.max(500, Math.floor(config.WORKER_LOCK_MS / 4)),
      // a batch whose worker died is retried however often that happens; it never fails for it
      maxStalledCount: 1000,
    },
  );
  worker.on('failed', (job, err) => {
    logger.error({ job: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'answer batch failed; will retry');
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'answer worker error'));
  return worker;
}

/**
 * Postgres is unreachable: put the job back (BullMQ's manual rate limit: moved to wait, attemptsMade
 * unchanged) and hold the queue's workers for one cool-down, after which the breaker probes again.
 * Any other error fails the job as usual (retried with backoff up to WORKER_ATTEMPTS).
 */
export async function waitForStore(worker: Worker, store: DependencyBreaker, err: unknown): Promise<never> {
  if (!store.isUnavailable(err)) throw err;
  await worker.rateLimit(store.cooldownMs);
  throw Worker.RateLimitError();
}

function notifyCommitted(notifier: AttemptNotifier, items: AnswerBatchJob['items']): void {
  const byAttempt = new Map<string, { questionId: string; seq: number }[]>();
  for (const item of latestPerQuestion(items)) {
    let list = byAttempt.get(item.a);
    if (!list) byAttempt.set(item.a, (list = []));
    list.push({ questionId: item.q, seq: item.s });
  }
  for (const [attemptId, committed] of byAttempt) notifier.answersCommitted({ attemptId, items: committed });
}
