import {
  AnswerSaveRequest,
  EVENTS,
  ExamhallError,
  JoinRequest,
  SubmitRequest,
  TimeSyncRequest,
  attemptRoom,
  protocolError,
  type Ack,
  type CandidateClientEvents,
  type CandidateServerEvents,
  type ProtocolError,
  type SubmitReply,
} from '@examhall/shared';
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import type { CandidateClaims, TokenService } from '../auth/tokens.js';
import type { AnswerBatcher } from '../answers/batcher.js';
import type { AttemptFinalizer } from '../attempts/finalize.js';
import type { Logger } from '../observability/logger.js';
import { checkAnswerAllowed, closedSectionOf } from './answer-rules.js';
import { joinAttempt, type JoinDeps, type JoinedAttempt } from './join.js';
import { lobbyRoom, syncLifecycle } from './lifecycle-sync.js';
import { acceptsAnswerAt } from '../exam/deadline.js';

export interface CandidateSocketData {
  claims: CandidateClaims;
  attempt?: JoinedAttempt;
}

export type CandidateSocket = Socket<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;
export type CandidateNamespace = Namespace<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;

export interface CandidateDeps extends JoinDeps {
  tokens: TokenService;
  batcher: AnswerBatcher;
  finalizer: AttemptFinalizer;
  /** true while this gateway takes new connections (cap and drain) */
  acceptingConnections: () => boolean;
}

const KNOWN_EVENTS = new Set<string>([EVENTS.join, EVENTS.answerSave, EVENTS.timeSync, EVENTS.submit]);

/** A connect_error whose `data` the SDK reads as a ProtocolError. */
function connectError(error: ProtocolError): Error & { data: ProtocolError } {
  return Object.assign(new Error(error.message), { data: error });
}

function toProtocolError(err: unknown, logger: Logger): ProtocolError {
  if (err instanceof ExamhallError) return err.error;
  if (isDatabaseUnavailable(err)) return protocolError('STORE_UNAVAILABLE');
  logger.error({ err }, 'unexpected error in a candidate handler');
  return protocolError('INTERNAL');
}

function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'CONNECTION_CLOSED' || code === 'CONNECT_TIMEOUT' || code === 'CONNECTION_DESTROYED' || code === '57P01';
}

function parse<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ExamhallError('BAD_REQUEST', issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : undefined);
}

export function setUpCandidateNamespace(nsp: CandidateNamespace, deps: CandidateDeps): void {
  const lifecycle = syncLifecycle(nsp, deps.logger);

  nsp.use((socket, next) => {
    if (!deps.acceptingConnections()) return next(connectError(protocolError('GATEWAY_FULL')));
    deps.tokens.verifyCandidateToken(socket.handshake.auth?.token).then(
      (claims) => {
        socket.data.claims = claims;
        next();
      },
      (err: unknown) => next(connectError(toProtocolError(err, deps.logger))),
    );
  });

  nsp.on('connection', (socket: CandidateSocket) => {
    const log = deps.logger.child({ socket: socket.id, candidate: socket.data.claims.candidateId });

    /** Registers a handler for a frame that must carry an ack; any failure becomes a coded error ack. */
    const handle = <T>(event: keyof CandidateClientEvents, work: (payload: unknown) => Promise<T> | T) => {
      socket.on(event, ((payload: unknown, ack: unknown) => {
        if (typeof ack !== 'function') {
          socket.emit(EVENTS.serverError, protocolError('BAD_REQUEST', `${event} needs an acknowledgement callback`));
          return;
        }
        const reply = ack as (r: Ack<T>) => void;
        Promise.resolve()
          .then(() => work(payload))
          .then(
            (data) => reply({ ok: true, data }),
            (err: unknown) => reply({ ok: false, error: toProtocolError(err, log) }),
          );
      }) as never);
    };

    handle(EVENTS.join, async (payload) => {
      const request = parse(JoinRequest, payload);
      const { reply, joined } = await joinAttempt(deps, socket.data.claims, request.protocolVersion);
      socket.data.attempt = joined;
      await socket.join(attemptRoom(joined.attemptId));
      lifecycle.takeOver(joined.attemptId, socket.id);
      log.debug({ attempt: joined.attemptId, status: joined.status }, 'joined');
      if (joined.status === 'lobby') {
        await socket.join(lobbyRoom(joined.sittingId));
        setImmediate(() => lifecycle.enteredLobby(socket, joined.sittingId)); // after the reply below
      }
      return reply;
    });

    handle(EVENTS.answerSave, async (payload) => {
      const request = parse(AnswerSaveRequest, payload);
      const receivedAt = Date.now(); // the server's clock decides; the client's is never asked
      const attempt = checkAnswerAllowed(socket.data.attempt, request, receivedAt);
      await deps.batcher.submit({ a: attempt.attemptId, q: request.questionId, s: request.seq, v: request.value, r: receivedAt });
      return { status: 'queued' as const, questionId: request.questionId, seq: request.seq, receivedAt };
    });

    handle(EVENTS.timeSync, (payload) => ({ clientSentAt: parse(TimeSyncRequest, payload).clientSentAt, serverTime: Date.now() }));

    handle(EVENTS.submit, async (payload): Promise<SubmitReply> => {
      const request = parse(SubmitRequest, payload);
      const attempt = socket.data.attempt;
      if (!attempt) throw new ExamhallError('NOT_JOINED');
      if (request.attemptId !== attempt.attemptId) throw new ExamhallError('ATTEMPT_FORBIDDEN');
      if (attempt.status === 'lobby') throw new ExamhallError('ATTEMPT_NOT_STARTED');
      if (attempt.inputs?.pausedAt != null) throw new ExamhallError('ATTEMPT_PAUSED');
      // after deadline + grace the final map no longer counts: the attempt ends as auto-submitted
      const now = Date.now();
      const inTime = attempt.inputs !== null && acceptsAnswerAt(attempt.inputs, attempt.graceMs, now);
      // the same section rule as answer:save: answers to a section whose time is up do not count
      // (an honest client's map may still carry them as stored answers, so they are left out, not refused)
      const finalAnswers = request.answers.filter((a) => closedSectionOf(attempt, a.questionId, now) === null);
      const outcome = await deps.finalizer.finalize(attempt.attemptId, inTime
        ? { status: 'submitted', actor: `candidate:${socket.data.claims.candidateId}`, finalAnswers, gatewayId: deps.gatewayId }
        : { status: 'auto_submitted', actor: 'auto-submit' });
      if (outcome.kind !== 'final') throw new ExamhallError('INTERNAL', 'attempt could not be finalised');
      attempt.status = outcome.status;
      attempt.inputs = null;
      return { status: outcome.status, submittedAt: outcome.submittedAt };
    });

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      const ack = args.at(-1);
      const error = protocolError('UNKNOWN_EVENT', String(event).slice(0, 64));
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ ok: false, error });
      else socket.emit(EVENTS.serverError, error);
    });

    socket.on('disconnect', (reason) => log.debug({ reason }, 'disconnected'));
  });
}
