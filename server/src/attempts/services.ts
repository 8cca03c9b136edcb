import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { connectRedis } from '../store/redis.js';
import { ExamContentCache, ExamKeyCache } from '../exam/content.js';
import { DeadlineScheduler } from './deadline-jobs.js';
import { AttemptFinalizer } from './finalize.js';
import { AttemptNotifier } from './notifier.js';
import { AttemptTiming } from './timing.js';

/** The attempt lifecycle's parts, shared by every role of one process. */
export interface AttemptServices {
  contents: ExamContentCache;
  keys: ExamKeyCache;
  notifier: AttemptNotifier;
  scheduler: DeadlineScheduler;
  finalizer: AttemptFinalizer;
  timing: AttemptTiming;
  close: () => Promise<void>;
}

export function createAttemptServices(config: Config, sql: Sql, logger: Logger): AttemptServices {
  // The emitter publishes without awaiting: commands wait for Redis rather than reject unobserved.
  const publisher = connectRedis(config, { maxRetriesPerRequest: null });
  const schedulerConnection = connectRedis(config, { maxRetriesPerRequest: 2 });
  for (const r of [publisher, schedulerConnection]) r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const contents = new ExamContentCache(sql);
  const keys = new ExamKeyCache(sql);
  const notifier = new AttemptNotifier(publisher, config, sql, logger);
  const scheduler = new DeadlineScheduler(schedulerConnection, config);
  const finalizer = new AttemptFinalizer({ sql, contents, keys, notifier });
  const timing = new AttemptTiming({ sql, notifier, scheduler });
  return {
    contents, keys, notifier, scheduler, finalizer, timing,
    close: async () => {
      await notifier.feed.close();
      await scheduler.close();
      publisher.disconnect();
      schedulerConnection.disconnect();
    },
  };
}
