import type { Config } from '../config/config.js';

/** The Redis channel prefix shared by the gateways' adapter and the workers' emitter. */
export function adapterKey(config: Pick<Config, 'REDIS_PREFIX'>): string {
  return `${config.REDIS_PREFIX}:socket.io`;
}
