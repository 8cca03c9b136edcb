import { Queue } from 'bullmq';
import type { Config } from '../config/config.js';
import { queuePrefix, type RedisClient } from '../store/redis.js';

export const DEADLINE_QUEUE = 'attempt-deadlines';
/** auto-submit runs this long after deadline + grace, so the last in-time answers are usually committed first */
export const AUTO_SUBMIT_SETTLE_MS = 500;

/** Jobs of joins are gathered this long, or up to this many, into one addBulk: one Redis write instead of one per join. */
const COALESCE_MS = 20;
const COALESCE_MAX = 500;

type ScheduleItem = { attemptId: string; deadline: number; graceMs: number; previousDeadline?: number | null };

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

  private pending: { item: ScheduleItem; settle: (err?: Error) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  static jobId(attemptId: string, deadline: number): string {
    return `${attemptId}@${deadline}`;
  }

  /**
   * Schedules one new attempt's job within COALESCE_MS, together with the others' (a join stampede
   * is thousands per second). Resolves or rejects with its batch.
   */
  scheduleSoon(item: ScheduleItem): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, settle: (err) => (err ? reject(err) : resolve()) });
      if (this.pending.length >= COALESCE_MAX) void this.flushPending();
      else this.timer ??= setTimeout(() => void this.flushPending(), COALESCE_MS);
    });
  }

  private async flushPending(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.schedule(batch.map((p) => p.item));
      for (const p of batch) p.settle();
    } catch (err) {
      for (const p of batch) p.settle(err as Error);
    }
  }

  async schedule(items: ScheduleItem[]): Promise<void> {
    // jobs still gathered by scheduleSoon go first, so a move of their deadline right after cannot overtake them
    if (this.pending.length > 0) await this.flushPending();
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
    await this.flushPending();
    const job = await this.queue.getJob(DeadlineScheduler.jobId(attemptId, deadline));
    return job ? job.timestamp + (job.opts.delay ?? 0) : null;
  }

  async close(): Promise<void> {
    await this.flushPending();
    return this.queue.close();
  }
}
