import { z } from 'zod';
import { issueAccessCodes } from '../../auth/access-codes.js';
import type { RouteModule } from '../context.js';
import { ERROR_RESPONSES, SittingParams } from './common.js';

/** Access codes: issued (replacing older ones) and returned once; only their scrypt hashes are stored. */
export const accessRoutes: RouteModule = (app, { sql }) => {
  app.post('/api/v1/sittings/:sittingId/access-codes', {
    schema: {
      tags: ['access'],
      summary: 'Issue new access codes to these candidates (every enrolled candidate when the list is empty); the codes are in this response only',
      params: SittingParams,
      body: z.object({ candidates: z.array(z.string().min(1)).max(100_000).default([]) }),
      response: { 200: z.object({ codes: z.array(z.object({ candidateId: z.string(), accessCode: z.string() })) }), ...ERROR_RESPONSES },
    },
  }, async (request) => ({ codes: await issueAccessCodes(sql, request.params.sittingId, request.body.candidates) }));
};
