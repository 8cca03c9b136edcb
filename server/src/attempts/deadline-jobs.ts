import { Queue } from 'bullmq';
import type { Config } from '../config/config.js';
import { queuePrefix, type RedisClient } from '../store/redis.js';

export const DEADLINE_QUEUE = 'attempt-deadlines';
/** auto-submit runs this long after deadline + grace, so the last in-time answers are usually committed first */
export const AUTO_SUBMIT_SETTLE_MS = 500;

export interface DeadlineJob {
  attemptId: string;
  /** the deadline this job was scheduled for; a job whose deadline has moved does nothing */
  deadline: number;
}

/**
 * One delayed BullMQ job per (attempt, deadline): it auto-submits the attempt at deadline + grace,
 * connected or not. When the deadline moves (extension, pause) a new job is added and the old one
 * removed; if the removal is missed, the old job finds the deadline moved and does nothing.
 */
export class DeadlineScheduler {
  private readonly queue: Queue<DeadlineJob>;
  constructor(connection: RedisClient, config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES'>) {
    this.queue = new Queue<DeadlineJob>(DEADLINE_QUEUE, {
      connection,
      prefix: queuePrefix(config, DEADLINE_QUEUE),
      defaultJobOptions: { attempts: 20, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 5000 }, removeOnFail: false },
    });
  }

  static jobId(attemptId: string, deadline: number): string {
    return `${attemptId}@${deadline}`;
  }

  async schedule(items: { attemptId: string; deadline: number; graceMs: number; previousDeadline?: number | null }[]): Promise<void> {
    const now = Date.now();
    await this.queue.addBulk(
      items.map(({ attemptId, deadline, graceMs }) => ({
        name: 'auto-submit',
        data: { attemptId, deadline },
        opts: { jobId: DeadlineScheduler.jobId(attemptId, deadline), delay: Math.max(0, deadline + graceMs + AUTO_SUBMIT_SETTLE_MS - now) },
      })),
    );
    // removals go out together (ioredis pipelines them on one connection) rather than one round trip each
    await Promise.all(
      items
        .filter(({ deadline, previousDeadline }) => previousDeadline != null && previousDeadline !== deadline)
        .map(({ attemptId, previousDeadline }) => this.queue.remove(DeadlineScheduler.jobId(attemptId, previousDeadline!)).catch(() => 0)),
    );
  }

  async delayOf(attemptId: string, deadline: number): Promise<number | null> {
    const job = await this.queue.getJob(DeadlineScheduler.jobId(attemptId, deadline));
    return job ? job.timestamp + (job.opts.delay ?? 0) : null;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
