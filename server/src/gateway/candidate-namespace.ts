import {
  AnswerSaveRequest,
  EVENTS,
  ExamhallError,
  JoinRequest,
  attemptRoom,
  protocolError,
  type Ack,
  type CandidateClientEvents,
  type CandidateServerEvents,
  type ProtocolError,
} from '@examhall/shared';
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import type { CandidateClaims, TokenService } from '../auth/tokens.js';
import type { AnswerBatcher } from '../answers/batcher.js';
import { checkAnswerFitsPaper, type ExamContentCache } from '../exam/content.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { joinAttempt, type JoinedAttempt } from './join.js';

export interface CandidateSocketData {
  claims: CandidateClaims;
  attempt?: JoinedAttempt;
}

type CandidateSocket = Socket<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;
export type CandidateNamespace = Namespace<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;

export interface CandidateDeps {
  sql: Sql;
  tokens: TokenService;
  cache: ExamContentCache;
  batcher: AnswerBatcher;
  logger: Logger;
  gatewayId: string;
  /** true while this gateway takes new connections (cap and drain) */
  acceptingConnections: () => boolean;
}

const KNOWN_EVENTS = new Set<string>([EVENTS.join, EVENTS.answerSave]);

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

    /** Runs a handler for a frame that must carry an ack; any failure becomes a coded error ack. */
    const handle = <T>(event: string, work: (payload: unknown) => Promise<T>) =>
      (payload: unknown, ack: unknown) => {
        if (typeof ack !== 'function') {
          socket.emit(EVENTS.serverError, protocolError('BAD_REQUEST', `${event} needs an acknowledgement callback`));
          return;
        }
        const reply = ack as (r: Ack<T>) => void;
        work(payload).then(
          (data) => reply({ ok: true, data }),
          (err: unknown) => reply({ ok: false, error: toProtocolError(err, log) }),
        );
      };

    socket.on(EVENTS.join, handle(EVENTS.join, async (payload) => {
      const request = parse(JoinRequest, payload);
      const { reply, joined } = await joinAttempt(deps.sql, deps.cache, socket.data.claims, request.protocolVersion, deps.gatewayId);
      socket.data.attempt = joined;
      await socket.join(attemptRoom(joined.attemptId));
      log.debug({ attempt: joined.attemptId }, 'joined');
      return reply;
    }) as never);

    socket.on(EVENTS.answerSave, handle(EVENTS.answerSave, async (payload) => {
      const request = parse(AnswerSaveRequest, payload);
      const attempt = socket.data.attempt;
      if (!attempt) throw new ExamhallError('NOT_JOINED');
      if (request.attemptId !== attempt.attemptId) throw new ExamhallError('ATTEMPT_FORBIDDEN');
      if (attempt.status !== 'in_progress') throw new ExamhallError('ATTEMPT_CLOSED');
      const receivedAt = Date.now(); // the server's clock decides; the client's is never asked
      if (receivedAt > attempt.deadline + attempt.graceMs) throw new ExamhallError('DEADLINE_PASSED');
      const misfit = checkAnswerFitsPaper(attempt.content, request.questionId, request.value);
      if (misfit) throw new ExamhallError(misfit);
      await deps.batcher.submit({ a: attempt.attemptId, q: request.questionId, s: request.seq, v: request.value, r: receivedAt });
      return { status: 'queued' as const, questionId: request.questionId, seq: request.seq, receivedAt };
    }) as never);

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
