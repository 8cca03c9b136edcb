import { AttemptId, ExamhallError, type AnswerValue } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { checkScope, loadSittingPaper, scopeCondition, sittingExam, type ResultScope } from './sitting-paper.js';

export interface AttemptSummary {
  attemptId: string;
  candidateId: string;
  candidateName: string;
  centerId: string;
  districtId: string;
  status: string;
  score: number | null;
  maxScore: number | null;
  scoringStatus: string | null;
  submittedAt: string | null;
}

const summaryColumns = (sql: Sql) => sql`
  a.id AS attempt_id, c.id AS candidate_id, c.name AS candidate_name, ce.id AS center_id, ce.district_id,
  a.status, a.score::float8 AS score, a.max_score::float8 AS max_score, a.scoring_status, a.submitted_at`;

const toSummary = (r: Record<string, unknown>): AttemptSummary => ({
  attemptId: r.attempt_id as string,
  candidateId: r.candidate_id as string,
  candidateName: r.candidate_name as string,
  centerId: r.center_id as string,
  districtId: r.district_id as string,
  status: r.status as string,
  score: r.score as number | null,
  maxScore: r.max_score as number | null,
  scoringStatus: r.scoring_status as string | null,
  submittedAt: (r.submitted_at as Date | null)?.toISOString() ?? null,
});

export interface ResultsPage {
  sittingId: string;
  results: AttemptSummary[];
  /** pass as `after` for the next page; null on the last page */
  next: string | null;
}

/** One page of a sitting's attempts by candidate id (keyset paging: stable while attempts finish). */
export async function listSittingResults(
  sql: Sql,
  sittingId: string,
  options: ResultScope & { after?: string; limit: number },
): Promise<ResultsPage> {
  await sittingExam(sql, sittingId); // only that it exists: the paper is not needed for a page
  await checkScope(sql, options);
  const rows = await sql<Array<Record<string, unknown>>>`
    SELECT ${summaryColumns(sql)}
    FROM attempts a
    JOIN candidates c ON c.id = a.candidate_id
    JOIN centers ce ON ce.id = c.center_id
    WHERE a.sitting_id = ${sittingId} AND a.candidate_id > ${options.after ?? ''}
      AND ${scopeCondition(sql, options)}
    ORDER BY a.candidate_id
    LIMIT ${options.limit + 1}`;
  const page = rows.slice(0, options.limit).map(toSummary);
  return { sittingId, results: page, next: rows.length > options.limit ? page[page.length - 1]!.candidateId : null };
}

export interface QuestionResult {
  questionId: string;
  type: string;
  points: number | null;
  maxPoints: number;
  /** scored, pending_manual, unanswered; null while the attempt is not scored yet */
  status: string | null;
  answer: AnswerValue | null;
  gradedBy: string | null;
  gradeComment: string | null;
}

export interface AttemptScores {
  attempt: AttemptSummary & { sittingId: string };
  questions: QuestionResult[];
}

/** An attempt's score per question of its paper (authoring order), with the candidate's answer. */
export async function attemptScores(sql: Sql, attemptId: string): Promise<AttemptScores> {
  if (!AttemptId.safeParse(attemptId).success) throw new ExamhallError('BAD_REQUEST', `"${attemptId.slice(0, 64)}" is not an attempt id`);
  const [a] = await sql<Array<Record<string, unknown>>>`
    SELECT a.sitting_id, ${summaryColumns(sql)}
    FROM attempts a
    JOIN candidates c ON c.id = a.candidate_id
    JOIN centers ce ON ce.id = c.center_id
    WHERE a.id = ${attemptId}`;
  if (!a) throw new ExamhallError('ATTEMPT_NOT_FOUND', attemptId);
  const paper = await loadSittingPaper(sql, a.sitting_id as string);
  const rows = await sql<Array<{ question_id: string; points: number | null; max_points: number | null; status: string | null; value: AnswerValue | null; graded_by: string | null; grade_comment: string | null }>>`
    SELECT q.question_id, qs.points::float8 AS points, qs.max_points::float8 AS max_points, qs.status,
           an.value, qs.graded_by, qs.grade_comment
    FROM unnest(${paper.questions.map((q) => q.id)}::text[]) AS q (question_id)
    LEFT JOIN question_scores qs ON qs.attempt_id = ${attemptId} AND qs.question_id = q.question_id
    LEFT JOIN answers an ON an.attempt_id = ${attemptId} AND an.question_id = q.question_id`;
  const byId = new Map(rows.map((r) => [r.question_id, r]));
  return {
    attempt: { ...toSummary(a), sittingId: a.sitting_id as string },
    questions: paper.questions.map((q) => {
      const r = byId.get(q.id);
      return {
        questionId: q.id, type: q.type,
        points: r?.points ?? null, maxPoints: r?.max_points ?? q.points, status: r?.status ?? null,
        answer: r?.value ?? null, gradedBy: r?.graded_by ?? null, gradeComment: r?.grade_comment ?? null,
      };
    }),
  };
}
