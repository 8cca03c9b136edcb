import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import type { ApiCaller } from '../auth/api-keys.js';
import type { RedisClient } from '../store/redis.js';
import type { AttemptServices } from '../attempts/services.js';

/** What every route module gets: the API process's config, pool and logger. */
export interface ApiDeps {
  config: Config;
  sql: Sql;
  logger: Logger;
  /** sign-in rate limits and the token revocation mirror; buildApi connects one when none is given */
  redis: RedisClient;
  /** to tell gateways and move auto-submits when a sitting's timing changes; buildApi creates them when none are given */
  attempts: Pick<AttemptServices, 'notifier' | 'scheduler'>;
}

/** The Fastify instance routes register on: request and response types come from their zod schemas. */
export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** A route module: registers its routes (each with zod schemas, a tag and a summary for the OpenAPI document). */
export type RouteModule = (app: ApiApp, deps: ApiDeps) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** the API key's owner; set by the auth hook on every non-public route */
    caller: ApiCaller;
  }
  interface FastifyContextConfig {
    /** true: no API key needed (health, the OpenAPI document, sign-in endpoints) */
    public?: boolean;
  }
}

/** The audit actor for changes made through the API. */
export const actorOf = (caller: ApiCaller) => `api:${caller.name}`;
