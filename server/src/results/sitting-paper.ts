import { AnswerKey, ExamhallError, PaperQuestion } from '@examhall/shared';
import { z } from 'zod';
import type { Sql } from '../store/db.js';
import { FINAL_STATUSES } from '../attempts/state.js';
import { runQuery } from '../store/queries.js';

/** A sitting's questions in authoring order (the order of export columns and item statistics). */
export interface SittingPaper {
  sittingId: string;
  examId: string;
  examVersion: number;
  questions: PaperQuestion[];
  /** essay rubrics by question id (only the office sees them) */
  rubrics: ReadonlyMap<string, string | undefined>;
  /** the keyed options of choice questions (for distractor analysis) */
  keyedOptions: ReadonlyMap<string, readonly string[]>;
}

const StoredQuestions = z.object({ questions: z.array(PaperQuestion) });

/** Loads the sitting's pinned exam version; SITTING_NOT_FOUND when there is no such sitting. */
/** The sitting's exam version, or SITTING_NOT_FOUND. */
export async function sittingExam(sql: Sql, sittingId: string): Promise<{ exam_id: string; exam_version: number }> {
  const [sitting] = await runQuery<{ exam_id: string; exam_version: number }>(sql, 'sitting-summary', [sittingId]);
  if (!sitting) throw new ExamhallError('SITTING_NOT_FOUND', sittingId);
  return sitting;
}

export async function loadSittingPaper(sql: Sql, sittingId: string): Promise<SittingPaper> {
  const sitting = await sittingExam(sql, sittingId);
  const [exam] = await runQuery<{ content: unknown }>(sql, 'load-exam', [sitting.exam_id, sitting.exam_version]);
  const keys = await runQuery<{ question_id: string; key: unknown }>(sql, 'load-exam-keys', [sitting.exam_id, sitting.exam_version]);
  const rubrics = new Map<string, string | undefined>();
  const keyedOptions = new Map<string, readonly string[]>();
  for (const k of keys) {
    const key = AnswerKey.parse(k.key);
    if (key.type === 'essay') rubrics.set(k.question_id, key.rubric);
    if (key.type === 'single') keyedOptions.set(k.question_id, [key.optionId]);
    if (key.type === 'multiple') keyedOptions.set(k.question_id, key.optionIds);
  }
  return {
    sittingId,
    examId: sitting.exam_id,
    examVersion: sitting.exam_version,
    questions: exam ? StoredQuestions.parse(exam.content).questions : [],
    rubrics,
    keyedOptions,
  };
}

/** Results narrowed to a district and/or a center. */
export interface ResultScope {
  district?: string;
  center?: string;
}

/** Refuses an unknown district or center with NOT_FOUND, rather than answering with nothing. */
export async function checkScope(sql: Sql, scope: ResultScope): Promise<void> {
  if (scope.district) {
    const [row] = await sql`SELECT 1 FROM districts WHERE id = ${scope.district}`;
    if (!row) throw new ExamhallError('NOT_FOUND', `district ${scope.district}`);
  }
  if (scope.center) {
    const [row] = await sql`SELECT 1 FROM centers WHERE id = ${scope.center}`;
    if (!row) throw new ExamhallError('NOT_FOUND', `center ${scope.center}`);
  }
}

/** The SQL condition on centers `ce` for a scope (true when unscoped; both given: both must hold). */
export function scopeCondition(sql: Sql, scope: ResultScope) {
  return sql`(${scope.district ?? null}::text IS NULL OR ce.district_id = ${scope.district ?? null})
         AND (${scope.center ?? null}::text IS NULL OR ce.id = ${scope.center ?? null})`;
}

/** FINAL_STATUSES of attempts/state.ts, as a list for SQL `IN`. */
export const FINAL_ATTEMPT_STATUSES = [...FINAL_STATUSES];
