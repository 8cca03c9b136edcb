import type { Ack } from './schemas/ack.js';
import type { AnswerCommitted, AnswerQueued, AnswerSaveRequest } from './schemas/answers.js';
import type { JoinReply, JoinRequest } from './schemas/join.js';
import type { ProtocolError } from './errors.js';

/** Every event name on the wire, defined once. */
export const EVENTS = {
  join: 'exam:join',
  answerSave: 'answer:save',
  answerCommitted: 'answer:committed',
  /** the server is shutting down; reconnect (the SDK does so with jitter) */
  serverDraining: 'server:draining',
  /** sent before the server drops a socket for a protocol-level reason */
  serverError: 'server:error',
} as const;

export type AckCallback<T> = (reply: Ack<T>) => void;

/** `/candidate` namespace, client → server. */
export interface CandidateClientEvents {
  [EVENTS.join]: (request: JoinRequest, ack: AckCallback<JoinReply>) => void;
  [EVENTS.answerSave]: (request: AnswerSaveRequest, ack: AckCallback<AnswerQueued>) => void;
}

/** `/candidate` namespace, server → client. */
export interface CandidateServerEvents {
  [EVENTS.answerCommitted]: (notice: AnswerCommitted) => void;
  [EVENTS.serverDraining]: (notice: { reconnectInMs: number }) => void;
  [EVENTS.serverError]: (error: ProtocolError) => void;
}
