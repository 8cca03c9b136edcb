import { EVENTS, attemptRoom } from '@examhall/shared';
import { INTERNAL_EVENTS, type AttemptChanged, type SittingStarted } from '../attempts/notifier.js';
import { FINAL_STATUSES } from '../attempts/state.js';
import type { Logger } from '../observability/logger.js';
import type { CandidateNamespace, CandidateSocket } from './candidate-namespace.js';
import { buildJoinReply } from './join.js';

export const lobbyRoom = (sittingId: string) => `lobby:${sittingId}`;
const SESSION_REPLACED = 'internal:session-replaced';
/** the same for many attempts: takeovers are sent to the other gateways in one message per few ms */
const SESSIONS_REPLACED = 'internal:sessions-replaced';
const TAKEOVER_COALESCE_MS = 10;

/** The sockets of a room that this gateway holds (rooms are per process; the adapter fans out). */
function localSockets(nsp: CandidateNamespace, room: string): CandidateSocket[] {
  const ids = nsp.adapter.rooms.get(room);
  return ids ? [...ids].flatMap((id) => nsp.sockets.get(id) ?? []) : [];
}

/**
 * Keeps what each socket holds about its attempt in step with changes made anywhere (a worker's
 * auto-submit, a proctor's extension, the start signal), and hands an attempt over to a new device.
 */
export function syncLifecycle(nsp: CandidateNamespace, logger: Logger) {
  nsp.on(INTERNAL_EVENTS.attemptChanged as never, ((change: AttemptChanged) => {
    for (const socket of localSockets(nsp, attemptRoom(change.update.attemptId))) {
      const attempt = socket.data.attempt;
      if (!attempt) continue;
      attempt.status = change.update.status;
      attempt.locked = change.update.locked;
      if (change.inputs || FINAL_STATUSES.has(change.update.status)) attempt.inputs = change.inputs;
    }
  }) as never);

  // Start times this gateway has heard of, for lobby joins whose reply crossed the signal.
  const startedSittings = new Map<string, number>();
  const startInLobby = (socket: CandidateSocket, sittingId: string, startedAt: number) => {
    const attempt = socket.data.attempt;
    if (!attempt || attempt.status !== 'lobby') return;
    attempt.status = 'in_progress';
    attempt.inputs = { ...attempt.timing, startedAt, extensionS: 0, pausedMs: 0, pausedAt: null };
    void socket.leave(lobbyRoom(sittingId));
    socket.emit(EVENTS.examStarted, buildJoinReply(attempt, []));
  };

  // The start signal: every lobby socket gets its paper from this gateway's memory — no query per candidate.
  nsp.on(INTERNAL_EVENTS.sittingStarted as never, ((notice: SittingStarted) => {
    startedSittings.set(notice.sittingId, notice.startedAt);
    const sockets = localSockets(nsp, lobbyRoom(notice.sittingId));
    for (const socket of sockets) startInLobby(socket, notice.sittingId, notice.startedAt);
    logger.info({ sitting: notice.sittingId, sockets: sockets.length }, 'sitting started: papers delivered');
  }) as never);

  // `since`: when the new device joined. A socket that joined later (on this gateway, while the
  // notice was on its way) is the newer device and stays; gateway clocks agree to well under the
  // few ms a notice takes (a socket enters the attempt room and gets its time in the same tick).
  const replaceLocal = (attemptId: string, keepSocketId: string, since = Number.POSITIVE_INFINITY) => {
    for (const socket of localSockets(nsp, attemptRoom(attemptId))) {
      if (socket.id === keepSocketId || (socket.data.tookOverAt ?? 0) > since) continue;
      socket.data.replaced = true;
      socket.emit(EVENTS.sessionReplaced, { attemptId });
      socket.disconnect(true);
    }
  };
  // one message per join was a Redis publish, and a decode on every other gateway, per candidate
  nsp.on(SESSION_REPLACED as never, ((attemptId: string, keepSocketId: string, since?: number) => replaceLocal(attemptId, keepSocketId, since)) as never);
  nsp.on(SESSIONS_REPLACED as never, ((takeovers: [string, string, number?][]) => {
    for (const [attemptId, keepSocketId, since] of takeovers) replaceLocal(attemptId, keepSocketId, since);
  }) as never);
  let takeovers: [string, string, number][] = [];
  const sendTakeovers = () => {
    const pairs = takeovers;
    takeovers = [];
    nsp.serverSideEmit(SESSIONS_REPLACED as never, pairs as never);
  };

  return {
    /** a socket that just entered the lobby: if the signal already came, start it at once */
    enteredLobby(socket: CandidateSocket, sittingId: string) {
      const startedAt = startedSittings.get(sittingId);
      if (startedAt !== undefined) startInLobby(socket, sittingId, startedAt);
    },
    /** the newest device owns the attempt: older sockets, on any gateway, are told and closed */
    takeOver(socket: CandidateSocket, attemptId: string) {
      const at = (socket.data.tookOverAt = Date.now());
      replaceLocal(attemptId, socket.id);
      if (takeovers.push([attemptId, socket.id, at]) === 1) setTimeout(sendTakeovers, TAKEOVER_COALESCE_MS);
    },
  };
}
