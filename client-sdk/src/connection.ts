import type { Socket } from 'socket.io-client';
import {
  EVENTS,
  NAMESPACES,
  PROTOCOL_VERSION,
  type ActivityReport,
  type AnswerSaveRequest,
  type CandidateClientEvents,
  type SubmitRequest,
  type CandidateServerEvents,
  type ProtocolError,
} from '@examhall/shared';
import type { ResolvedOptions } from './options.js';
import { SocketLifecycle, type LifecycleHooks } from './socket-lifecycle.js';
import { closedError } from './waiters.js';

type CandidateSocket = Socket<CandidateServerEvents, CandidateClientEvents>;

export interface ConnectionHooks extends Omit<LifecycleHooks, 'refused'> {
  /** a refusal retrying cannot fix, on a reconnect nobody awaits (e.g. the token expired meanwhile) */
  refused(error: ProtocolError): void;
  /** server frames, not yet validated */
  committed(notice: unknown): void;
  /** `answers:resend`: the queue may have lost acknowledged answers */
  resendRequested(): void;
  serverError(error: unknown): void;
  attemptUpdated(update: unknown): void;
  examStarted(reply: unknown): void;
  sessionReplaced(notice: unknown): void;
  proctorMessage(message: unknown): void;
}

/**
 * The socket to `/candidate`: its events and requests; the lifecycle (refusals, reconnects,
 * drain, network events, suspend) is SocketLifecycle's. Knows nothing about answers.
 */
export class CandidateConnection extends SocketLifecycle<CandidateSocket> {
  constructor(
    private readonly options: ResolvedOptions,
    hooks: ConnectionHooks,
  ) {
    const { url, token, transports, socketOptions, networkEvents } = options;
    super(
      { url: `${url}${NAMESPACES.candidate}`, token, transports, socketOptions, networkEvents, closedError },
      {
        connected: () => hooks.connected(),
        disconnected: (reason) => hooks.disconnected(reason),
        // an awaited refusal already rejects its open() or untilConnected()
        refused: (error, awaited) => {
          if (!awaited) hooks.refused(error);
        },
        draining: (reconnectInMs) => hooks.draining(reconnectInMs),
      },
      (socket) => {
        socket.on(EVENTS.answerCommitted, (notice: unknown) => hooks.committed(notice));
        socket.on(EVENTS.answersResend, () => hooks.resendRequested());
        socket.on(EVENTS.serverError, (error: unknown) => hooks.serverError(error));
        socket.on(EVENTS.attemptUpdated, (update: unknown) => hooks.attemptUpdated(update));
        socket.on(EVENTS.examStarted, (reply: unknown) => hooks.examStarted(reply));
        socket.on(EVENTS.sessionReplaced, (notice: unknown) => hooks.sessionReplaced(notice));
        socket.on(EVENTS.proctorMessage, (message: unknown) => hooks.proctorMessage(message));
      },
    );
  }

  // Requests resolve with the raw ack and reject on timeout or disconnect. They never let
  // socket.io buffer a frame for later: the outbox decides what is resent.

  /** exam:join */
  requestJoin(): Promise<unknown> {
    return this.withAck().emitWithAck(EVENTS.join, { protocolVersion: PROTOCOL_VERSION });
  }

  /** answer:save */
  requestSave(request: AnswerSaveRequest): Promise<unknown> {
    return this.withAck().emitWithAck(EVENTS.answerSave, request);
  }

  /** time:sync */
  requestTimeSync(clientSentAt: number): Promise<unknown> {
    return this.withAck().emitWithAck(EVENTS.timeSync, { clientSentAt });
  }

  /** exam:submit */
  requestSubmit(request: SubmitRequest): Promise<unknown> {
    return this.withAck().emitWithAck(EVENTS.submit, request);
  }

  /** candidate:activity */
  requestActivity(report: ActivityReport): Promise<unknown> {
    return this.withAck().emitWithAck(EVENTS.activity, report);
  }

  private withAck() {
    return this.connectedSocket().timeout(this.options.ackTimeoutMs);
  }
}
