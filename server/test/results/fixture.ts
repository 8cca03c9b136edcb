import type { AnswerValue, ExamDefinition } from '@examhall/shared';
import { createAttemptServices, type AttemptServices } from '../../src/attempts/services.js';
import { importExamDefinition } from '../../src/exam/import.js';
import { createLogger } from '../../src/observability/logger.js';
import { runQuery } from '../../src/store/queries.js';
import type { TestEnv } from '../helpers/env.js';

/** A small exam with every kind of scoring the results need: choice, numeric, partial credit, essay. */
export const RESULTS_EXAM: ExamDefinition = {
  id: 'results-exam',
  version: 1,
  title: 'Results exam',
  sections: [],
  questions: [
    { id: 'r1', type: 'single', prompt: 'Pick a', points: 1, options: ['a', 'b', 'c', 'd'].map((o) => ({ id: `r1-${o}`, text: o })), key: { type: 'single', optionId: 'r1-a' } },
    { id: 'r2', type: 'numeric', prompt: '4 × 6', points: 1, key: { type: 'numeric', value: 24, tolerance: 0 } },
    { id: 'r3', type: 'multiple', prompt: 'Pick a and c', points: 2, options: ['a', 'b', 'c', 'd'].map((o) => ({ id: `r3-${o}`, text: o })), key: { type: 'multiple', optionIds: ['r3-a', 'r3-c'], partialCredit: true } },
    { id: 'r4', type: 'essay', prompt: 'Describe formative assessment', points: 5, key: { type: 'essay', rubric: '5: names purpose and an example' } },
  ],
};

export const choice = (...optionIds: string[]): AnswerValue => ({ kind: 'choice', optionIds });
export const numeric = (value: number): AnswerValue => ({ kind: 'numeric', value });
export const text = (t: string): AnswerValue => ({ kind: 'text', text: t });

export interface FixtureCandidate {
  id: string;
  name: string;
  /** one of the seeded demo centers (mumbai-c1, pune-c2, …) */
  center: string;
  answers: Record<string, AnswerValue>;
  /** false: started but not finished (in progress) */
  finish?: boolean;
}

/** Real attempt services on the test's schema and Redis prefix: attempts are finished and scored as in production. */
export function openAttemptServices(env: TestEnv): AttemptServices {
  return createAttemptServices(env.config, env.sql, createLogger(env.config, 'test'));
}

/**
 * A sitting of RESULTS_EXAM with these candidates: each attempt is started, then submitted with its
 * answers through the real finaliser (so scores come from exam/scoring.ts). Returns attempt ids by candidate.
 */
export async function createFinishedSitting(env: TestEnv, attempts: AttemptServices, sittingId: string, candidates: FixtureCandidate[]): Promise<Map<string, string>> {
  await importExamDefinition(env.sql, RESULTS_EXAM);
  const opensAt = new Date(Date.now() - 60_000);
  await runQuery(env.sql, 'upsert-sitting', [sittingId, RESULTS_EXAM.id, RESULTS_EXAM.version, sittingId, opensAt, new Date(opensAt.getTime() + 86_400_000), 3600, 0, 'on_join']);
  await runQuery(env.sql, 'upsert-candidates', [candidates.map((c) => c.id), candidates.map((c) => c.center), candidates.map((c) => c.name), candidates.map(() => 0)]);
  await runQuery(env.sql, 'enroll-candidates', [sittingId, candidates.map((c) => c.id)]);
  const ids = new Map<string, string>();
  for (const c of candidates) {
    const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'start-attempt', [sittingId, c.id, 'test', 'in_progress', new Date()]);
    ids.set(c.id, row!.attempt_id);
    if (c.finish === false) continue;
    const finalAnswers = Object.entries(c.answers).map(([questionId, value]) => ({ questionId, seq: 1, value }));
    const outcome = await attempts.finalizer.finalize(row!.attempt_id, { status: 'submitted', actor: 'test', finalAnswers, gatewayId: 'test' });
    if (outcome.kind !== 'final') throw new Error(`attempt of ${c.id} did not finish`);
  }
  return ids;
}
