import { EVENTS, NAMESPACES, attemptRoom, type AnswerCommitted, type AttemptUpdated, type FeedKind, type ProctorMessage } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { DeadlineInputs } from '../exam/deadline.js';
import { broadcastEmitter } from '../gateway/socket-adapter.js';
import type { NamespaceBroadcaster } from '../gateway/sharded-emitter.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import type { RedisClient } from '../store/redis.js';
import { ProctorFeed } from '../proctor/feed.js';
import { ScopeDirectory } from '../proctor/scope-directory.js';
import { FeedHistory } from '../proctor/feed-history.js';

/** Messages between server processes (never seen by clients), carried by the Socket.IO adapter channel. */
export const INTERNAL_EVENTS = {
  attemptChanged: 'internal:attempt-changed',
  sittingStarted: 'internal:sitting-started',
} as const;

/** What gateways receive: the client-facing update plus the deadline's parts for their own checks. */
export interface AttemptChanged {
  update: AttemptUpdated;
  /** null when the attempt is final or not started */
  inputs: DeadlineInputs | null;
}

export interface SittingStarted {
  sittingId: string;
  startedAt: number;
}

const FEED_KIND_OF: Partial<Record<AttemptUpdated['reason'], FeedKind>> = {
  submitted: 'submitted',
  auto_submitted: 'auto_submitted',
  terminated: 'terminated',
};

/**
 * Tells candidates' sockets what was committed, every gateway (so each updates the sockets it
 * holds) and the attempt's own sockets about a change of an attempt's status or timing, and
 * proctors (through `feed`) about all of it. Works from any process, socket server or not.
 */
export class AttemptNotifier {
  private readonly candidates: NamespaceBroadcaster;
  /** batched roster patches and feed lines for proctors */
  readonly feed: ProctorFeed;
  readonly scopes: ScopeDirectory;
  /** each center's recent feed lines, for proctors' snapshots */
  readonly feedHistory: FeedHistory;

  constructor(publisher: RedisClient, config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES' | 'PROCTOR_FEED_INTERVAL_MS'>, sql: Sql, logger: Logger) {
    const emitter = broadcastEmitter(config, publisher, (err) => logger.warn({ err: err.message }, 'broadcast not published'));
    this.candidates = emitter.of(NAMESPACES.candidate);
    this.scopes = new ScopeDirectory(sql);
    this.feedHistory = new FeedHistory(publisher, config.REDIS_PREFIX);
    this.feed = new ProctorFeed(emitter.of(NAMESPACES.proctor), this.scopes, logger, config.PROCTOR_FEED_INTERVAL_MS, this.feedHistory);
  }

  attemptChanged(update: AttemptUpdated, inputs: DeadlineInputs | null = null): void {
    this.candidates.to(attemptRoom(update.attemptId)).emit(EVENTS.attemptUpdated, update);
    const internal: AttemptChanged = { update, inputs };
    this.candidates.serverSideEmit(INTERNAL_EVENTS.attemptChanged, internal);
    const kind = FEED_KIND_OF[update.reason];
    this.feed.record(update.attemptId, {
      patch: { status: update.status, deadline: update.deadline, paused: update.paused, locked: update.locked },
      line: kind ? { kind, text: update.reason.replace('_', '-') } : undefined,
      at: update.serverTime,
    });
  }

  /** A proctor's message to candidates' sockets in these rooms (an attempt, a center, the sitting). */
  message(rooms: string[], message: ProctorMessage): void {
    this.candidates.to(rooms).emit(EVENTS.proctorMessage, message);
  }

  /** After a batch is in Postgres: these (question, seq) and everything older are committed. */
  answersCommitted(notice: AnswerCommitted): void {
    this.candidates.to(attemptRoom(notice.attemptId)).emit(EVENTS.answerCommitted, notice);
  }

  sittingStarted(notice: SittingStarted): void {
    this.candidates.serverSideEmit(INTERNAL_EVENTS.sittingStarted, notice);
  }
}
