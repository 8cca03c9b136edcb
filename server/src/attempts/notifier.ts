import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { EVENTS, NAMESPACES, attemptRoom, type AnswerCommitted, type AttemptUpdated } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { DeadlineInputs } from '../exam/deadline.js';
import { adapterKey } from '../gateway/adapter-key.js';

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

/**
 * Tells candidates' sockets what was committed, and every gateway (so each updates the sockets it
 * holds) and the attempt's own sockets about a change of an attempt's status or timing. Works from
 * any process, socket server or not.
 */
export class AttemptNotifier {
  private readonly candidates: ReturnType<Emitter['of']>;
  constructor(publisher: Redis, config: Pick<Config, 'REDIS_PREFIX'>) {
    this.candidates = new Emitter(publisher, { key: adapterKey(config) }).of(NAMESPACES.candidate);
  }

  attemptChanged(update: AttemptUpdated, inputs: DeadlineInputs | null = null): void {
    this.candidates.to(attemptRoom(update.attemptId)).emit(EVENTS.attemptUpdated, update);
    const internal: AttemptChanged = { update, inputs };
    this.candidates.serverSideEmit(INTERNAL_EVENTS.attemptChanged, internal);
  }

  /** After a batch is in Postgres: these (question, seq) and everything older are committed. */
  answersCommitted(notice: AnswerCommitted): void {
    this.candidates.to(attemptRoom(notice.attemptId)).emit(EVENTS.answerCommitted, notice);
  }

  sittingStarted(notice: SittingStarted): void {
    this.candidates.serverSideEmit(INTERNAL_EVENTS.sittingStarted, notice);
  }
}
