import {
  AnswerCommitted,
  AnswerValue,
  EVENTS,
  ExamhallError,
  ExternalId,
  JoinReply,
  ProtocolErrorSchema,
  ackSchema,
  protocolError,
  type ProtocolError,
  type StoredAnswer,
} from '@examhall/shared';
import { backoffDelay } from './backoff.js';
import { ClockSync } from './clock.js';
import { CandidateConnection } from './connection.js';
import { describeError, describeIssues, toExamhallError, toProtocolError } from './failures.js';
import { TypedEmitter } from './emitter.js';
import { resolveOptions, type ExamClientOptions, type ResolvedOptions } from './options.js';
import { Outbox } from './outbox.js';
import { AnswerSender } from './sender.js';
import { outboxKeyForToken } from './token.js';
import { closedError, settleAll, type Waiter } from './waiters.js';

export interface AnswerRef {
  questionId: string;
  seq: number;
}

export type ExamClientEvents = {
  connected: [];
  disconnected: [reason: string];
  joined: [reply: JoinReply];
  queued: [item: AnswerRef & { receivedAt: number }];
  committed: [item: AnswerRef];
  retrying: [item: AnswerRef & { error: ProtocolError; inMs: number }];
  rejected: [item: AnswerRef & { error: ProtocolError }];
  draining: [notice: { reconnectInMs: number }];
  error: [error: ProtocolError];
};

export type AnswerState = 'committed' | 'pending' | 'queued';
export interface KnownAnswer {
  value: AnswerValue;
  seq: number;
  state: AnswerState;
}

const joinAckSchema = ackSchema(JoinReply);

/**
 * A candidate's connection: join, save answers through a persistent outbox, follow commits,
 * and keep all of it going across reconnects. See client-sdk/README.md for the contract.
 */
export class ExamClient extends TypedEmitter<ExamClientEvents> {
  readonly storageKey: string;
  private readonly options: ResolvedOptions;
  private readonly outbox: Outbox;
  private readonly sender: AnswerSender;
  private readonly clock = new ClockSync();
  private readonly connection: CandidateConnection;
  /** the server's answers: the last join reply's, then whatever commits confirm */
  private readonly stored = new Map<string, StoredAnswer>();
  private readonly drainWaiters = new Set<Waiter>();
  private attempt: string | undefined;
  /** join() was called: every later connection rejoins by itself */
  private wantJoined = false;
  private joining: Promise<JoinReply> | undefined;
  private rejoinAttempts = 0;
  private notJoinedStreak = 0;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(options: ExamClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.storageKey = options.storageKey ?? outboxKeyForToken(this.options.token);
    this.outbox = new Outbox(this.options.storage, this.storageKey, (detail) => this.emit('error', protocolError('STORAGE_FAILED', detail)));
    this.connection = new CandidateConnection(this.options, {
      connected: () => this.onConnected(),
      disconnected: (reason) => {
        this.sender.pause();
        this.emit('disconnected', reason);
      },
      refused: (error) => this.emit('error', error),
      draining: (reconnectInMs) => this.emit('draining', { reconnectInMs }),
      committed: (notice) => this.onCommitted(notice),
      serverError: (error) => this.onServerError(error),
    });
    this.sender = new AnswerSender(this.outbox, this.options, {
      transmit: (request) => this.connection.requestSave(request),
      queued: (questionId, seq, receivedAt) => {
        this.notJoinedStreak = 0;
        this.emit('queued', { questionId, seq, receivedAt });
      },
      retrying: (questionId, seq, error, inMs) => this.emit('retrying', { questionId, seq, error, inMs }),
      rejected: (questionId, seq, error) => {
        this.outboxChanged();
        this.emit('rejected', { questionId, seq, error });
      },
      notJoined: (questionId, seq, error) => this.onNotJoined(questionId, seq, error),
      malformed: (error) => this.emit('error', error),
    });
    // Start reading storage now so the first save does not wait; a failure surfaces (and is
    // retried) on the first call that needs the outbox.
    this.outbox.ready().catch(() => undefined);
  }

  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /** The server's clock as best known: for countdowns only, the server decides what counts. */
  serverNow(): number {
    return this.options.now() + this.clock.offsetMs;
  }

  get attemptId(): string | undefined {
    return this.attempt;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Resolves once the outbox is loaded from storage, e.g. to show answers() before connecting. */
  ready(): Promise<void> {
    return this.outbox.ready();
  }

  /** Resolves on the first connection; rejects when the gateway refuses for good (bad token...). */
  connect(): Promise<void> {
    return this.connection.open();
  }

  /** Joins the attempt; from then on every reconnect rejoins and resends by itself. */
  join(): Promise<JoinReply> {
    if (this.closed) return Promise.reject(closedError());
    if (!this.connection.opened) return Promise.reject(new Error('ExamClient: call connect() before join()'));
    this.wantJoined = true;
    return this.joinOnce();
  }

  /**
   * Resolves once the answer is in the outbox storage, not when the server has it: sending
   * happens in the background and is repeated until the answer is committed.
   */
  async saveAnswer(questionId: string, value: AnswerValue): Promise<AnswerRef> {
    if (this.closed) throw closedError();
    const id = ExternalId.safeParse(questionId);
    if (!id.success) throw new ExamhallError('BAD_REQUEST', `questionId: ${describeIssues(id.error.issues)}`);
    const answer = AnswerValue.safeParse(value);
    if (!answer.success) throw new ExamhallError('BAD_REQUEST', `value: ${describeIssues(answer.error.issues)}`);
    await this.outbox.ready();
    const entry = this.outbox.put(id.data, answer.data);
    try {
      await this.outbox.persist();
    } finally {
      this.sender.pump();
    }
    return { questionId: entry.questionId, seq: entry.seq };
  }

  /** Answers not yet committed. */
  pendingCount(): number {
    return this.outbox.size;
  }

  /** What the server holds, overlaid with newer answers still in the outbox. */
  answers(): Map<string, KnownAnswer> {
    const known = new Map<string, KnownAnswer>();
    for (const { questionId, seq, value } of this.stored.values()) known.set(questionId, { value, seq, state: 'committed' });
    for (const entry of this.outbox.values()) {
      const held = known.get(entry.questionId);
      if (held && held.seq >= entry.seq) continue;
      known.set(entry.questionId, { value: entry.value, seq: entry.seq, state: entry.state === 'queued' ? 'queued' : 'pending' });
    }
    return known;
  }

  /** Resolves when every answer is committed; rejects after `timeoutMs`. */
  async waitUntilDrained(timeoutMs: number): Promise<void> {
    await this.outbox.ready();
    if (this.outbox.size === 0) return;
    if (this.closed) throw closedError();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.drainWaiters.delete(waiter);
        reject(new Error(`ExamClient: ${this.outbox.size} answer(s) still uncommitted after ${timeoutMs} ms`));
      }, timeoutMs);
      this.drainWaiters.add(waiter);
    });
  }

  /** Disconnects and stops every timer; the outbox stays in storage for the next client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.rejoinTimer);
    this.sender.pause();
    settleAll(this.drainWaiters, (waiter) => waiter.reject(closedError()));
    this.connection.close();
    await this.outbox.flush();
  }

  private onConnected(): void {
    this.rejoinAttempts = 0;
    this.emit('connected');
    if (this.wantJoined) {
      clearTimeout(this.rejoinTimer);
      this.rejoinTimer = undefined;
      this.scheduleRejoin(0);
    }
  }

  private joinOnce(): Promise<JoinReply> {
    if (!this.joining) {
      const joining = this.doJoin().finally(() => {
        if (this.joining === joining) this.joining = undefined;
      });
      this.joining = joining;
    }
    return this.joining;
  }

  private async doJoin(): Promise<JoinReply> {
    await this.outbox.ready();
    await this.connection.untilConnected();
    const generation = this.connection.generation;
    const sentAt = this.options.now();
    let raw: unknown;
    try {
      raw = await this.connection.requestJoin();
    } catch (error) {
      throw new ExamhallError('ACK_TIMEOUT', `no reply to ${EVENTS.join} within ${this.options.ackTimeoutMs} ms (${describeError(error)})`);
    }
    const receivedAt = this.options.now();
    const parsed = joinAckSchema.safeParse(raw);
    if (!parsed.success) {
      const error = protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.join} reply: ${describeIssues(parsed.error.issues)}`);
      this.emit('error', error);
      throw toExamhallError(error);
    }
    if (!parsed.data.ok) throw toExamhallError(parsed.data.error);
    if (generation !== this.connection.generation || this.closed) throw new ExamhallError('CONNECTION_LOST', 'disconnected while joining');
    const reply = parsed.data.data;
    this.clock.addSample(sentAt, receivedAt, reply.serverTime);
    this.attempt = reply.attemptId;
    this.stored.clear();
    for (const answer of reply.answers) this.stored.set(answer.questionId, answer);
    if (this.outbox.reconcile(reply.answers)) this.outboxChanged();
    this.rejoinAttempts = 0;
    clearTimeout(this.rejoinTimer); // a rejoin scheduled before this join has nothing left to do
    this.rejoinTimer = undefined;
    this.sender.start(reply.attemptId);
    this.emit('joined', reply);
    return reply;
  }

  private scheduleRejoin(inMs: number): void {
    if (!this.wantJoined || this.closed || this.rejoinTimer !== undefined) return;
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      this.joinOnce().catch((error: unknown) => this.onRejoinFailed(error));
    }, inMs);
  }

  private onRejoinFailed(error: unknown): void {
    if (this.closed) return;
    const failure = toProtocolError(error);
    // e.g. SITTING_CLOSED: stop here; the outbox keeps the answers and the app decides what to say
    if (!failure.retryable) this.emit('error', failure);
    else if (this.connection.connected) this.scheduleRejoin(backoffDelay(this.rejoinAttempts++));
    // else: the next 'connect' rejoins
  }

  private onNotJoined(questionId: string, seq: number, error: ProtocolError): void {
    // The server lost our join (gateway restarted the session): rejoin, which resends everything.
    // The streak keeps a server that keeps forgetting from turning this into a tight loop.
    this.sender.pause();
    const inMs = backoffDelay(this.notJoinedStreak++);
    this.emit('retrying', { questionId, seq, error, inMs });
    this.scheduleRejoin(inMs);
  }

  private onCommitted(notice: unknown): void {
    const parsed = AnswerCommitted.safeParse(notice);
    if (!parsed.success) {
      this.emit('error', protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.answerCommitted}: ${describeIssues(parsed.error.issues)}`));
      return;
    }
    if (parsed.data.attemptId !== this.attempt) return; // not the attempt this client joined
    let changed = false;
    for (const { questionId, seq } of parsed.data.items) {
      const dropped = this.outbox.dropIfCovered(questionId, seq);
      if (dropped) {
        changed = true;
        if (dropped.seq === seq) this.stored.set(questionId, { questionId, seq, value: dropped.value });
      }
      this.emit('committed', { questionId, seq });
    }
    if (changed) this.outboxChanged();
  }

  private onServerError(error: unknown): void {
    const parsed = ProtocolErrorSchema.safeParse(error);
    this.emit('error', parsed.success ? parsed.data : protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.serverError}: ${describeIssues(parsed.error.issues)}`));
  }

  /**
   * After entries were dropped or renumbered: persist, then send whatever became sendable.
   * A failed write here loses nothing: the worst case is a resend of an answer the server
   * already holds, which it ignores (lower or equal seq).
   */
  private outboxChanged(): void {
    const afterWrite = () => {
      this.sender.pump();
      // drained means committed and no longer in storage either
      if (this.outbox.size === 0) settleAll(this.drainWaiters, (waiter) => waiter.resolve());
    };
    this.outbox.persist().then(afterWrite, afterWrite);
  }
}
