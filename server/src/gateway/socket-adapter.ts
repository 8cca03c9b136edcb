import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import type { Config } from '../config/config.js';
import { isClusterMode, type RedisClient } from '../store/redis.js';
import { adapterKey } from './adapter-key.js';
import { ShardedEmitter, type NamespaceBroadcaster } from './sharded-emitter.js';

type AdapterConfig = Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES'>;

/**
 * The gateways' Socket.IO adapter. Single Redis: the classic adapter (every gateway gets every
 * broadcast). Cluster: the sharded adapter (Redis >= 7 SPUBLISH/SSUBSCRIBE, a channel per room, so
 * a broadcast reaches only gateways with a socket in the room, and channels spread over the shards).
 */
export function socketAdapter(config: AdapterConfig, pub: RedisClient, sub: RedisClient) {
  return isClusterMode(config) ? createShardedAdapter(pub, sub, { channelPrefix: adapterKey(config) }) : createAdapter(pub, sub, { key: adapterKey(config) });
}

/** The publisher matching socketAdapter(), for broadcasts from any process (workers have no sockets). */
export function broadcastEmitter(config: AdapterConfig, publisher: RedisClient, onError: (err: Error) => void): { of(nsp: string): NamespaceBroadcaster } {
  if (isClusterMode(config)) return new ShardedEmitter(publisher, adapterKey(config), onError);
  const emitter = new Emitter(publisher, { key: adapterKey(config) });
  return { of: (nsp) => emitter.of(nsp) };
}
