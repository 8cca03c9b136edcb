import { ActivityReport, ExamhallError, type AlertKind } from '@examhall/shared';
import type { AlertRecorder } from '../proctor/alerts.js';
import type { ProctorFeed } from '../proctor/feed.js';
import type { PresenceRecorder, Session } from '../proctor/presence.js';
import { candidateRooms } from '../proctor/rooms.js';
import { deadlineAt } from '../exam/deadline.js';
import type { CandidateSocket } from './candidate-namespace.js';
import type { JoinedAttempt, PriorPresence } from './join.js';
import type { AddressResolver } from './client-address.js';

export interface PresenceDeps {
  presence: PresenceRecorder;
  alerts: AlertRecorder;
  feed: ProctorFeed;
  /** the client's address behind a trusted proxy */
  clientAddress: AddressResolver;
}

const ALERT_OF_ACTIVITY: Partial<Record<ActivityReport['kind'], AlertKind>> = {
  focus_lost: 'focus_lost',
  fullscreen_exit: 'fullscreen_exit',
};

/**
 * What proctors learn from a candidate's socket: it joined (with its attempt's state), from where,
 * whether that looks like a second device or a new network, what it is looking at, and when it left.
 */
export function candidatePresence(deps: PresenceDeps) {
  return {
    async joined(socket: CandidateSocket, joined: JoinedAttempt, prior: PriorPresence | null): Promise<void> {
      const ip = deps.clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for']) || null;
      const userAgent = (socket.handshake.headers['user-agent'] ?? '').slice(0, 200) || null;
      const session: Session = { attemptId: joined.attemptId, sessionId: socket.id, scope: joined.scope, ip, userAgent };
      socket.data.session = session;
      await socket.join([candidateRooms.center(joined.scope.sittingId, joined.scope.centerId), candidateRooms.sitting(joined.scope.sittingId)]);
      const now = Date.now();
      deps.feed.record(joined.attemptId, {
        patch: {
          attemptId: joined.attemptId,
          status: joined.status,
          deadline: joined.inputs ? deadlineAt(joined.inputs, now) : null,
          paused: joined.inputs?.pausedAt != null,
          locked: joined.locked,
          answered: joined.answered.size,
        },
        at: now,
      }, joined.scope);
      deps.presence.connected(session, now);
      // alerts are best effort and must not delay the join reply
      void (async () => {
        if (prior?.online && (prior.ip !== ip || prior.userAgent !== userAgent)) {
          await deps.alerts.open(joined.attemptId, joined.scope, 'second_device', `${ip ?? '?'} while ${prior.ip ?? '?'} was connected`);
        } else if (prior && !prior.online && prior.ip && ip && prior.ip !== ip) {
          await deps.alerts.open(joined.attemptId, joined.scope, 'ip_change', `${prior.ip} → ${ip}`);
        }
        // a 'disconnected' alert needs a presence row (sweep-alerts.sql): none existed at this join's read, so
        // a first connection has nothing to close and saves the statement
        if (prior) await deps.alerts.close(joined.attemptId, joined.scope, ['disconnected']);
      })();
    },

    activity(socket: CandidateSocket, report: ActivityReport): { recorded: true } {
      const attempt = socket.data.attempt;
      if (!attempt) throw new ExamhallError('NOT_JOINED');
      if (report.attemptId !== attempt.attemptId) throw new ExamhallError('ATTEMPT_FORBIDDEN');
      if (report.kind === 'navigate') {
        if (!report.questionId || !attempt.content.byId.has(report.questionId)) throw new ExamhallError('QUESTION_UNKNOWN');
        deps.presence.navigated(attempt.attemptId, attempt.scope, report.questionId);
      }
      const alert = ALERT_OF_ACTIVITY[report.kind];
      if (alert) void deps.alerts.open(attempt.attemptId, attempt.scope, alert);
      return { recorded: true };
    },

    /** an answer was accepted: the answered count proctors see (saves are batched per tick by the feed) */
    answered(attempt: JoinedAttempt, questionId: string, hasValue: boolean): void {
      const before = attempt.answered.size;
      if (hasValue) attempt.answered.add(questionId);
      else attempt.answered.delete(questionId);
      if (attempt.answered.size !== before) deps.feed.record(attempt.attemptId, { patch: { answered: attempt.answered.size } }, attempt.scope);
    },

    left(socket: CandidateSocket): void {
      const session = socket.data.session;
      if (session) deps.presence.disconnected(session, socket.data.replaced === true);
    },
  };
}
