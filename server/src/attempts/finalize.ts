import { AttemptId, ExamhallError, type AnswerValue, type StoredAnswer } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { checkAnswerFitsPaper, type ExamContentCache, type ExamKeyCache } from '../exam/content.js';
import { unpausedDeadline } from '../exam/deadline.js';
import { scoreAttempt } from '../exam/scoring.js';
import { flushAnswers } from '../worker/flush.js';
import type { AttemptNotifier } from './notifier.js';
import { FINAL_STATUSES, deadlineInputsOf, type AttemptTimingRow } from './state.js';

export type FinalStatus = 'submitted' | 'auto_submitted' | 'terminated';

export type FinalizeOutcome =
  | { kind: 'final'; status: FinalStatus; submittedAt: number; changed: boolean }
  /** auto-submit came early: the deadline moved, or the attempt is paused or in the lobby */
  | { kind: 'not_due'; deadline: number | null; graceMs: number };

export interface FinalizeRequest {
  status: FinalStatus;
  actor: string;
  /** the client's final answer map (on submit); written in the same transaction */
  finalAnswers?: StoredAnswer[];
  gatewayId?: string;
  /** more for the audit row's details (e.g. a proctor's reason to terminate) */
  auditDetails?: Record<string, unknown>;
}

type LockedRow = AttemptTimingRow & { attempt_id: string; sitting_id: string; status: NonNullable<AttemptTimingRow['status']> };

/**
 * Ends an attempt in one transaction: final answers, status, per-question and total score, audit.
 * Idempotent: finalising a final attempt changes nothing and returns its status.
 */
export class AttemptFinalizer {
  constructor(
    private readonly deps: { sql: Sql; contents: ExamContentCache; keys: ExamKeyCache; notifier: AttemptNotifier },
  ) {}

  async finalize(attemptId: string, request: FinalizeRequest): Promise<FinalizeOutcome> {
    const outcome = (await this.deps.sql.begin(async (txSql) => {
      const tx = txSql as unknown as Sql;
      const row = await lockAttempt(tx, attemptId);
      if (FINAL_STATUSES.has(row.status)) {
        return { kind: 'final', status: row.status as FinalStatus, submittedAt: row.submitted_at!.getTime(), changed: false };
      }
      const now = Date.now();
      const graceMs = row.grace_s * 1000;
      if (request.status === 'auto_submitted') {
        const inputs = deadlineInputsOf(row);
        if (!inputs || inputs.pausedAt !== null) return { kind: 'not_due', deadline: null, graceMs };
        const deadline = unpausedDeadline(inputs);
        if (now < deadline + graceMs) return { kind: 'not_due', deadline, graceMs };
      }
      if (request.finalAnswers?.length) {
        const content = await this.deps.contents.get(row.exam_id, row.exam_version, tx);
        for (const answer of request.finalAnswers) {
          const misfit = checkAnswerFitsPaper(content, answer.questionId, answer.value);
          if (misfit) throw new ExamhallError(misfit, answer.questionId);
        }
        const items = request.finalAnswers.map((a) => ({ a: attemptId, q: a.questionId, s: a.seq, v: a.value, r: now }));
        await flushAnswers(tx, request.gatewayId ?? request.actor, items);
      }
      const score = await this.score(tx, row);
      // independent writes, pipelined on the transaction's connection: one round trip, not three,
      // while the attempt's row lock is held (a submit stampede queues on these locks)
      const [[final]] = await Promise.all([
        runQuery<{ submitted_at: Date }>(tx, 'finalize-attempt', [
          attemptId, request.status, request.actor, score.score, score.maxScore, score.status, new Date(now),
        ]),
        this.storeQuestionScores(tx, attemptId, score.questions),
        runQuery(tx, 'insert-audit', [
          request.actor, `attempt.${request.status}`, attemptId,
          JSON.stringify({ ...request.auditDetails, score: score.score, max_score: score.maxScore }), row.sitting_id,
        ]),
      ]);
      return { kind: 'final', status: request.status, submittedAt: final!.submitted_at.getTime(), changed: true };
    })) as FinalizeOutcome;

    if (outcome.kind === 'final' && outcome.changed) {
      this.deps.notifier.attemptChanged({
        attemptId, status: outcome.status, deadline: null, graceMs: 0, paused: false, locked: false, reason: outcome.status, serverTime: Date.now(),
      });
    }
    return outcome;
  }

  /** Recomputes the score of final attempts whose in-time answers were committed after finalisation. */
  async rescore(finalAttemptIds: string[]): Promise<void> {
    for (const attemptId of finalAttemptIds) {
      await this.deps.sql.begin(async (txSql) => {
        const tx = txSql as unknown as Sql;
        const row = await lockAttempt(tx, attemptId);
        const score = await this.score(tx, row);
        // question scores first: the total is their sum, so an essay graded by hand keeps counting
        await this.storeQuestionScores(tx, attemptId, score.questions);
        await runQuery(tx, 'rescore-attempt', [attemptId]);
      });
    }
  }

  private async score(tx: Sql, row: LockedRow) {
    const [content, keys, answerRows] = await Promise.all([
      // through the transaction: a pooled read here can deadlock the pool (ExamContentCache.get)
      this.deps.contents.get(row.exam_id, row.exam_version, tx),
      this.deps.keys.get(row.exam_id, row.exam_version, tx),
      runQuery<{ question_id: string; value: AnswerValue }>(tx, 'attempt-answers', [row.attempt_id]),
    ]);
    return scoreAttempt(content.questions, keys, new Map(answerRows.map((r) => [r.question_id, r.value])));
  }

  private async storeQuestionScores(tx: Sql, attemptId: string, questions: ReturnType<typeof scoreAttempt>['questions']) {
    await runQuery(tx, 'upsert-question-scores', [
      attemptId,
      questions.map((q) => q.questionId),
      questions.map((q) => q.points),
      questions.map((q) => q.maxPoints),
      questions.map((q) => q.status),
    ]);
  }
}

export async function lockAttempt(tx: Sql, attemptId: string): Promise<LockedRow> {
  if (!AttemptId.safeParse(attemptId).success) throw new ExamhallError('BAD_REQUEST', `"${attemptId.slice(0, 64)}" is not an attempt id`);
  const [row] = await runQuery<LockedRow>(tx, 'lock-attempt', [attemptId]);
  if (!row) throw new ExamhallError('ATTEMPT_NOT_FOUND', attemptId);
  return row;
}
