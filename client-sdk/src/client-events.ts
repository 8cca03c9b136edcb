import type { AnswerValue, AttemptStatus, AttemptUpdated, JoinReply, ProctorMessage, ProtocolError, SessionReplaced, SubmitReply } from '@examhall/shared';

/** The ExamClient's public types: its events, and what it reports about answers and status. */

export interface AnswerRef {
  questionId: string;
  seq: number;
}

/** The statuses after which the server takes no more answers. */
export type FinalStatus = SubmitReply['status'];
const FINAL_STATUSES: ReadonlySet<AttemptStatus> = new Set<FinalStatus>(['submitted', 'auto_submitted', 'terminated']);

export function isFinalStatus(status: AttemptStatus | undefined): status is FinalStatus {
  return status !== undefined && FINAL_STATUSES.has(status);
}

export type ExamClientEvents = {
  connected: [];
  disconnected: [reason: string];
  joined: [reply: JoinReply];
  /** the sitting started while this client waited in the lobby (`joined` fires just before, same reply) */
  started: [reply: JoinReply];
  /**
   * `attempt:updated`: started, extended, paused, resumed, locked, unlocked, submitted,
   * auto_submitted, terminated (already applied to status/deadline/paused/locked)
   */
  updated: [update: AttemptUpdated];
  /** the attempt became submitted, auto_submitted or terminated: the server takes no more answers */
  final: [info: { status: FinalStatus }];
  /** another device took the attempt over; this client disconnected and stays so until connect() */
  replaced: [notice: SessionReplaced];
  /** a proctor's message (`proctor:message`), also kept in `messages` */
  message: [message: ProctorMessage];
  /** the number of uncommitted answers changed (a save, a commit, a join or a submit took some) */
  outbox: [state: { pending: number }];
  /** submit() succeeded */
  submitted: [reply: SubmitReply];
  /** a clock sample was taken; `offsetMs` is the current estimate */
  clock: [estimate: { offsetMs: number; roundTripMs: number | undefined }];
  queued: [item: AnswerRef & { receivedAt: number }];
  committed: [item: AnswerRef];
  retrying: [item: AnswerRef & { error: ProtocolError; inMs: number }];
  rejected: [item: AnswerRef & { error: ProtocolError }];
  draining: [notice: { reconnectInMs: number }];
  error: [error: ProtocolError];
};

export type AnswerState = 'committed' | 'pending' | 'queued';
export interface KnownAnswer {
  value: AnswerValue;
  seq: number;
  state: AnswerState;
}
