import {
  AnswerCommitted,
  AnswerValue,
  AttemptUpdated,
  EVENTS,
  ExamhallError,
  ExternalId,
  JoinReply,
  ProtocolErrorSchema,
  SessionReplaced,
  SubmitReply,
  ackSchema,
  protocolError,
  type AttemptStatus,
  type ProtocolError,
  type StoredAnswer,
  type SubmitRequest,
} from '@examhall/shared';
import { backoffDelay } from './backoff.js';
import { ClockSync, ClockSyncLoop } from './clock.js';
import { CandidateConnection } from './connection.js';
import { describeError, describeIssues, toExamhallError, toProtocolError } from './failures.js';
import { TypedEmitter } from './emitter.js';
import { resolveOptions, type ExamClientOptions, type ResolvedOptions } from './options.js';
import { Outbox } from './outbox.js';
import { AnswerSender } from './sender.js';
import { outboxKeyForToken } from './token.js';
import { closedError, settleAll, type Waiter } from './waiters.js';
import { isFinalStatus, type AnswerRef, type ExamClientEvents, type FinalStatus, type KnownAnswer } from './client-events.js';

/** time:sync samples right after every (re)join, and their spacing */
const CLOCK_SYNC_BURST = 5;
const CLOCK_SYNC_BURST_SPACING_MS = 100;

export { isFinalStatus } from './client-events.js';
export type { AnswerRef, AnswerState, ExamClientEvents, FinalStatus, KnownAnswer } from './client-events.js';

const joinAckSchema = ackSchema(JoinReply);
const submitAckSchema = ackSchema(SubmitReply);

/** what submit()'s waits end with when its time budget ran out or the client closed */
const STOPPED = Symbol('stopped');

interface AttemptTiming {
  status: AttemptStatus;
  deadline: number | null;
  graceMs: number;
  paused: boolean;
  serverTime: number;
}

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
  private readonly clockLoop: ClockSyncLoop;
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
  private readonly closedSignal: Promise<typeof STOPPED>;
  private signalClosed: () => void = () => undefined;
  /** connection generation of the last join reply (or exam:started): answers go out only on it */
  private joinedGeneration: number | undefined;
  private attemptStatus: AttemptStatus | undefined;
  private deadlineMs: number | null = null;
  private grace = 0;
  private isPaused = false;
  /** while paused: the remaining time when the pause began, which stays put until the resume */
  private frozenRemainingMs: number | undefined;
  private submitting: Promise<SubmitReply> | undefined;

  constructor(options: ExamClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.storageKey = options.storageKey ?? outboxKeyForToken(this.options.token);
    this.outbox = new Outbox(this.options.storage, this.storageKey, (detail) => this.emit('error', protocolError('STORAGE_FAILED', detail)));
    this.closedSignal = new Promise((resolve) => (this.signalClosed = () => resolve(STOPPED)));
    this.connection = new CandidateConnection(this.options, {
      connected: () => this.onConnected(),
      disconnected: (reason) => {
        this.sender.pause();
        this.clockLoop.stop();
        this.emit('disconnected', reason);
      },
      refused: (error) => this.emit('error', error),
      draining: (reconnectInMs) => this.emit('draining', { reconnectInMs }),
      committed: (notice) => this.onCommitted(notice),
      serverError: (error) => this.onServerError(error),
      attemptUpdated: (update) => this.onAttemptUpdated(update),
      examStarted: (reply) => void this.onExamStarted(reply),
      sessionReplaced: (notice) => this.onSessionReplaced(notice),
    });
    this.clockLoop = new ClockSyncLoop(
      this.clock,
      {
        now: this.options.now,
        intervalMs: this.options.clockSyncIntervalMs,
        burst: CLOCK_SYNC_BURST,
        burstSpacingMs: CLOCK_SYNC_BURST_SPACING_MS,
      },
      {
        request: (clientSentAt) => this.connection.requestTimeSync(clientSentAt),
        sampled: () => this.emitClock(),
        malformed: (error) => this.emit('error', error),
      },
    );
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

  /**
   * Time left until the deadline on the server's clock, never below 0; frozen while paused.
   * `null` before the first join, in the lobby and when the server gave no deadline; 0 once final.
   */
  remainingMs(): number | null {
    const status = this.attemptStatus;
    if (status === undefined || status === 'lobby' || status === 'not_started') return null;
    if (isFinalStatus(status)) return 0;
    if (this.frozenRemainingMs !== undefined) return this.frozenRemainingMs;
    if (this.deadlineMs === null) return null;
    return Math.max(0, this.deadlineMs - this.serverNow());
  }

  /** Server epoch ms. While paused: the deadline as if the pause had ended when it was reported. */
  get deadline(): number | null {
    return this.deadlineMs;
  }

  get graceMs(): number {
    return this.grace;
  }

  get status(): AttemptStatus | undefined {
    return this.attemptStatus;
  }

  get paused(): boolean {
    return this.isPaused;
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
    if (isFinalStatus(this.attemptStatus)) throw this.attemptClosedError();
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

  /**
   * Hands the attempt in. The request carries, per question, the newest answer this client knows
   * (outbox entries in any state, and the server's answers not superseded), so answers that never
   * made it through `answer:save` are written by the finalisation itself. Waits for a connection
   * and a join as needed; retryable failures are retried with backoff for `submitTimeoutMs` in
   * total, then it rejects with the last one. A refusal retrying cannot fix rejects at once.
   * Concurrent calls share one submission.
   */
  submit(): Promise<SubmitReply> {
    if (this.closed) return Promise.reject(closedError());
    if (this.attempt === undefined) return Promise.reject(new Error('ExamClient: join() before submit()'));
    if (!this.submitting) {
      const submitting = this.doSubmit().finally(() => {
        if (this.submitting === submitting) this.submitting = undefined;
        this.rejectDrainIfStuck();
      });
      this.submitting = submitting;
    }
    return this.submitting;
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
    if (this.isStuck()) throw this.attemptClosedError();
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
    this.signalClosed();
    clearTimeout(this.rejoinTimer);
    this.clockLoop.stop();
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
    const becameFinal = this.applyJoinReply(reply);
    this.emit('joined', reply);
    this.emitClock();
    if (becameFinal) this.onFinal();
    return reply;
  }

  /**
   * A join reply, or the same shape in `exam:started`: adopt the server's answers, drop or renumber
   * outbox entries, take over status and timing, resync the clock and resend what is left.
   * Returns whether the attempt just became final.
   */
  private applyJoinReply(reply: JoinReply, source: 'join' | 'start-signal' = 'join'): boolean {
    if (this.attempt !== reply.attemptId) this.stored.clear();
    this.attempt = reply.attemptId;
    // merged, not replaced: the server's seqs only grow, and exam:started may list no answers
    for (const answer of reply.answers) {
      const held = this.stored.get(answer.questionId);
      if (!held || held.seq < answer.seq) this.stored.set(answer.questionId, answer);
    }
    if (this.outbox.reconcile(reply.answers)) this.outboxChanged();
    this.rejoinAttempts = 0;
    clearTimeout(this.rejoinTimer); // a rejoin scheduled before this join has nothing left to do
    this.rejoinTimer = undefined;
    this.joinedGeneration = this.connection.generation;
    const becameFinal = this.applyTiming({
      status: reply.status,
      deadline: reply.deadline ?? null,
      graceMs: reply.graceMs,
      paused: reply.paused ?? false,
      serverTime: reply.serverTime,
    });
    this.refreshSender(true);
    // The start signal reaches every candidate at once: a sync burst then would be thousands of
    // requests exactly while the papers go out. The lobby join already took a sample; the regular
    // interval keeps going.
    if (source === 'join') this.clockLoop.start();
    return becameFinal;
  }

  /** Takes over status and timing; returns whether the attempt just became final. */
  private applyTiming(timing: AttemptTiming): boolean {
    const wasFinal = isFinalStatus(this.attemptStatus);
    this.attemptStatus = timing.status;
    this.deadlineMs = timing.deadline;
    this.grace = timing.graceMs;
    this.isPaused = timing.paused;
    // While paused the server reports the deadline "if the pause ended now", at its serverTime:
    // the difference is the time left, exact and independent of our clock estimate.
    this.frozenRemainingMs = timing.paused && timing.deadline !== null ? Math.max(0, timing.deadline - timing.serverTime) : undefined;
    return !wasFinal && isFinalStatus(timing.status);
  }

  /**
   * Answers go out only on the connection that joined, while the attempt is running: in the lobby
   * and during a pause the server refuses them, and once final it never takes them. They wait in
   * the outbox instead. `restart` resends everything (after a join).
   */
  private refreshSender(restart: boolean): void {
    const attemptId = this.attempt;
    const allowed =
      !this.closed &&
      attemptId !== undefined &&
      this.joinedGeneration === this.connection.generation &&
      this.connection.connected &&
      this.attemptStatus === 'in_progress' &&
      !this.isPaused;
    if (!allowed) {
      if (this.sender.sending) this.sender.pause();
    } else if (restart || !this.sender.sending) {
      this.sender.start(attemptId);
    }
  }

  private onFinal(): void {
    const status = this.attemptStatus;
    if (!isFinalStatus(status)) return;
    this.emit('final', { status });
    this.rejectDrainIfStuck();
  }

  private onAttemptUpdated(raw: unknown): void {
    const parsed = AttemptUpdated.safeParse(raw);
    if (!parsed.success) {
      this.emit('error', protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.attemptUpdated}: ${describeIssues(parsed.error.issues)}`));
      return;
    }
    const update = parsed.data;
    if (this.closed || update.attemptId !== this.attempt) return;
    const becameFinal = this.applyTiming(update);
    this.refreshSender(false);
    this.emit('updated', update);
    if (becameFinal) this.onFinal();
  }

  private async onExamStarted(raw: unknown): Promise<void> {
    const parsed = JoinReply.safeParse(raw);
    if (!parsed.success) {
      this.emit('error', protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.examStarted}: ${describeIssues(parsed.error.issues)}`));
      return;
    }
    const reply = parsed.data;
    if (this.closed || !this.wantJoined || (this.attempt !== undefined && reply.attemptId !== this.attempt)) return;
    const generation = this.connection.generation;
    // a join reply still on its way is older than this notice: let it land first
    await this.joining?.catch(() => undefined);
    await this.outbox.ready();
    if (this.closed || generation !== this.connection.generation) return;
    const becameFinal = this.applyJoinReply(reply, 'start-signal');
    this.emit('joined', reply);
    this.emit('started', reply);
    if (becameFinal) this.onFinal();
  }

  private onSessionReplaced(raw: unknown): void {
    const parsed = SessionReplaced.safeParse(raw);
    if (!parsed.success) {
      this.emit('error', protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.sessionReplaced}: ${describeIssues(parsed.error.issues)}`));
      return;
    }
    if (this.closed) return;
    // Reconnecting would take the attempt back from the other device, which would take it back...
    // Stay off until the application calls connect() again. The outbox stays as it is.
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    this.joinedGeneration = undefined;
    this.connection.suspend();
    this.emit('replaced', parsed.data);
  }

  private emitClock(): void {
    this.emit('clock', { offsetMs: this.clock.offsetMs, roundTripMs: this.clock.roundTripMs });
  }

  /** Per question the newest answer known here: the outbox (any state) over the server's answers. */
  private finalAnswers(): StoredAnswer[] {
    const latest = new Map<string, StoredAnswer>(this.stored);
    for (const { questionId, seq, value } of this.outbox.values()) {
      const held = latest.get(questionId);
      if (!held || held.seq < seq) latest.set(questionId, { questionId, seq, value });
    }
    return [...latest.values()];
  }

  private async doSubmit(): Promise<SubmitReply> {
    await this.outbox.ready();
    let expired = false;
    let budget: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<typeof STOPPED>((resolve) => {
      budget = setTimeout(() => {
        expired = true;
        resolve(STOPPED);
      }, this.options.submitTimeoutMs);
    });
    const stop = Promise.race([expiry, this.closedSignal]);
    /** waits for `work`, or until the budget runs out or the client closes */
    const within = <T>(work: Promise<T>): Promise<T | typeof STOPPED> => {
      work.catch(() => undefined); // settles later, unobserved, when we stopped waiting
      return Promise.race([work, stop]);
    };
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        void stop.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    let lastError = protocolError('CONNECTION_LOST', 'not connected');
    try {
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.submitOnce(within);
        if (this.closed) throw closedError();
        if ('reply' in outcome) return this.applySubmitted(outcome.request, outcome.reply);
        if ('error' in outcome) {
          if (!outcome.error.retryable) throw toExamhallError(outcome.error);
          lastError = outcome.error;
          if (outcome.error.code === 'NOT_JOINED') this.joinedGeneration = undefined; // rejoin before the next try
        }
        if (expired) throw toExamhallError(lastError);
        await pause(backoffDelay(attempt));
        if (this.closed) throw closedError();
        if (expired) throw toExamhallError(lastError);
      }
    } finally {
      clearTimeout(budget);
    }
  }

  /** One try: (re)join if this connection has not, then one exam:submit. */
  private async submitOnce(
    within: <T>(work: Promise<T>) => Promise<T | typeof STOPPED>,
  ): Promise<{ request: SubmitRequest; reply: SubmitReply } | { error: ProtocolError } | { stopped: true }> {
    if (this.joinedGeneration !== this.connection.generation || !this.connection.connected) {
      try {
        if ((await within(this.joinOnce())) === STOPPED) return { stopped: true };
      } catch (error) {
        return { error: toProtocolError(error) };
      }
    }
    const attemptId = this.attempt;
    if (attemptId === undefined) return { error: protocolError('NOT_JOINED') };
    const request: SubmitRequest = { attemptId, answers: this.finalAnswers() };
    const generation = this.connection.generation;
    let raw: unknown;
    try {
      raw = await within(this.connection.requestSubmit(request));
    } catch (error) {
      const code = generation === this.connection.generation ? 'ACK_TIMEOUT' : 'CONNECTION_LOST';
      return { error: protocolError(code, `${EVENTS.submit} not acknowledged (${describeError(error)}; ack timeout ${this.options.ackTimeoutMs} ms)`) };
    }
    if (raw === STOPPED) return { stopped: true };
    const parsed = submitAckSchema.safeParse(raw);
    if (!parsed.success) {
      const error = protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.submit} reply: ${describeIssues(parsed.error.issues)}`);
      this.emit('error', error);
      return { error };
    }
    if (!parsed.data.ok) return { error: parsed.data.error };
    return { request, reply: parsed.data.data };
  }

  /** The server wrote the map in its finalisation: those outbox entries are done. */
  private applySubmitted(request: SubmitRequest, reply: SubmitReply): SubmitReply {
    let changed = false;
    for (const answer of request.answers) {
      if (this.outbox.dropIfCovered(answer.questionId, answer.seq)) changed = true;
      const held = this.stored.get(answer.questionId);
      if (!held || held.seq < answer.seq) this.stored.set(answer.questionId, answer);
    }
    const wasFinal = isFinalStatus(this.attemptStatus);
    this.attemptStatus = reply.status;
    this.frozenRemainingMs = undefined;
    this.refreshSender(false);
    if (changed) this.outboxChanged();
    this.emit('submitted', reply);
    if (!wasFinal) this.onFinal();
    return reply;
  }

  /** Final, a submit no longer under way, and answers left that the server will never take. */
  private isStuck(): boolean {
    return isFinalStatus(this.attemptStatus) && this.submitting === undefined && this.outbox.size > 0;
  }

  private rejectDrainIfStuck(): void {
    if (this.isStuck()) settleAll(this.drainWaiters, (waiter) => waiter.reject(this.attemptClosedError()));
  }

  private attemptClosedError(): ExamhallError {
    const left = this.outbox.size > 0 ? `; ${this.outbox.size} answer(s) in the outbox were not saved` : '';
    return new ExamhallError('ATTEMPT_CLOSED', `the attempt is ${this.attemptStatus ?? 'closed'}${left}`);
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
    this.joinedGeneration = undefined;
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
      else this.rejectDrainIfStuck();
    };
    this.outbox.persist().then(afterWrite, afterWrite);
  }
}
