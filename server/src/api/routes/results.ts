import { z } from 'zod';
import { actorOf, type RouteModule } from '../context.js';
import { attemptScores, listSittingResults } from '../../results/attempt-results.js';
import { itemStatistics } from '../../results/item-stats.js';
import { gradeEssay, listEssays } from '../../results/essays.js';
import { prepareExport } from '../../results/export.js';
import { ERROR_RESPONSES, SittingParams } from './common.js';

const Id = z.string().min(1).max(200);
const Scope = { district: Id.optional(), center: Id.optional() };
const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const num = z.number().nullable();

const AttemptSummary = z.object({
  attemptId: z.string(), candidateId: z.string(), candidateName: z.string(), centerId: z.string(), districtId: z.string(),
  status: z.string(), score: num, maxScore: num, scoringStatus: z.string().nullable(), submittedAt: z.string().nullable(),
});
const ItemStatistics = z.object({
  questionId: z.string(), type: z.string(), maxPoints: z.number(), attempts: z.number().int(), answered: z.number().int(),
  omitRate: num, pending: z.number().int(), difficulty: num, pointBiserial: num, upperLowerIndex: num,
  options: z.array(z.object({ optionId: z.string(), count: z.number().int(), keyed: z.boolean() })).optional(),
});
const Essay = z.object({
  attemptId: z.string(), candidateId: z.string(), questionId: z.string(), prompt: z.string(), rubric: z.string().nullable(),
  text: z.string().nullable(), points: z.number(), maxPoints: z.number(), status: z.string(),
  gradedBy: z.string().nullable(), gradedAt: z.string().nullable(), gradeComment: z.string().nullable(),
});
const AttemptParams = z.object({ attemptId: z.string().min(1).max(64) });

/** Results: scores per attempt and question, item statistics, essay grading and the streamed export. */
export const resultRoutes: RouteModule = (app, { sql }) => {
  app.get('/api/v1/sittings/:sittingId/results', {
    schema: {
      tags: ['results'],
      summary: "A page of the sitting's attempts (by candidate id) with status and score; `next` is the `after` of the next page",
      params: SittingParams,
      querystring: z.object({ ...Scope, after: Id.optional(), limit: Limit }),
      response: { 200: z.object({ sittingId: z.string(), results: z.array(AttemptSummary), next: z.string().nullable() }), ...ERROR_RESPONSES },
    },
  }, async (request) => listSittingResults(sql, request.params.sittingId, request.query));

  app.get('/api/v1/attempts/:attemptId/scores', {
    schema: {
      tags: ['results'],
      summary: "An attempt's points per question (paper order) with the candidate's answer and any hand grade",
      params: AttemptParams,
      response: {
        200: z.object({
          attempt: AttemptSummary.extend({ sittingId: z.string() }),
          questions: z.array(z.object({
            questionId: z.string(), type: z.string(), points: num, maxPoints: z.number(), status: z.string().nullable(),
            answer: z.unknown(), gradedBy: z.string().nullable(), gradeComment: z.string().nullable(),
          })),
        }),
        ...ERROR_RESPONSES,
      },
    },
  }, async (request) => attemptScores(sql, request.params.attemptId));

  app.get('/api/v1/sittings/:sittingId/item-stats', {
    schema: {
      tags: ['results'],
      summary: 'Item statistics of finished attempts: difficulty (p-value), point-biserial with the rest-score, upper–lower 27% index, omit rate, option counts',
      params: SittingParams,
      querystring: z.object(Scope),
      response: { 200: z.object({ sittingId: z.string(), attempts: z.number().int(), items: z.array(ItemStatistics) }), ...ERROR_RESPONSES },
    },
  }, async (request) => itemStatistics(sql, request.params.sittingId, request.query));

  app.get('/api/v1/sittings/:sittingId/essays', {
    schema: {
      tags: ['results'],
      summary: 'Answered essays of finished attempts with the rubric, pending ones by default; `next` is the `after` of the next page',
      params: SittingParams,
      querystring: z.object({ question: Id.optional(), state: z.enum(['pending', 'graded', 'all']).default('pending'), after: z.string().max(300).optional(), limit: Limit }),
      response: { 200: z.object({ sittingId: z.string(), essays: z.array(Essay), next: z.string().nullable() }), ...ERROR_RESPONSES },
    },
  }, async (request) => listEssays(sql, request.params.sittingId, request.query));

  app.post('/api/v1/attempts/:attemptId/questions/:questionId/grade', {
    schema: {
      tags: ['results'],
      summary: "Grade (or re-grade) an essay of a finished attempt: 0..max points, audited with old and new points; the attempt's score is recomputed",
      params: AttemptParams.extend({ questionId: Id }),
      body: z.object({ points: z.number().finite(), comment: z.string().max(2000).optional() }),
      response: {
        200: z.object({
          attemptId: z.string(), questionId: z.string(), points: z.number(), maxPoints: z.number(), previousPoints: z.number(),
          previousStatus: z.string(), score: z.number(), maxScore: z.number(), scoringStatus: z.enum(['scored', 'pending_manual']),
        }),
        ...ERROR_RESPONSES,
      },
    },
  }, async (request) => gradeEssay(sql, { ...request.params, ...request.body, actor: actorOf(request.caller) }));

  app.get('/api/v1/sittings/:sittingId/export', {
    schema: {
      tags: ['results'],
      summary: 'Stream the results: CSV or JSON Lines (application/x-ndjson), one row per attempt (wide: a points column per question) or per attempt × question (long)',
      params: SittingParams,
      querystring: z.object({ ...Scope, format: z.enum(['csv', 'json']).default('csv'), shape: z.enum(['wide', 'long']).default('wide') }),
      // a stream is sent as is (never serialised); the schema only documents it
      response: { 200: z.any().describe('text/csv or application/x-ndjson, streamed'), ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const prepared = await prepareExport(sql, { sittingId: request.params.sittingId, ...request.query });
    return reply
      .header('content-type', prepared.contentType)
      .header('content-disposition', `attachment; filename="${prepared.fileName}"`)
      .send(prepared.stream());
  });
};
