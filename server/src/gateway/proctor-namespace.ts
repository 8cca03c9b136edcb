import {
  EVENTS,
  ExamhallError,
  PROTOCOL_VERSION,
  ProctorAction,
  TimeSyncRequest,
  WatchRequest,
  protocolError,
  type ProctorClientEvents,
  type ProctorServerEvents,
} from '@examhall/shared';
import type { Namespace, Socket } from 'socket.io';
import type { ProctorIdentity, TokenService } from '../auth/tokens.js';
import type { ExamContentCache } from '../exam/content.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import type { ProctorActions } from '../proctor/actions.js';
import type { FeedHistory } from '../proctor/feed-history.js';
import { proctorRooms } from '../proctor/rooms.js';
import { loadRosterSnapshot } from '../proctor/snapshot.js';
import { ackedHandlers, connectError, parse, toProtocolError } from './handlers.js';
import type { SecurityGuards } from './security-guards.js';
import type { RevocationChecker, TokenSubject } from '../auth/revocations.js';
import { closeRevokedSockets } from './revocation-guard.js';

interface ProctorSocketData {
  identity: ProctorIdentity;
}
export type ProctorNamespace = Namespace<ProctorClientEvents, ProctorServerEvents, Record<string, never>, ProctorSocketData>;
type ProctorSocket = Socket<ProctorClientEvents, ProctorServerEvents, Record<string, never>, ProctorSocketData>;

export interface ProctorDeps {
  sql: Sql;
  tokens: TokenService;
  contents: ExamContentCache;
  actions: ProctorActions;
  feedHistory?: FeedHistory;
  logger: Logger;
  acceptingConnections: () => boolean;
  guards: SecurityGuards;
  /** refuses revoked tokens at the handshake (one Redis MGET) */
  revocations: RevocationChecker;
}

const proctorSubject = (identity: ProctorIdentity): TokenSubject => ({
  kind: 'proctor', subjectId: identity.proctorId, sittingId: identity.scope.sittingId, tokenId: identity.tokenId, issuedAtMs: identity.issuedAtMs,
});

/** The rooms a proctor's deltas arrive in: the whole sitting for an admin, else its districts and centers. */
export function roomsOf(identity: ProctorIdentity): string[] {
  const { sittingId, role, districts, centers } = identity.scope;
  if (role === 'admin') return [proctorRooms.sitting(sittingId)];
  return [...districts.map((d) => proctorRooms.district(sittingId, d)), ...centers.map((c) => proctorRooms.center(sittingId, c))];
}

/**
 * `/proctor`: a proctor token (a candidate token is refused: wrong audience) gets a snapshot of the
 * roster in its scope on `proctor:watch`, then the deltas of that scope from every gateway and worker
 * (they arrive through the Redis adapter), and may act on candidates in scope.
 */
export function setUpProctorNamespace(nsp: ProctorNamespace, deps: ProctorDeps): void {
  const revoked = closeRevokedSockets<ProctorSocket>(nsp as unknown as Namespace, (socket) => socket.data.identity && proctorSubject(socket.data.identity), deps.logger);
  nsp.use((socket, next) => {
    if (!deps.acceptingConnections()) return next(connectError(protocolError('GATEWAY_FULL')));
    const crowded = deps.guards.admit(socket as unknown as Socket);
    if (crowded) return next(connectError(crowded));
    deps.tokens.verifyProctorToken(socket.handshake.auth?.token).then(async (identity) => {
      await deps.revocations.check(proctorSubject(identity));
      return identity;
    }).then(
      (identity) => {
        socket.data.identity = identity;
        next();
      },
      (err: unknown) => {
        const error = toProtocolError(err, deps.logger);
        deps.guards.authRefused(socket as unknown as Socket, error);
        next(connectError(error));
      },
    );
  });

  nsp.on('connection', (socket: ProctorSocket) => {
    if (revoked.connected(socket)) return;
    const { identity } = socket.data;
    const log = deps.logger.child({ socket: socket.id, proctor: identity.proctorId });
    const actor = () => ({ actor: `proctor:${identity.proctorId}`, sittingId: identity.scope.sittingId });
    deps.guards.limitFrames(socket as unknown as Socket, actor);
    const handle = ackedHandlers(socket as unknown as Socket, log, deps.guards.onRefused(actor));

    handle(EVENTS.proctorWatch, async (payload) => {
      const request = parse(WatchRequest, payload);
      if (request.protocolVersion !== PROTOCOL_VERSION) throw new ExamhallError('PROTOCOL_VERSION_UNSUPPORTED', `server speaks ${PROTOCOL_VERSION}`);
      // join first: a change made while the snapshot is read arrives as a delta, never falls in between
      await socket.join(roomsOf(identity));
      return loadRosterSnapshot(deps.sql, identity, deps.contents, deps.feedHistory);
    });

    handle(EVENTS.proctorAction, async (payload) => {
      const action = parse(ProctorAction, payload);
      const reply = await deps.actions.run(identity, action);
      log.info({ action: action.kind, applied: reply.applied, failed: reply.failed }, 'proctor action');
      return reply;
    });

    handle(EVENTS.timeSync, (payload) => ({ clientSentAt: parse(TimeSyncRequest, payload).clientSentAt, serverTime: Date.now() }));
    socket.on('disconnect', (reason) => log.debug({ reason }, 'proctor disconnected'));
  });
}
