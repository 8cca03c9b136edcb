/**
 * The results API against real Postgres: the sitting's attempt list (paged, by district and center),
 * an attempt's exact per-question scores with its answers, the essay queue and hand grading
 * (bounds, wrong question type, unfinished attempt, audit rows, total recomputed, pending → scored,
 * re-grading) and a later automatic rescore that keeps the hand grade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptServices } from '../../src/attempts/services.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { choice, createFinishedSitting, numeric, openAttemptServices, text } from '../results/fixture.js';

let env: TestEnv;
let attempts: AttemptServices;
let api: TestApi;
let ids: Map<string, string>;
const essay = 'Formative assessment checks learning while it happens, e.g. exit tickets.';

beforeAll(async () => {
  env = await createTestEnv();
  attempts = openAttemptServices(env);
  api = await startTestApi(env);
  ids = await createFinishedSitting(env, attempts, 'graded', [
    { id: 'g-1', name: 'One', center: 'mumbai-c1', answers: { r1: choice('r1-a'), r2: numeric(24), r3: choice('r3-a', 'r3-c'), r4: text(essay) } },
    { id: 'g-2', name: 'Two', center: 'pune-c1', answers: { r1: choice('r1-b'), r4: text('I do not know') } },
    { id: 'g-3', name: 'Three', center: 'pune-c2', answers: { r1: choice('r1-a') } },
    { id: 'g-4', name: 'Four', center: 'pune-c2', answers: {}, finish: false },
  ]);
});
afterAll(async () => {
  await api?.close();
  await attempts?.close();
  await env?.cleanup();
});

const attempt = (candidate: string) => ids.get(candidate)!;
const grade = (candidate: string, question: string, body: unknown) =>
  api.call('POST', `/api/v1/attempts/${attempt(candidate)}/questions/${question}/grade`, { body });

describe('attempt results', () => {
  it('lists the attempts of a sitting with status and score, paged by candidate id', async () => {
    const first = (await api.call('GET', '/api/v1/sittings/graded/results?limit=3')).json();
    expect(first.results.map((r: { candidateId: string }) => r.candidateId)).toEqual(['g-1', 'g-2', 'g-3']);
    expect(first.results[0]).toMatchObject({ candidateName: 'One', centerId: 'mumbai-c1', districtId: 'mumbai', status: 'submitted', score: 4, maxScore: 9, scoringStatus: 'pending_manual' });
    expect(first.results[2]).toMatchObject({ score: 1, scoringStatus: 'scored' });
    expect(first.next).toBe('g-3');
    const second = (await api.call('GET', `/api/v1/sittings/graded/results?limit=3&after=${first.next}`)).json();
    expect(second.results).toEqual([expect.objectContaining({ candidateId: 'g-4', status: 'in_progress', score: null, submittedAt: null })]);
    expect(second.next).toBeNull();
  });

  it('filters by district and by center, and refuses unknown ones', async () => {
    const pune = (await api.call('GET', '/api/v1/sittings/graded/results?district=pune')).json();
    expect(pune.results.map((r: { candidateId: string }) => r.candidateId)).toEqual(['g-2', 'g-3', 'g-4']);
    const center = (await api.call('GET', '/api/v1/sittings/graded/results?center=pune-c2')).json();
    expect(center.results.map((r: { candidateId: string }) => r.candidateId)).toEqual(['g-3', 'g-4']);
    const unknown = await api.call('GET', '/api/v1/sittings/graded/results?center=nowhere');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'NOT_FOUND', detail: 'center nowhere' });
  });

  it("gives an attempt's exact points per question with the candidate's answers", async () => {
    const res = await api.call('GET', `/api/v1/attempts/${attempt('g-1')}/scores`);
    expect(res.statusCode).toBe(200);
    const { attempt: summary, questions } = res.json();
    expect(summary).toMatchObject({ candidateId: 'g-1', sittingId: 'graded', score: 4, maxScore: 9 });
    expect(questions.map((q: { questionId: string; points: number; maxPoints: number; status: string }) => [q.questionId, q.points, q.maxPoints, q.status])).toEqual([
      ['r1', 1, 1, 'scored'], ['r2', 1, 1, 'scored'], ['r3', 2, 2, 'scored'], ['r4', 0, 5, 'pending_manual'],
    ]);
    expect(questions[3].answer).toEqual({ kind: 'text', text: essay });
    const other = (await api.call('GET', `/api/v1/attempts/${attempt('g-2')}/scores`)).json().questions;
    expect(other.map((q: { points: number; status: string }) => [q.points, q.status])).toEqual([[0, 'scored'], [0, 'unanswered'], [0, 'unanswered'], [0, 'pending_manual']]);
    expect((await api.call('GET', '/api/v1/attempts/5f0c0a52-8f5e-4d43-b3b5-1a1a1a1a1a1a/scores')).json().error.code).toBe('ATTEMPT_NOT_FOUND');
    expect((await api.call('GET', '/api/v1/attempts/not-a-uuid/scores')).json().error.code).toBe('BAD_REQUEST');
  });
});

describe('OpenAPI', () => {
  it('documents the results routes', async () => {
    const paths = Object.keys((await api.call('GET', '/openapi.json', { key: null })).json().paths);
    expect(paths).toEqual(expect.arrayContaining([
      '/api/v1/sittings/{sittingId}/results', '/api/v1/attempts/{attemptId}/scores', '/api/v1/sittings/{sittingId}/item-stats',
      '/api/v1/sittings/{sittingId}/essays', '/api/v1/attempts/{attemptId}/questions/{questionId}/grade', '/api/v1/sittings/{sittingId}/export',
    ]));
  });

  it('refuses a results request without an API key', async () => {
    const res = await api.call('GET', '/api/v1/sittings/graded/export', { key: null });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('API_KEY_INVALID');
  });
});

describe('essay grading', () => {
  it('lists the pending essays with their text and rubric', async () => {
    const res = await api.call('GET', '/api/v1/sittings/graded/essays?question=r4');
    expect(res.statusCode).toBe(200);
    const { essays, next } = res.json();
    expect(essays.map((e: { candidateId: string }) => e.candidateId).sort()).toEqual(['g-1', 'g-2']);
    expect(essays.find((e: { candidateId: string }) => e.candidateId === 'g-1')).toMatchObject({
      questionId: 'r4', text: essay, rubric: '5: names purpose and an example', prompt: 'Describe formative assessment', maxPoints: 5, status: 'pending_manual',
    });
    expect(next).toBeNull();
    const paged = (await api.call('GET', '/api/v1/sittings/graded/essays?limit=1')).json();
    expect(paged.essays).toHaveLength(1);
    const rest = (await api.call('GET', `/api/v1/sittings/graded/essays?limit=1&after=${encodeURIComponent(paged.next)}`)).json();
    expect(rest.essays).toHaveLength(1);
    expect(rest.essays[0].attemptId).not.toBe(paged.essays[0].attemptId);
    const badCursor = await api.call('GET', '/api/v1/sittings/graded/essays?after=r4%7Cnot-a-uuid');
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.detail).toContain('not a cursor');
    const notEssay = await api.call('GET', '/api/v1/sittings/graded/essays?question=r1');
    expect(notEssay.statusCode).toBe(404);
    expect(notEssay.json().error.code).toBe('QUESTION_UNKNOWN');
  });

  it('refuses points out of bounds, a non-essay question, an unanswered essay and an unfinished attempt', async () => {
    for (const points of [5.5, -1]) {
      const res = await grade('g-1', 'r4', { points });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST' });
      expect(res.json().error.detail).toContain('between 0 and 5');
    }
    const single = await grade('g-1', 'r1', { points: 1 });
    expect(single.statusCode).toBe(400);
    expect(single.json().error.detail).toContain('only essay questions');
    expect((await grade('g-1', 'zz', { points: 1 })).json().error.code).toBe('QUESTION_UNKNOWN');
    expect((await grade('g-3', 'r4', { points: 1 })).json().error.detail).toContain('did not answer');
    const unfinished = await grade('g-4', 'r4', { points: 1 });
    expect(unfinished.statusCode).toBe(409);
    expect(unfinished.json().error.code).toBe('ATTEMPT_NOT_FINISHED');
    const [audited] = await env.sql`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'essay.%'`;
    expect(audited!.n).toBe(0);
  });

  it('grades: points stored, audited with old and new points, total recomputed, pending → scored', async () => {
    const res = await grade('g-1', 'r4', { points: 3.5, comment: 'purpose named, example thin' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      attemptId: attempt('g-1'), questionId: 'r4', points: 3.5, maxPoints: 5, previousPoints: 0, previousStatus: 'pending_manual',
      score: 7.5, maxScore: 9, scoringStatus: 'scored',
    });
    const [row] = await env.sql`SELECT score::float8 AS score, scoring_status FROM attempts WHERE id = ${attempt('g-1')}`;
    expect(row).toEqual({ score: 7.5, scoring_status: 'scored' });
    const audit = await env.sql`SELECT actor, action, sitting_id, details FROM audit_log WHERE attempt_id = ${attempt('g-1')} AND action LIKE 'essay.%'`;
    expect(audit).toEqual([{
      actor: 'api:test-office', action: 'essay.graded', sitting_id: 'graded',
      details: { question_id: 'r4', old_points: 0, new_points: 3.5, old_status: 'pending_manual', comment: 'purpose named, example thin', score: 7.5, max_score: 9 },
    }]);
    const pending = (await api.call('GET', '/api/v1/sittings/graded/essays')).json().essays;
    expect(pending.map((e: { candidateId: string }) => e.candidateId)).toEqual(['g-2']);
    const graded = (await api.call('GET', '/api/v1/sittings/graded/essays?state=graded')).json().essays;
    expect(graded).toEqual([expect.objectContaining({ candidateId: 'g-1', points: 3.5, gradedBy: 'api:test-office', gradeComment: 'purpose named, example thin' })]);
  });

  it('re-grades (audited again) and a later automatic rescore keeps the hand grade', async () => {
    const res = await grade('g-1', 'r4', { points: 5 });
    expect(res.json()).toMatchObject({ previousPoints: 3.5, previousStatus: 'scored', points: 5, score: 9, scoringStatus: 'scored' });
    const [last] = await env.sql`SELECT action, details FROM audit_log WHERE attempt_id = ${attempt('g-1')} ORDER BY id DESC LIMIT 1`;
    expect(last).toMatchObject({ action: 'essay.regraded', details: { old_points: 3.5, new_points: 5 } });

    await attempts.finalizer.rescore([attempt('g-1')]);
    const scores = (await api.call('GET', `/api/v1/attempts/${attempt('g-1')}/scores`)).json();
    expect(scores.attempt).toMatchObject({ score: 9, scoringStatus: 'scored' });
    expect(scores.questions[3]).toMatchObject({ points: 5, status: 'scored', gradedBy: 'api:test-office' });

    // the other essay still waits, so that attempt stays pending until graded
    const two = await grade('g-2', 'r4', { points: 0 });
    expect(two.json()).toMatchObject({ score: 0, scoringStatus: 'scored' });
  });
});
