import { z } from 'zod';
import { enrolCandidates } from '../../sittings/enrolments.js';
import { EnrolmentRequest, SittingCreate, SittingPatch, SittingView, SlotName } from '../../sittings/sitting-schemas.js';
import { createSitting, getSitting, sittingViews, updateSitting } from '../../sittings/sittings-service.js';
import { movesDeadlines, retimeRunningAttempts } from '../../sittings/retime.js';
import { actorOf, type RouteModule } from '../context.js';
import { ERROR_RESPONSES, SittingParams } from './common.js';

/**
 * Scheduling: sittings (exam version, window, duration, grace, start mode, slot) and who sits them.
 * While a sitting is live its exam and timing are frozen: a PATCH that changes them needs
 * `override: { reason }` (audited as sitting.changed_during_window) or gets CHANGE_FROZEN (409).
 */
export const sittingRoutes: RouteModule = (app, deps) => {
  const { sql } = deps;
  app.post('/api/v1/sittings', {
    schema: {
      tags: ['sittings'],
      summary: 'Schedule a sitting of a stored exam version (NOT_FOUND if the version is not imported; CONFLICT if the id is taken)',
      body: SittingCreate,
      response: { 201: SittingView, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => reply.code(201).send(await createSitting(sql, request.body, { actor: actorOf(request.caller) })));

  app.get('/api/v1/sittings', {
    schema: {
      tags: ['sittings'],
      summary: 'Every sitting by opening time, with counts: enrolled, in the lobby, in progress, finished',
      querystring: z.object({ slot: SlotName.optional(), examId: z.string().min(1).optional() }),
      response: { 200: z.object({ sittings: z.array(SittingView) }), ...ERROR_RESPONSES },
    },
  }, async (request) => ({ sittings: await sittingViews(sql, request.query) }));

  app.get('/api/v1/sittings/:sittingId', {
    schema: { tags: ['sittings'], summary: 'One sitting with its counts', params: SittingParams, response: { 200: SittingView, ...ERROR_RESPONSES } },
  }, async (request) => getSitting(sql, request.params.sittingId));

  app.patch('/api/v1/sittings/:sittingId', {
    schema: {
      tags: ['sittings'],
      summary: 'Change title, window, duration, grace, exam version, start mode or slot. While the sitting is live, exam and timing changes need override: { reason } (audited) or get CHANGE_FROZEN',
      params: SittingParams,
      body: SittingPatch,
      response: { 200: SittingView, ...ERROR_RESPONSES },
    },
  }, async (request) => {
    const actor = actorOf(request.caller);
    const view = await updateSitting(sql, request.params.sittingId, request.body, { actor });
    if (!movesDeadlines(request.body)) return view;
    const reason = request.body.override?.reason ?? 'sitting timing changed';
    return { ...view, retimedAttempts: await retimeRunningAttempts(deps, request.params.sittingId, { actor, reason }) };
  });

  app.post('/api/v1/sittings/:sittingId/enrolments', {
    schema: {
      tags: ['sittings'],
      summary: 'Enrol candidates by id list, or by roster attributes (batch, slot, center, district; all given must match). Enrolling again is harmless',
      params: SittingParams,
      body: EnrolmentRequest,
      response: { 200: z.object({ matched: z.number().int(), enrolled: z.number().int() }), ...ERROR_RESPONSES },
    },
  }, async (request) => enrolCandidates(sql, request.params.sittingId, request.body, actorOf(request.caller)));
};
