import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import type { ApiApp } from '../../src/api/context.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TestEnv } from './env.js';

export interface TestApi {
  app: ApiApp;
  /** a valid admin API key, created in the test's schema */
  key: string;
  /** an API request with the key (or `key: null` for none); JSON bodies are sent as JSON */
  call: (method: InjectOptions['method'], url: string, options?: { body?: unknown; contentType?: string; key?: string | null }) => Promise<LightMyRequestResponse>;
  close: () => Promise<void>;
}

/** The real API (Fastify, zod schemas, auth hook) on the test's real Postgres schema, called in-process. */
export async function startTestApi(env: TestEnv): Promise<TestApi> {
  const app = await buildApi({ config: env.config, sql: env.sql, logger: createLogger(env.config, 'api') });
  const { key } = await createApiKey(env.sql, 'test-office');
  const call: TestApi['call'] = (method, url, options = {}) => {
    const headers: Record<string, string> = {};
    const usedKey = options.key === undefined ? key : options.key;
    if (usedKey !== null) headers.authorization = `Bearer ${usedKey}`;
    const raw = typeof options.body === 'string' || Buffer.isBuffer(options.body);
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? (raw ? 'application/octet-stream' : 'application/json');
    return app.inject({ method, url, headers, payload: raw ? (options.body as string | Buffer) : options.body === undefined ? undefined : JSON.stringify(options.body) });
  };
  return { app, key, call, close: () => app.close() };
}
