import type { Ack } from './schemas/ack.js';
import type { AnswerCommitted, AnswerQueued, AnswerSaveRequest } from './schemas/answers.js';
import type { JoinReply, JoinRequest } from './schemas/join.js';
import type { AttemptUpdated, SessionReplaced, SubmitReply, SubmitRequest, TimeSyncReply, TimeSyncRequest } from './schemas/lifecycle.js';
import type { ProtocolError } from './errors.js';
import type { ActionReply, ActivityReport, ProctorAction, ProctorDelta, ProctorMessage, RosterSnapshot, WatchRequest } from './schemas/proctor.js';

/** Every event name on the wire, defined once. */
export const EVENTS = {
  join: 'exam:join',
  answerSave: 'answer:save',
  answerCommitted: 'answer:committed',
  /** the server is shutting down; reconnect (the SDK does so with jitter) */
  serverDraining: 'server:draining',
  /**
   * server → candidate: Redis came back without the data it had (restarted empty, flushed), so
   * answers acknowledged `queued` may be gone from the queue: send again every answer not yet committed
   */
  answersResend: 'answers:resend',
  /** sent before the server drops a socket for a protocol-level reason */
  serverError: 'server:error',
  /** client → server: one NTP-style clock sample */
  timeSync: 'time:sync',
  /** client → server: hand in the attempt with the client's final answer map */
  submit: 'exam:submit',
  /** server → client: the attempt's timing or status changed (extension, pause, submit…) */
  attemptUpdated: 'attempt:updated',
  /** server → client: another device joined this attempt; the server disconnects this socket right after */
  sessionReplaced: 'session:replaced',
  /** server → client: the sitting started; a candidate waiting in the lobby receives its paper (a full JoinReply) */
  examStarted: 'exam:started',
  /** client → server: navigation, focus and fullscreen signals from the exam page (for proctors) */
  activity: 'candidate:activity',
  /** server → client: a proctor's message to this candidate, its center or the sitting */
  proctorMessage: 'proctor:message',
  /** proctor → server: subscribe to the token's scope; the ack is the roster snapshot */
  proctorWatch: 'proctor:watch',
  /** server → proctor: a batch of roster patches and feed lines for one center */
  proctorDelta: 'proctor:delta',
  /** proctor → server: extend, pause, resume, lock, unlock, terminate, message, compensate, dismiss an alert */
  proctorAction: 'proctor:action',
} as const;

export type AckCallback<T> = (reply: Ack<T>) => void;

/** `/candidate` namespace, client → server. */
export interface CandidateClientEvents {
  [EVENTS.join]: (request: JoinRequest, ack: AckCallback<JoinReply>) => void;
  [EVENTS.answerSave]: (request: AnswerSaveRequest, ack: AckCallback<AnswerQueued>) => void;
  [EVENTS.timeSync]: (request: TimeSyncRequest, ack: AckCallback<TimeSyncReply>) => void;
  [EVENTS.submit]: (request: SubmitRequest, ack: AckCallback<SubmitReply>) => void;
  [EVENTS.activity]: (report: ActivityReport, ack: AckCallback<{ recorded: true }>) => void;
}

/** `/candidate` namespace, server → client. */
export interface CandidateServerEvents {
  [EVENTS.answerCommitted]: (notice: AnswerCommitted) => void;
  [EVENTS.serverDraining]: (notice: { reconnectInMs: number }) => void;
  [EVENTS.answersResend]: () => void;
  [EVENTS.serverError]: (error: ProtocolError) => void;
  [EVENTS.attemptUpdated]: (update: AttemptUpdated) => void;
  [EVENTS.sessionReplaced]: (notice: SessionReplaced) => void;
  [EVENTS.examStarted]: (reply: JoinReply) => void;
  [EVENTS.proctorMessage]: (message: ProctorMessage) => void;
}

/** `/proctor` namespace, client → server. */
export interface ProctorClientEvents {
  [EVENTS.proctorWatch]: (request: WatchRequest, ack: AckCallback<RosterSnapshot>) => void;
  [EVENTS.proctorAction]: (action: ProctorAction, ack: AckCallback<ActionReply>) => void;
  [EVENTS.timeSync]: (request: TimeSyncRequest, ack: AckCallback<TimeSyncReply>) => void;
}

/** `/proctor` namespace, server → client. */
export interface ProctorServerEvents {
  [EVENTS.proctorDelta]: (delta: ProctorDelta) => void;
  [EVENTS.serverDraining]: (notice: { reconnectInMs: number }) => void;
  [EVENTS.serverError]: (error: ProtocolError) => void;
}
