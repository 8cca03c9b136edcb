import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.js';

/** A connection to the single Redis or to a Redis Cluster; BullMQ and the Socket.IO adapter take both. */
export type RedisClient = Redis | Cluster;

export type RedisSettings = Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>;

/** The per-call-site options; the same meaning in both modes. */
export type ConnectionOptions = Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableOfflineQueue'>;

export const isClusterMode = (config: Pick<Config, 'REDIS_CLUSTER_NODES'>): boolean => config.REDIS_CLUSTER_NODES.length > 0;

/**
 * Every Redis connection of the server is made here. Single mode: `new Redis(REDIS_URL, options)`,
 * exactly as the call sites did before cluster mode existed. Cluster mode: an ioredis Cluster seeded
 * with REDIS_CLUSTER_NODES, where
 * - `maxRetriesPerRequest` goes into `redisOptions` (per node connection; BullMQ reads it there to
 *   check that a blocking worker connection never gives up),
 * - `enableOfflineQueue` is the Cluster's own option: ioredis always gives node connections an
 *   offline queue, so only the Cluster's decides whether a command fails fast while it is not ready.
 */
export function connectRedis(config: RedisSettings, options: ConnectionOptions): RedisClient {
  if (!isClusterMode(config)) return new Redis(config.REDIS_URL, options);
  const { maxRetriesPerRequest, enableOfflineQueue } = options;
  return new Cluster(config.REDIS_CLUSTER_NODES.map(parseHostPort), {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    redisOptions: { maxRetriesPerRequest },
  });
}

/**
 * The adapter's subscriber: a second connection like `pub`. In a cluster it keeps one subscriber
 * connection per master, so that SSUBSCRIBE reaches the node that owns each channel's slot.
 */
export function connectSubscriber(pub: RedisClient): RedisClient {
  return pub instanceof Cluster ? pub.duplicate([], { shardedSubscribers: true }) : pub.duplicate();
}

/**
 * BullMQ's key prefix for one queue. Its Lua scripts touch many keys of a queue at once, so in a
 * cluster they must share a slot: the prefix is a hash tag. One tag per queue (not one for all) lets
 * different queues land on different nodes. Single mode keeps the plain prefix (existing keys).
 */
export function queuePrefix(config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES'>, queueName: string): string {
  return isClusterMode(config) ? `{${config.REDIS_PREFIX}:${queueName}}` : config.REDIS_PREFIX;
}

function parseHostPort(entry: string): { host: string; port: number } {
  const colon = entry.lastIndexOf(':');
  return { host: entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(entry.slice(colon + 1)) };
}
