import { ExamhallError, PROTOCOL_VERSION, type JoinReply, type StoredAnswer } from '@examhall/shared';
import type { CandidateClaims } from '../auth/tokens.js';
import { buildPaper, type ExamContent, type ExamContentCache } from '../exam/content.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';

/** What a socket remembers about its attempt after joining; everything else lives in Postgres or Redis. */
export interface JoinedAttempt {
  attemptId: string;
  status: JoinReply['status'];
  deadline: number;
  graceMs: number;
  content: ExamContent;
}

interface AttemptContextRow {
  sitting_id: string;
  exam_id: string;
  exam_version: number;
  opens_at: Date;
  closes_at: Date;
  grace_s: number;
  enrolled: boolean;
  attempt_id: string | null;
  status: JoinReply['status'] | null;
  started_at: Date | null;
  deadline_at: Date | null;
}

/**
 * Joins a candidate to its attempt in the token's sitting, creating the attempt on the first join.
 * Costs one to three small queries; the exam content comes from the gateway's memory.
 */
export async function joinAttempt(
  sql: Sql,
  cache: ExamContentCache,
  claims: CandidateClaims,
  protocolVersion: number,
  actor: string,
): Promise<{ reply: JoinReply; joined: JoinedAttempt }> {
  if (protocolVersion !== PROTOCOL_VERSION) {
    throw new ExamhallError('PROTOCOL_VERSION_UNSUPPORTED', `server speaks ${PROTOCOL_VERSION}`);
  }
  let context = await readContext(sql, claims);
  if (!context.attempt_id) {
    const now = Date.now();
    if (now < context.opens_at.getTime()) throw new ExamhallError('SITTING_NOT_OPEN', `opens at ${context.opens_at.toISOString()}`);
    if (now >= context.closes_at.getTime()) throw new ExamhallError('SITTING_CLOSED');
    await runQuery(sql, 'start-attempt', [claims.sittingId, claims.candidateId, actor]);
    context = await readContext(sql, claims); // also covers a concurrent first join from another device
  }
  const { attempt_id: attemptId, status, started_at: startedAt, deadline_at: deadlineAt } = context;
  if (!attemptId || !status || !startedAt || !deadlineAt) throw new ExamhallError('INTERNAL', 'attempt was not created');

  const [content, answerRows] = await Promise.all([
    cache.get(context.exam_id, context.exam_version),
    runQuery<{ question_id: string; seq: number; value: StoredAnswer['value'] }>(sql, 'attempt-answers', [attemptId]),
  ]);
  const joined: JoinedAttempt = {
    attemptId,
    status,
    deadline: deadlineAt.getTime(),
    graceMs: context.grace_s * 1000,
    content,
  };
  const reply: JoinReply = {
    attemptId,
    status,
    paper: buildPaper(content, attemptId),
    answers: answerRows.map((r) => ({ questionId: r.question_id, seq: r.seq, value: r.value })),
    startedAt: startedAt.getTime(),
    deadline: joined.deadline,
    graceMs: joined.graceMs,
    serverTime: Date.now(),
  };
  return { reply, joined };
}

async function readContext(sql: Sql, claims: CandidateClaims): Promise<AttemptContextRow> {
  const rows = await runQuery<AttemptContextRow>(sql, 'find-attempt-context', [claims.sittingId, claims.candidateId]);
  const row = rows[0];
  if (!row) throw new ExamhallError('SITTING_NOT_FOUND');
  if (!row.enrolled) throw new ExamhallError('CANDIDATE_NOT_ENROLLED');
  return row;
}
