import { AttemptId, ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { lockAttempt } from '../attempts/finalize.js';
import { FINAL_STATUSES } from '../attempts/state.js';
import { runQuery } from '../store/queries.js';
import { loadSittingPaper } from './sitting-paper.js';

export type EssayState = 'pending' | 'graded' | 'all';

export interface EssayForGrading {
  attemptId: string;
  candidateId: string;
  questionId: string;
  prompt: string;
  rubric: string | null;
  text: string | null;
  points: number;
  maxPoints: number;
  status: string;
  gradedBy: string | null;
  gradedAt: string | null;
  gradeComment: string | null;
}

export interface EssayPage {
  sittingId: string;
  essays: EssayForGrading[];
  /** pass as `after` for the next page; null on the last page */
  next: string | null;
}

/** `question|attempt`: ids never contain `|` */
const cursorOf = (e: { questionId: string; attemptId: string }) => `${e.questionId}|${e.attemptId}`;

function parseCursor(after: string | undefined): [string, string] {
  if (after === undefined) return ['', '00000000-0000-0000-0000-000000000000'];
  const [question, attempt] = after.split('|');
  if (!question || !attempt || !AttemptId.safeParse(attempt).success) {
    throw new ExamhallError('BAD_REQUEST', `"${after.slice(0, 100)}" is not a cursor from a previous page (question|attempt)`);
  }
  return [question, attempt];
}

/**
 * Answered essays of a sitting's finished attempts, by question then attempt, with the rubric:
 * pending ones by default (keyset paging, so grading while paging skips nothing).
 */
export async function listEssays(
  sql: Sql,
  sittingId: string,
  options: { question?: string; state?: EssayState; after?: string; limit: number },
): Promise<EssayPage> {
  const paper = await loadSittingPaper(sql, sittingId);
  const essays = paper.questions.filter((q) => q.type === 'essay');
  if (options.question && !essays.some((q) => q.id === options.question)) {
    throw new ExamhallError('QUESTION_UNKNOWN', `${options.question} is not an essay question of sitting ${sittingId}`);
  }
  const questionIds = options.question ? [options.question] : essays.map((q) => q.id);
  const [afterQuestion, afterAttempt] = parseCursor(options.after);
  const state = options.state ?? 'pending';
  const rows = await sql<Array<{ attempt_id: string; candidate_id: string; question_id: string; text: string | null; points: number; max_points: number; status: string; graded_by: string | null; graded_at: Date | null; grade_comment: string | null }>>`
    SELECT qs.attempt_id, a.candidate_id, qs.question_id, an.value ->> 'text' AS text,
           qs.points::float8 AS points, qs.max_points::float8 AS max_points, qs.status,
           qs.graded_by, qs.graded_at, qs.grade_comment
    FROM question_scores qs
    JOIN attempts a ON a.id = qs.attempt_id
    LEFT JOIN answers an ON an.attempt_id = qs.attempt_id AND an.question_id = qs.question_id
    WHERE a.sitting_id = ${sittingId}
      AND qs.question_id = ANY(${questionIds}::text[])
      AND ${state === 'pending' ? sql`qs.status = 'pending_manual'` : state === 'graded' ? sql`qs.graded_at IS NOT NULL` : sql`qs.status <> 'unanswered'`}
      AND (qs.question_id, qs.attempt_id) > (${afterQuestion}, ${afterAttempt}::uuid)
    ORDER BY qs.question_id, qs.attempt_id
    LIMIT ${options.limit + 1}`;
  const prompts = new Map(essays.map((q) => [q.id, q.prompt]));
  const page = rows.slice(0, options.limit).map((r): EssayForGrading => ({
    attemptId: r.attempt_id,
    candidateId: r.candidate_id,
    questionId: r.question_id,
    prompt: prompts.get(r.question_id) ?? '',
    rubric: paper.rubrics.get(r.question_id) ?? null,
    text: r.text,
    points: r.points,
    maxPoints: r.max_points,
    status: r.status,
    gradedBy: r.graded_by,
    gradedAt: r.graded_at?.toISOString() ?? null,
    gradeComment: r.grade_comment,
  }));
  return { sittingId, essays: page, next: rows.length > options.limit ? cursorOf(page[page.length - 1]!) : null };
}

export interface GradeRequest {
  attemptId: string;
  questionId: string;
  points: number;
  comment?: string;
  actor: string;
}

export interface GradeOutcome {
  attemptId: string;
  questionId: string;
  points: number;
  maxPoints: number;
  previousPoints: number;
  previousStatus: string;
  score: number;
  maxScore: number;
  scoringStatus: 'scored' | 'pending_manual';
}

/**
 * A person's grade for one essay of a finished attempt: bounded by the question's points, audited
 * with the old and new points (re-grading is allowed and audited the same way), and the attempt's
 * total recomputed from its question scores in the same transaction.
 */
export async function gradeEssay(sql: Sql, request: GradeRequest): Promise<GradeOutcome> {
  return (await sql.begin(async (txSql) => {
    const tx = txSql as unknown as Sql;
    const attempt = await lockAttempt(tx, request.attemptId);
    if (!FINAL_STATUSES.has(attempt.status)) {
      throw new ExamhallError('ATTEMPT_NOT_FINISHED', `attempt ${request.attemptId} is ${attempt.status}`);
    }
    const paper = await loadSittingPaper(tx, attempt.sitting_id);
    const question = paper.questions.find((q) => q.id === request.questionId);
    if (!question) throw new ExamhallError('QUESTION_UNKNOWN', `${request.questionId} is not in the paper of sitting ${attempt.sitting_id}`);
    if (question.type !== 'essay') {
      throw new ExamhallError('BAD_REQUEST', `${request.questionId} is a ${question.type} question; only essay questions are graded by hand`);
    }
    const [current] = await tx<Array<{ points: number; max_points: number; status: string }>>`
      SELECT points::float8 AS points, max_points::float8 AS max_points, status
      FROM question_scores WHERE attempt_id = ${request.attemptId} AND question_id = ${request.questionId}
      FOR UPDATE`;
    if (!current) throw new ExamhallError('CONFLICT', `attempt ${request.attemptId} has no score for ${request.questionId} yet`);
    if (current.status === 'unanswered') throw new ExamhallError('BAD_REQUEST', `the candidate did not answer ${request.questionId}; there is nothing to grade`);
    if (!Number.isFinite(request.points) || request.points < 0 || request.points > current.max_points) {
      throw new ExamhallError('BAD_REQUEST', `points must be between 0 and ${current.max_points} for ${request.questionId}, got ${request.points}`);
    }
    await tx`
      UPDATE question_scores
      SET points = ${request.points}, status = 'scored', scored_at = now(),
          graded_by = ${request.actor}, graded_at = now(), grade_comment = ${request.comment ?? null}
      WHERE attempt_id = ${request.attemptId} AND question_id = ${request.questionId}`;
    const [total] = await runQuery<{ score: number; max_score: number; scoring_status: 'scored' | 'pending_manual' }>(tx, 'rescore-attempt', [request.attemptId]);
    await runQuery(tx, 'insert-audit', [
      request.actor, current.status === 'pending_manual' ? 'essay.graded' : 'essay.regraded', request.attemptId,
      JSON.stringify({
        question_id: request.questionId, old_points: current.points, new_points: request.points, old_status: current.status,
        comment: request.comment ?? null, score: total!.score, max_score: total!.max_score,
      }),
      attempt.sitting_id,
    ]);
    return {
      attemptId: request.attemptId,
      questionId: request.questionId,
      points: request.points,
      maxPoints: current.max_points,
      previousPoints: current.points,
      previousStatus: current.status,
      score: total!.score,
      maxScore: total!.max_score,
      scoringStatus: total!.scoring_status,
    };
  })) as GradeOutcome;
}
