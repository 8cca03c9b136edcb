import {
  ActivityReport,
  AnswerSaveRequest,
  EVENTS,
  ExamhallError,
  JoinRequest,
  SubmitRequest,
  TimeSyncRequest,
  attemptRoom,
  protocolError,
  type CandidateClientEvents,
  type CandidateServerEvents,
  type SubmitReply,
} from '@examhall/shared';
import type { Namespace, Socket } from 'socket.io';
import type { CandidateClaims, TokenService } from '../auth/tokens.js';
import type { AnswerBatcher } from '../answers/batcher.js';
import type { DependencyBreaker } from '../store/breakers.js';
import type { SubmitAdmission } from './submit-admission.js';
import type { AttemptFinalizer } from '../attempts/finalize.js';
import type { Logger } from '../observability/logger.js';
import { checkAnswerAllowed, closedSectionOf } from './answer-rules.js';
import { joinAttempt, type JoinDeps, type JoinedAttempt } from './join.js';
import { lobbyRoom, syncLifecycle } from './lifecycle-sync.js';
import { acceptsAnswerAt } from '../exam/deadline.js';
import type { Session } from '../proctor/presence.js';
import { candidatePresence, type PresenceDeps } from './candidate-presence.js';
import { ackedHandlers, connectError, parse, toProtocolError } from './handlers.js';
import { metrics } from '../observability/metrics.js';
import type { SecurityGuards } from './security-guards.js';
import type { RevocationChecker, TokenSubject } from '../auth/revocations.js';
import { closeRevokedSockets } from './revocation-guard.js';

export interface CandidateSocketData {
  claims: CandidateClaims;
  attempt?: JoinedAttempt;
  /** set once joined: this socket's session, as proctors see it */
  session?: Session;
  /** closed because a newer device took the attempt over */
  replaced?: boolean;
  /** when this socket took its attempt over (ms): a takeover notice from an earlier join leaves it alone */
  tookOverAt?: number;
}

export type CandidateSocket = Socket<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;
export type CandidateNamespace = Namespace<CandidateClientEvents, CandidateServerEvents, Record<string, never>, CandidateSocketData>;

export interface CandidateDeps extends JoinDeps, PresenceDeps {
  tokens: TokenService;
  batcher: AnswerBatcher;
  /** Postgres for joins and submits: STORE_UNAVAILABLE at once while it is down */
  storeBreaker: DependencyBreaker;
  finalizer: AttemptFinalizer;
  /** bounds the submits finalised at once; beyond it OVERLOADED (retry later) */
  submitAdmission: SubmitAdmission;
  /** true while this gateway takes new connections (cap and drain) */
  acceptingConnections: () => boolean;
  guards: SecurityGuards;
  /** refuses revoked tokens at the handshake (one Redis MGET) */
  revocations: RevocationChecker;
}

const candidateSubject = (claims: CandidateClaims): TokenSubject => ({ kind: 'candidate', subjectId: claims.candidateId, sittingId: claims.sittingId, tokenId: claims.tokenId, issuedAtMs: claims.issuedAtMs });

export function setUpCandidateNamespace(nsp: CandidateNamespace, deps: CandidateDeps): void {
  const lifecycle = syncLifecycle(nsp, deps.logger);
  const presence = candidatePresence(deps);
  const revoked = closeRevokedSockets<CandidateSocket>(nsp as unknown as Namespace, (socket) => socket.data.claims && candidateSubject(socket.data.claims), deps.logger);

  nsp.use((socket, next) => {
    if (!deps.acceptingConnections()) return next(connectError(protocolError('GATEWAY_FULL')));
    const crowded = deps.guards.admit(socket as unknown as Socket);
    if (crowded) return next(connectError(crowded));
    deps.tokens.verifyCandidateToken(socket.handshake.auth?.token).then(async (claims) => {
      await deps.revocations.check(candidateSubject(claims));
      return claims;
    }).then(
      (claims) => {
        socket.data.claims = claims;
        next();
      },
      (err: unknown) => {
        const error = toProtocolError(err, deps.logger);
        deps.guards.authRefused(socket as unknown as Socket, error);
        next(connectError(error));
      },
    );
  });

  nsp.on('connection', (socket: CandidateSocket) => {
    if (revoked.connected(socket)) return;
    // a pino child only when something is logged: one per socket cost CPU at each join and memory for the connection's life
    const log = () => deps.logger.child({ socket: socket.id, candidate: socket.data.claims.candidateId });
    const debug = deps.logger.isLevelEnabled('debug');

    const actor = () => ({ actor: `candidate:${socket.data.claims.candidateId}`, sittingId: socket.data.claims.sittingId, attemptId: socket.data.attempt?.attemptId ?? null });
    deps.guards.limitFrames(socket as unknown as Socket, actor);
    const handle = ackedHandlers(socket as unknown as Socket, log, deps.guards.onRefused(actor));

    handle(EVENTS.join, async (payload) => {
      const request = parse(JoinRequest, payload);
      const { reply, joined, prior } = await deps.storeBreaker.run(() => joinAttempt(deps, socket.data.claims, request.protocolVersion)).catch((err: unknown) => {
        metrics.joins.inc({ outcome: toProtocolError(err, log).code });
        throw err;
      });
      metrics.joins.inc({ outcome: 'ok' });
      const rejoin = socket.data.session !== undefined;
      socket.data.attempt = joined;
      await socket.join(attemptRoom(joined.attemptId));
      lifecycle.takeOver(socket, joined.attemptId);
      if (!rejoin) await presence.joined(socket, joined, prior);
      if (debug) log().debug({ attempt: joined.attemptId, status: joined.status }, 'joined');
      if (joined.status === 'lobby') {
        await socket.join(lobbyRoom(joined.sittingId));
        setImmediate(() => lifecycle.enteredLobby(socket, joined.sittingId)); // after the reply below
      }
      return reply;
    });

    handle(EVENTS.answerSave, async (payload) => {
      const started = performance.now();
      const receivedAt = Date.now(); // the server's clock decides; the client's is never asked
      let request: AnswerSaveRequest;
      let attempt: ReturnType<typeof checkAnswerAllowed>;
      try {
        request = parse(AnswerSaveRequest, payload);
        attempt = checkAnswerAllowed(socket.data.attempt, request, receivedAt);
        await deps.batcher.submit({ a: attempt.attemptId, q: request.questionId, s: request.seq, v: request.value, r: receivedAt });
      } catch (err) {
        metrics.answersRefused.inc({ code: toProtocolError(err, log).code });
        throw err;
      }
      metrics.answersQueued.inc();
      metrics.ackSeconds.observe((performance.now() - started) / 1000);
      presence.answered(attempt, request.questionId, request.value !== null);
      return { status: 'queued' as const, questionId: request.questionId, seq: request.seq, receivedAt };
    });

    handle(EVENTS.activity, (payload) => presence.activity(socket, parse(ActivityReport, payload)));

    handle(EVENTS.timeSync, (payload) => ({ clientSentAt: parse(TimeSyncRequest, payload).clientSentAt, serverTime: Date.now() }));

    handle(EVENTS.submit, async (payload): Promise<SubmitReply> => {
      // refused before the answer map is parsed: under a stampede the refusals are most of the frames
      if (deps.submitAdmission.full) throw deps.submitAdmission.refusal();
      const request = parse(SubmitRequest, payload);
      const attempt = socket.data.attempt;
      if (!attempt) throw new ExamhallError('NOT_JOINED');
      if (request.attemptId !== attempt.attemptId) throw new ExamhallError('ATTEMPT_FORBIDDEN');
      if (attempt.status === 'lobby') throw new ExamhallError('ATTEMPT_NOT_STARTED');
      if (attempt.inputs?.pausedAt != null) throw new ExamhallError('ATTEMPT_PAUSED');
      if (attempt.locked) throw new ExamhallError('ATTEMPT_LOCKED');
      // after deadline + grace the final map no longer counts: the attempt ends as auto-submitted
      const now = Date.now();
      const inTime = attempt.inputs !== null && acceptsAnswerAt(attempt.inputs, attempt.graceMs, now);
      // the same section rule as answer:save: answers to a section whose time is up do not count
      // (an honest client's map may still carry them as stored answers, so they are left out, not refused)
      const finalAnswers = request.answers.filter((a) => closedSectionOf(attempt, a.questionId, now) === null);
      const outcome = await deps.submitAdmission.run(() => deps.storeBreaker.run(() => deps.finalizer.finalize(attempt.attemptId, inTime
        ? { status: 'submitted', actor: `candidate:${socket.data.claims.candidateId}`, finalAnswers, gatewayId: deps.gatewayId }
        : { status: 'auto_submitted', actor: 'auto-submit' })));
      if (outcome.kind !== 'final') throw new ExamhallError('INTERNAL', 'attempt could not be finalised');
      attempt.status = outcome.status;
      attempt.inputs = null;
      return { status: outcome.status, submittedAt: outcome.submittedAt };
    });

    socket.on('disconnect', (reason) => {
      presence.left(socket);
      if (debug) log().debug({ reason }, 'disconnected');
    });
  });
}
