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

export interface AnswerWorkerDeps {
  config: Config;
  sql: Sql;
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
 */
export function startAnswerWorker(deps: AnswerWorkerDeps): Worker<AnswerBatchJob> {
  const { config, sql, logger } = deps;

  const worker = new Worker<AnswerBatchJob>(
    ANSWER_QUEUE,
    async (job) => {
      const { gatewayId, items } = job.data;
      const started = performance.now();
      const changedFinal = await flushAnswers(sql, gatewayId, items);
      await deps.finalizer.rescore(changedFinal);
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
      stalledInterval: Math.max(1000, Math.floor(config.WORKER_LOCK_MS / 2)),
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

function notifyCommitted(notifier: AttemptNotifier, items: AnswerBatchJob['items']): void {
  const byAttempt = new Map<string, { questionId: string; seq: number }[]>();
  for (const item of latestPerQuestion(items)) {
    let list = byAttempt.get(item.a);
    if (!list) byAttempt.set(item.a, (list = []));
    list.push({ questionId: item.q, seq: item.s });
  }
  for (const [attemptId, committed] of byAttempt) notifier.answersCommitted({ attemptId, items: committed });
}
