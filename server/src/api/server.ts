import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { verifyApiKey } from '../auth/api-keys.js';
import type { ApiApp, ApiDeps } from './context.js';
import { errorBody, handleApiError } from './http-errors.js';
import { acceptRawBodies } from './uploads.js';
import { ROUTE_MODULES } from './routes/index.js';
import { connectRedis } from '../store/redis.js';
import { createAttemptServices } from '../attempts/services.js';

export const OPENAPI_PATH = '/openapi.json';

/** The exam office's HTTP API: every route under /api/v1 needs an API key, unless marked public. */
export async function buildApi(options: Omit<ApiDeps, 'redis' | 'attempts'> & Partial<Pick<ApiDeps, 'redis' | 'attempts'>>): Promise<ApiApp> {
  // a Redis and attempt services of its own (closed with the app) unless the caller shares them
  const redis = options.redis ?? connectRedis(options.config, { maxRetriesPerRequest: 1 });
  if (!options.redis) redis.on('error', (err) => options.logger.warn({ err: err.message }, 'redis connection error'));
  const ownAttempts = options.attempts ? undefined : createAttemptServices(options.config, options.sql, options.logger);
  const deps: ApiDeps = { ...options, redis, attempts: options.attempts ?? ownAttempts! };
  const app = Fastify({ bodyLimit: deps.config.API_BODY_LIMIT_MB * 1024 * 1024, logger: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleApiError(deps.logger));
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`)));
  acceptRawBodies(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'examhall exam office API', version: '1', description: 'Authoring, roster, access, results. Errors are `{ error: { code, message, retryable, detail? } }` with codes from the shared registry.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `examhall api-key create`' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    const header = request.headers.authorization;
    request.caller = await verifyApiKey(deps.sql, header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);
  });
  app.get(OPENAPI_PATH, { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  for (const register of ROUTE_MODULES) register(app, deps);
  if (!options.redis) app.addHook('onClose', async () => void redis.disconnect());
  if (ownAttempts) app.addHook('onClose', () => ownAttempts.close());
  await app.ready();
  return app;
}

export interface ApiHandle {
  port: number;
  close: () => Promise<void>;
}

export async function startApi(deps: Parameters<typeof buildApi>[0]): Promise<ApiHandle> {
  const app = await buildApi(deps);
  await app.listen({ host: deps.config.HOST, port: deps.config.API_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deps.config.API_PORT;
  deps.logger.info({ port, openapi: OPENAPI_PATH }, 'exam office API listening');
  return { port, close: () => app.close() };
}
