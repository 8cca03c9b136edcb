import { ExamhallError, PROTOCOL_VERSION, type JoinReply, type StoredAnswer } from '@examhall/shared';
import type { CandidateClaims } from '../auth/tokens.js';
import { buildPaper, type ExamContent, type ExamContentCache } from '../exam/content.js';
import { deadlineAt, unpausedDeadline, type DeadlineInputs } from '../exam/deadline.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { deadlineInputsOf, type AttemptTimingRow } from '../attempts/state.js';
import type { DeadlineScheduler } from '../attempts/deadline-jobs.js';
import type { Logger } from '../observability/logger.js';
import type { AttemptScope } from '../proctor/rooms.js';

/** What a socket remembers about its attempt after joining; everything else lives in Postgres or Redis. */
export interface JoinedAttempt {
  attemptId: string;
  sittingId: string;
  status: JoinReply['status'];
  /** a proctor holds the attempt (answers and submit refused, clock running) */
  locked: boolean;
  /** where the candidate sits, for proctor deltas and message rooms */
  scope: AttemptScope;
  /** the sitting's window opening: the planned start shown in the lobby */
  scheduledStart: number;
  /** questions with a (non-empty) answer accepted so far: proctors see the count move with each save */
  answered: Set<string>;
  graceMs: number;
  content: ExamContent;
  /** the deadline's parts; null in the lobby and once final */
  inputs: DeadlineInputs | null;
  /** the sitting's and candidate's timing, to start a lobby attempt's clock without a query */
  timing: Pick<DeadlineInputs, 'durationS' | 'windowClosesAt' | 'extraTimeS' | 'extraTimeMultiplier'>;
}

interface AttemptContextRow extends AttemptTimingRow {
  sitting_id: string;
  start_mode: 'on_join' | 'signal';
  sitting_started_at: Date | null;
  opens_at: Date;
  enrolled: boolean;
  center_id: string;
  district_id: string;
  presence_online: boolean | null;
  presence_ip: string | null;
  presence_user_agent: string | null;
  /** the attempt's stored answers (attempt-answers.sql's rows), [] without an attempt */
  answers: { question_id: string; seq: number; value: StoredAnswer['value'] }[];
}

/** start-attempt.sql's row: the new attempt's own columns. */
type CreatedAttemptRow = Pick<AttemptContextRow, 'attempt_id' | 'status' | 'started_at' | 'deadline_at' | 'extension_s' | 'paused_at' | 'paused_ms' | 'submitted_at' | 'locked_at'>;

/** The attempt's last known connection before this join (for second-device and IP-change alerts). */
export interface PriorPresence {
  online: boolean;
  ip: string | null;
  userAgent: string | null;
}

export interface JoinDeps {
  sql: Sql;
  contents: ExamContentCache;
  scheduler: DeadlineScheduler;
  gatewayId: string;
  logger: Logger;
  /** how long before the window opens a signal-started sitting admits candidates to its lobby */
  lobbyEarlyMs?: number;
}

/**
 * Joins a candidate to its attempt in the token's sitting, creating it on the first join — in the
 * lobby when the sitting waits for a start signal, otherwise with its clock started now.
 * Costs one query (a rejoin) or two (a first join); the exam content comes from the gateway's memory.
 */
export async function joinAttempt(
  deps: JoinDeps,
  claims: CandidateClaims,
  protocolVersion: number,
): Promise<{ reply: JoinReply; joined: JoinedAttempt; prior: PriorPresence | null }> {
  if (protocolVersion !== PROTOCOL_VERSION) {
    throw new ExamhallError('PROTOCOL_VERSION_UNSUPPORTED', `server speaks ${PROTOCOL_VERSION}`);
  }
  let context = await readContext(deps.sql, claims);
  let startedHere = false;
  if (!context.attempt_id) {
    const now = Date.now();
    // a sitting that starts by signal seats candidates in its lobby a while before the window opens
    const admitsFrom = context.opens_at.getTime() - (context.start_mode === 'signal' ? deps.lobbyEarlyMs ?? 0 : 0);
    if (now < admitsFrom) throw new ExamhallError('SITTING_NOT_OPEN', `opens at ${context.opens_at.toISOString()}`);
    if (now >= context.closes_at.getTime()) throw new ExamhallError('SITTING_CLOSED');
    const waitsForSignal = context.start_mode === 'signal' && !context.sitting_started_at;
    const startedAt = waitsForSignal ? null : context.start_mode === 'signal' ? context.sitting_started_at : new Date(now);
    const created = await runQuery<CreatedAttemptRow>(deps.sql, 'start-attempt', [claims.sittingId, claims.candidateId, deps.gatewayId, waitsForSignal ? 'lobby' : 'in_progress', startedAt]);
    startedHere = created.length > 0 && !waitsForSignal;
    // created here: the sitting's and candidate's columns are as read, the attempt's come back from the insert
    // (a brand-new attempt has no answers and no presence yet); otherwise a concurrent first join from
    // another device created it: read what it made
    context = created[0] ? { ...context, ...created[0], answers: [] } : await readContext(deps.sql, claims);
  }
  if (context.status === 'lobby' && context.sitting_started_at) {
    // created in the lobby while the start signal was being given: start like everyone else
    startedHere = (await runQuery(deps.sql, 'promote-lobby-attempt', [context.attempt_id, deps.gatewayId])).length > 0;
    context = await readContext(deps.sql, claims);
  }
  const inputs = deadlineInputsOf(context);
  if (startedHere && inputs) {
    // best effort: if Redis is down now, the workers' sweep auto-submits from Postgres instead
    deps.scheduler
      .scheduleSoon({ attemptId: context.attempt_id!, deadline: unpausedDeadline(inputs), graceMs: context.grace_s * 1000 })
      .catch((err: Error) => deps.logger.warn({ err: err.message }, 'could not schedule auto-submit; the sweep will'));
  }
  const { attempt_id: attemptId, status } = context;
  if (!attemptId || !status) throw new ExamhallError('INTERNAL', 'attempt was not created');

  const content = await deps.contents.get(context.exam_id, context.exam_version);
  const answerRows = context.answers;
  const joined: JoinedAttempt = {
    attemptId,
    sittingId: context.sitting_id,
    status,
    locked: context.locked_at !== null,
    scope: { sittingId: context.sitting_id, candidateId: claims.candidateId, centerId: context.center_id, districtId: context.district_id },
    scheduledStart: context.opens_at.getTime(),
    answered: new Set(answerRows.filter((r) => r.value !== null).map((r) => r.question_id)),
    graceMs: context.grace_s * 1000,
    content,
    inputs: status === 'lobby' ? null : inputs,
    timing: {
      durationS: context.duration_s,
      windowClosesAt: context.closes_at.getTime(),
      extraTimeS: context.extra_time_s,
      extraTimeMultiplier: Number(context.extra_time_multiplier),
    },
  };
  const answers = answerRows.map((r) => ({ questionId: r.question_id, seq: r.seq, value: r.value }));
  const prior = context.presence_online === null ? null : { online: context.presence_online, ip: context.presence_ip, userAgent: context.presence_user_agent };
  return { reply: buildJoinReply(joined, answers), joined, prior };
}

/** The join reply (also the `exam:started` payload), built from what the socket holds. */
export function buildJoinReply(joined: JoinedAttempt, answers: StoredAnswer[]): JoinReply {
  const now = Date.now();
  const started = joined.status !== 'lobby' && joined.inputs !== null;
  return {
    attemptId: joined.attemptId,
    status: joined.status,
    paper: joined.status === 'lobby' ? null : buildPaper(joined.content, joined.attemptId),
    answers,
    startedAt: started ? joined.inputs!.startedAt : null,
    scheduledStart: joined.status === 'lobby' ? joined.scheduledStart : null,
    deadline: started ? deadlineAt(joined.inputs!, now) : null,
    graceMs: joined.graceMs,
    paused: joined.inputs?.pausedAt != null,
    locked: joined.locked,
    serverTime: now,
  };
}

async function readContext(sql: Sql, claims: CandidateClaims): Promise<AttemptContextRow> {
  const rows = await runQuery<AttemptContextRow>(sql, 'find-attempt-context', [claims.sittingId, claims.candidateId]);
  const row = rows[0];
  if (!row) throw new ExamhallError('SITTING_NOT_FOUND');
  if (!row.enrolled) throw new ExamhallError('CANDIDATE_NOT_ENROLLED');
  return row;
}
