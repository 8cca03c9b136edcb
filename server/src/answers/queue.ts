import { Queue } from 'bullmq';
import type { AnswerValue } from '@examhall/shared';
import type { Config } from '../config/config.js';
import { queuePrefix, type RedisClient } from '../store/redis.js';

export const ANSWER_QUEUE = 'answers';

/** One accepted answer as it travels through Redis (short keys: tens of thousands per second). */
export interface AnswerItem {
  /** attempt id */ a: string;
  /** question id */ q: string;
  /** seq */ s: number;
  /** value */ v: AnswerValue;
  /** received at (epoch ms, gateway clock): the time that counts for deadlines */ r: number;
}

/** One BullMQ job = one gateway batch. */
export interface AnswerBatchJob {
  gatewayId: string;
  items: AnswerItem[];
}

export function createAnswerQueue(connection: RedisClient, config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES' | 'WORKER_ATTEMPTS'>): Queue<AnswerBatchJob> {
  return new Queue<AnswerBatchJob>(ANSWER_QUEUE, {
    connection,
    prefix: queuePrefix(config, ANSWER_QUEUE),
    defaultJobOptions: {
      attempts: config.WORKER_ATTEMPTS,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { count: 1000 },
      removeOnFail: false, // failed batches stay visible until an operator looks at them
    },
  });
}
