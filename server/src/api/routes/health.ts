import { z } from 'zod';
import type { RouteModule } from '../context.js';

/** Liveness (public) and who the caller is (any valid key). */
export const healthRoutes: RouteModule = (app, { sql }) => {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`SELECT 1`;
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false });
    }
  });
  app.get('/api/v1/whoami', {
    schema: { tags: ['access'], summary: 'The API key this request was made with', response: { 200: z.object({ keyId: z.string(), name: z.string(), role: z.string() }) } },
  }, async (request) => request.caller);
};
