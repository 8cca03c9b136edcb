import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { Logger } from '../observability/logger.js';
import type { ProctorFeed } from './feed.js';
import type { AttemptScope } from './rooms.js';

/** One socket's hold on an attempt, as a gateway sees it. */
export interface Session {
  attemptId: string;
  /** the socket id: a reload or a second device is a new session */
  sessionId: string;
  scope: AttemptScope;
  ip: string | null;
  userAgent: string | null;
}

interface PresenceEvent {
  session: Session;
  kind: 'connect' | 'disconnect';
  at: number;
}

/** Events kept while Postgres is unreachable; past this the oldest are dropped (presence is advisory, answers are not). */
const MAX_BUFFERED = 100_000;

/**
 * Records connects, disconnects and the question each candidate is on: proctors see them at once
 * (through the feed) and Postgres gets them in one statement per interval — presence_events keeps
 * every connect and disconnect for outage compensation.
 */
export class PresenceRecorder {
  private events: PresenceEvent[] = [];
  private activity = new Map<string, { questionId: string; at: number }>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | null = null;

  constructor(private readonly deps: { sql: Sql; feed: ProctorFeed; gatewayId: string; logger: Logger; intervalMs?: number }) {
    this.timer = setInterval(() => void this.flush(), deps.intervalMs ?? 250);
    this.timer.unref();
  }

  connected(session: Session, at = Date.now()): void {
    this.push({ session, kind: 'connect', at });
    this.deps.feed.record(session.attemptId, { patch: { online: true, onlineChangedAt: at }, line: { kind: 'joined', text: 'connected' }, at }, session.scope);
  }

  /** `replaced`: the socket was closed because a newer device took over; the candidate is still online. */
  disconnected(session: Session, replaced: boolean, at = Date.now()): void {
    this.push({ session, kind: 'disconnect', at });
    if (replaced) return;
    this.deps.feed.record(session.attemptId, { patch: { online: false, onlineChangedAt: at }, line: { kind: 'disconnected', text: 'disconnected' }, at }, session.scope);
  }

  navigated(attemptId: string, scope: AttemptScope, questionId: string, at = Date.now()): void {
    this.activity.set(attemptId, { questionId, at });
    this.deps.feed.record(attemptId, { patch: { currentQuestion: questionId }, at }, scope);
  }

  flush(): Promise<void> {
    if (this.writing || (this.events.length === 0 && this.activity.size === 0)) return this.writing ?? Promise.resolve();
    const events = this.events;
    const activity = this.activity;
    this.events = [];
    this.activity = new Map();
    this.writing = this.write(events, activity)
      .catch((err: Error) => {
        // keep them for the next interval: Postgres may be back by then
        this.events = [...events, ...this.events].slice(-MAX_BUFFERED);
        for (const [id, a] of activity) if (!this.activity.has(id)) this.activity.set(id, a);
        this.deps.logger.warn({ err: err.message, events: events.length }, 'presence not recorded yet; retrying');
      })
      .finally(() => (this.writing = null));
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
    await this.flush();
  }

  private push(event: PresenceEvent): void {
    if (this.events.length >= MAX_BUFFERED) this.events.shift();
    this.events.push(event);
  }

  private async write(events: PresenceEvent[], activity: Map<string, { questionId: string; at: number }>): Promise<void> {
    if (events.length > 0) {
      const states = latestStates(events);
      await runQuery(this.deps.sql, 'record-presence', [
        events.map((e) => e.session.attemptId),
        events.map((e) => e.session.sessionId),
        events.map((e) => e.kind),
        events.map((e) => e.at),
        events.map((e) => e.session.ip),
        states.map((e) => e.session.attemptId),
        states.map((e) => e.session.sessionId),
        states.map((e) => String(e.kind === 'connect')), // as text: postgres.js would send a bool[] as one bool
        states.map((e) => e.at),
        states.map((e) => e.session.ip),
        states.map((e) => e.session.userAgent),
        this.deps.gatewayId,
      ]);
    }
    if (activity.size > 0) {
      const entries = [...activity];
      await runQuery(this.deps.sql, 'record-activity', [entries.map(([id]) => id), entries.map(([, a]) => a.questionId), entries.map(([, a]) => a.at)]);
    }
  }
}

/**
 * The state each attempt ends the batch in, by the same rule as the SQL: a connect takes over; a
 * disconnect counts only if it is the holding session's.
 */
export function latestStates(events: readonly PresenceEvent[]): PresenceEvent[] {
  const state = new Map<string, PresenceEvent>();
  for (const event of events) {
    const prior = state.get(event.session.attemptId);
    if (event.kind === 'connect' || !prior || prior.session.sessionId === event.session.sessionId) state.set(event.session.attemptId, event);
  }
  return [...state.values()];
}
