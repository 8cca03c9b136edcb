import { Worker } from 'bullmq';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { queuePrefix, type RedisClient } from '../store/redis.js';
import { runQuery } from '../store/queries.js';
import { DEADLINE_QUEUE, type DeadlineJob, type DeadlineScheduler } from '../attempts/deadline-jobs.js';
import type { AttemptFinalizer } from '../attempts/finalize.js';
import type { AttemptNotifier } from '../attempts/notifier.js';
import { startLobbyAttempts } from '../attempts/start-signal.js';
import type { DependencyBreaker } from '../store/breakers.js';
import { waitForStore } from './answer-worker.js';

const SWEEP_EVERY_MS = 15_000;
const SWEEP_MARGIN_MS = 5_000;
const SWEEP_BATCH = 500;

export interface DeadlineWorkerDeps {
  config: Config;
  sql: Sql;
  /** Postgres breaker of this worker process: while it is open, due auto-submits wait in the queue */
  store: DependencyBreaker;
  workerConnection: RedisClient;
  finalizer: AttemptFinalizer;
  scheduler: DeadlineScheduler;
  notifier: AttemptNotifier;
  logger: Logger;
}

/**
 * Auto-submits attempts at deadline + grace from their delayed jobs, connected or not. A job whose
 * deadline moved reschedules for the new one. A sweep of Postgres catches any attempt whose job was
 * lost (Redis restarted without persistence), so no attempt stays open forever.
 */
export function startDeadlineWorker(deps: DeadlineWorkerDeps): { close: () => Promise<void> } {
  const { config, finalizer, scheduler, logger } = deps;

  const autoSubmit = async (attemptId: string) => {
    const outcome = await finalizer.finalize(attemptId, { status: 'auto_submitted', actor: 'auto-submit' });
    if (outcome.kind === 'not_due' && outcome.deadline !== null) {
      await scheduler.schedule([{ attemptId, deadline: outcome.deadline, graceMs: outcome.graceMs }]);
    }
    return outcome;
  };

  const worker = new Worker<DeadlineJob>(
    DEADLINE_QUEUE,
    async (job) => {
      const outcome = await deps.store.run(() => autoSubmit(job.data.attemptId)).catch((err: unknown) => waitForStore(worker, deps.store, err));
      logger.debug({ attempt: job.data.attemptId, outcome: outcome.kind }, 'deadline job');
    },
    { connection: deps.workerConnection, prefix: queuePrefix(config, DEADLINE_QUEUE), concurrency: 8, lockDuration: config.WORKER_LOCK_MS, maxStalledCount: 1000 },
  );
  worker.on('failed', (job, err) => logger.error({ job: job?.id, err: err.message }, 'auto-submit failed; will retry'));
  worker.on('error', (err) => logger.error({ err: err.message }, 'deadline worker error'));

  let sweeping = false;
  const sweep = async () => {
    if (sweeping || deps.store.state !== 'closed') return; // the breaker logged the outage; the next sweep after it catches up
    sweeping = true;
    try {
      const stranded = await runQuery<{ sitting_id: string; grace_s: number }>(deps.sql, 'started-sittings-with-lobby', []);
      for (const s of stranded) {
        const n = await startLobbyAttempts({ sql: deps.sql, scheduler, notifier: deps.notifier }, s.sitting_id, s.grace_s * 1000, 'sweep');
        if (n) logger.warn({ sitting: s.sitting_id, attempts: n }, 'finished a start signal that was cut short');
      }
      const overdue = await runQuery<{ attempt_id: string }>(deps.sql, 'overdue-attempts', [SWEEP_MARGIN_MS, SWEEP_BATCH]);
      for (const { attempt_id } of overdue) await autoSubmit(attempt_id);
      if (overdue.length) logger.warn({ attempts: overdue.length }, 'auto-submitted overdue attempts whose deadline job was missing');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'deadline sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  timer.unref();

  return {
    close: async () => {
      clearInterval(timer);
      await worker.close();
    },
  };
}
