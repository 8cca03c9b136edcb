import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'GATEWAY_ID'>, role: string): Logger {
  return pino({ level: config.LOG_LEVEL, base: { role, node: config.GATEWAY_ID } });
}
