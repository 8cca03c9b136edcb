import {
  AnswerCommitted,
  AttemptUpdated,
  EVENTS,
  ExamhallError,
  JoinReply,
  ProctorMessage,
  ProtocolErrorSchema,
  SessionReplaced,
  protocolError,
  type AnswerValue,
  type AttemptStatus,
  type ProtocolError,
  type SubmitReply,
  type SubmitRequest,
} from '@examhall/shared';
import { ActivityReporter, type ActivityKind } from './activity.js';
import { AttemptState } from './attempt-state.js';
import { ClockSync, ClockSyncLoop } from './clock.js';
import { CandidateConnection } from './connection.js';
import { describeIssues, parseServerFrame } from './failures.js';
import { TypedEmitter } from './emitter.js';
import { Joiner } from './joiner.js';
import { AnswerLedger } from './ledger.js';
import { MessageLog } from './messages.js';
import { resolveOptions, type ExamClientOptions, type ResolvedOptions } from './options.js';
import { AnswerSender } from './sender.js';
import { lockedError, submitWithRetries } from './submitter.js';
import { outboxKeyForToken } from './token.js';
import { closedError } from './waiters.js';
import { isFinalStatus, type AnswerRef, type ExamClientEvents, type KnownAnswer } from './client-events.js';

/** time:sync samples right after every (re)join, and their spacing */
const CLOCK_SYNC_BURST = 5;
const CLOCK_SYNC_BURST_SPACING_MS = 100;

export { isFinalStatus } from './client-events.js';
export type { AnswerRef, AnswerState, ExamClientEvents, FinalStatus, KnownAnswer } from './client-events.js';
export type { ActivityKind } from './activity.js';

/**
 * A candidate's connection: join, save answers through a persistent outbox, follow commits,
 * and keep all of it going across reconnects. See client-sdk/README.md for the contract.
 * The parts live next door: the attempt's state and clock (attempt-state), joining and rejoining
 * (joiner), answers and outbox (ledger, sender), submit's retry loop (submitter), activity
 * reports (activity); this class wires them to the connection and to its events.
 */
export class ExamClient extends TypedEmitter<ExamClientEvents> {
  readonly storageKey: string;
  private readonly options: ResolvedOptions;
  private readonly ledger: AnswerLedger;
  private readonly sender: AnswerSender;
  private readonly clock = new ClockSync();
  private readonly clockLoop: ClockSyncLoop;
  private readonly connection: CandidateConnection;
  private readonly joiner: Joiner;
  private readonly state = new AttemptState();
  private readonly activity: ActivityReporter;
  private readonly messageLog = new MessageLog();
  private attempt: string | undefined;
  private closed = false;
  private readonly closedSignal: Promise<void>;
  private signalClosed: () => void = () => undefined;
  private submitting: Promise<SubmitReply> | undefined;
  private readonly reportError = (error: ProtocolError) => this.emit('error', error);

  constructor(options: ExamClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.storageKey = options.storageKey ?? outboxKeyForToken(this.options.token);
    this.closedSignal = new Promise((resolve) => (this.signalClosed = resolve));
    this.ledger = new AnswerLedger(this.options.storage, this.storageKey, {
      sendable: () => this.sender.pump(),
      pending: (count) => this.emit('outbox', { pending: count }),
      unreadable: (detail) => this.emit('error', protocolError('STORAGE_FAILED', detail)),
      stuck: () => (this.isStuck() ? this.attemptClosedError() : undefined),
    });
    this.connection = new CandidateConnection(this.options, {
      connected: () => {
        this.emit('connected');
        this.joiner.onConnected();
      },
      disconnected: (reason) => {
        this.sender.pause();
        this.clockLoop.stop();
        this.emit('disconnected', reason);
      },
      refused: this.reportError,
      draining: (reconnectInMs) => this.emit('draining', { reconnectInMs }),
      committed: (notice) => this.onCommitted(notice),
      resendRequested: () => this.sender.resendQueued(),
      serverError: (error) => this.onServerError(error),
      attemptUpdated: (update) => this.onAttemptUpdated(update),
      examStarted: (reply) => void this.onExamStarted(reply),
      sessionReplaced: (notice) => this.onSessionReplaced(notice),
      proctorMessage: (message) => this.onProctorMessage(message),
    });
    this.joiner = new Joiner(
      {
        ready: () => this.ledger.ready(),
        untilConnected: () => this.connection.untilConnected(),
        request: () => this.connection.requestJoin(),
        generation: () => this.connection.generation,
        connected: () => this.connection.connected,
        now: this.options.now,
        joined: (reply, sentAt, receivedAt) => this.onJoinReply(reply, sentAt, receivedAt),
        notJoined: (questionId, seq, error, inMs) => this.emit('retrying', { questionId, seq, error, inMs }),
        refused: this.reportError,
        malformed: this.reportError,
        isClosed: () => this.closed,
      },
      this.options.ackTimeoutMs,
    );
    this.clockLoop = new ClockSyncLoop(
      this.clock,
      { now: this.options.now, intervalMs: this.options.clockSyncIntervalMs, burst: CLOCK_SYNC_BURST, burstSpacingMs: CLOCK_SYNC_BURST_SPACING_MS, preciseRoundTripMs: this.options.clockSyncPreciseRoundTripMs },
      {
        request: (clientSentAt) => this.connection.requestTimeSync(clientSentAt),
        sampled: () => this.emitClock(),
        malformed: this.reportError,
      },
    );
    this.sender = new AnswerSender(this.ledger.outbox, this.options, {
      transmit: (request) => this.connection.requestSave(request),
      queued: (questionId, seq, receivedAt) => {
        this.joiner.confirmed();
        this.emit('queued', { questionId, seq, receivedAt });
      },
      retrying: (questionId, seq, error, inMs) => this.emit('retrying', { questionId, seq, error, inMs }),
      rejected: (questionId, seq, error) => {
        this.ledger.changed();
        this.emit('rejected', { questionId, seq, error });
      },
      notJoined: (questionId, seq, error) => {
        this.sender.pause();
        this.joiner.onNotJoined(questionId, seq, error);
      },
      malformed: this.reportError,
    });
    this.activity = new ActivityReporter({
      joinedAttempt: () => (this.joiner.joinedHere && !this.state.final ? this.attempt : undefined),
      send: (report) => this.connection.requestActivity(report),
      generation: () => this.connection.generation,
    });
    // Start reading storage now so the first save does not wait; a failure surfaces (and is
    // retried) on the first call that needs the outbox.
    this.ledger.ready().catch(() => undefined);
  }

  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /** The server's clock as best known: for countdowns only, the server decides what counts. */
  serverNow(): number {
    return this.options.now() + this.clock.offsetMs;
  }

  /**
   * Time left until the deadline on the server's clock, never below 0; frozen while paused,
   * running while locked. `null` before the first join, in the lobby and when the server gave no
   * deadline; 0 once final.
   */
  remainingMs(): number | null {
    return this.state.remainingMs(this.serverNow());
  }

  /** Server epoch ms. While paused: the deadline as if the pause had ended when it was reported. */
  get deadline(): number | null {
    return this.state.deadline;
  }

  get graceMs(): number {
    return this.state.graceMs;
  }

  get status(): AttemptStatus | undefined {
    return this.state.status;
  }

  get paused(): boolean {
    return this.state.paused;
  }

  /** A proctor holds the attempt: answers wait in the outbox, submit() is refused; the clock runs on. */
  get locked(): boolean {
    return this.state.locked;
  }

  /** In the lobby: when the sitting is planned to start (server epoch ms, for a countdown), or null. */
  get scheduledStart(): number | null {
    return this.state.scheduledStart;
  }

  /** The newest proctor messages (at most 50), oldest first. */
  get messages(): readonly ProctorMessage[] {
    return this.messageLog.list;
  }

  get attemptId(): string | undefined {
    return this.attempt;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Resolves once the outbox is loaded from storage, e.g. to show answers() before connecting. */
  ready(): Promise<void> {
    return this.ledger.ready();
  }

  /** Resolves on the first connection; rejects when the gateway refuses for good (bad token...). */
  connect(): Promise<void> {
    return this.connection.open();
  }

  /** Joins the attempt; from then on every reconnect rejoins and resends by itself. */
  join(): Promise<JoinReply> {
    if (this.closed) return Promise.reject(closedError());
    if (!this.connection.opened) return Promise.reject(new Error('ExamClient: call connect() before join()'));
    return this.joiner.join();
  }

  /**
   * Resolves once the answer is in the outbox storage, not when the server has it: sending
   * happens in the background and is repeated until the answer is committed.
   */
  async saveAnswer(questionId: string, value: AnswerValue): Promise<AnswerRef> {
    if (this.closed) throw closedError();
    if (this.state.final) throw this.attemptClosedError();
    return this.ledger.save(questionId, value);
  }

  /**
   * Hands the attempt in with, per question, the newest answer this client knows (outbox entries
   * in any state, and the server's answers not superseded). See submitter.ts for the retries.
   * Rejects at once with ATTEMPT_LOCKED while a proctor holds the attempt. Concurrent calls
   * share one submission.
   */
  submit(): Promise<SubmitReply> {
    if (this.closed) return Promise.reject(closedError());
    if (this.attempt === undefined) return Promise.reject(new Error('ExamClient: join() before submit()'));
    if (!this.submitting) {
      if (this.state.locked) return Promise.reject(lockedError());
      const submitting = this.doSubmit().finally(() => {
        if (this.submitting === submitting) this.submitting = undefined;
        this.ledger.rejectDrainIfStuck();
      });
      this.submitting = submitting;
    }
    return this.submitting;
  }

  /**
   * Tells the proctors what the candidate does (navigation, focus, fullscreen). Best effort: never
   * throws, never persisted; while not joined the latest few wait in memory for the next join.
   * Returns false when the report was dropped at once (not protocol-shaped, closed, attempt final).
   */
  reportActivity(kind: ActivityKind, questionId?: string): boolean {
    if (this.closed || this.state.final) return false;
    return this.activity.report(kind, questionId);
  }

  /** Answers not yet committed. */
  pendingCount(): number {
    return this.ledger.pendingCount;
  }

  /** What the server holds, overlaid with newer answers still in the outbox. */
  answers(): Map<string, KnownAnswer> {
    return this.ledger.merged();
  }

  /** Resolves when every answer is committed; rejects after `timeoutMs`. */
  waitUntilDrained(timeoutMs: number): Promise<void> {
    return this.ledger.waitUntilDrained(timeoutMs, () => this.closed);
  }

  /** Disconnects and stops every timer; the outbox stays in storage for the next client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signalClosed();
    this.joiner.stop();
    this.clockLoop.stop();
    this.sender.pause();
    const flushed = this.ledger.close();
    this.connection.close();
    await flushed;
  }

  private onJoinReply(reply: JoinReply, sentAt: number, receivedAt: number): void {
    this.clock.addSample(sentAt, receivedAt, reply.serverTime);
    const becameFinal = this.applyJoinReply(reply, 'join');
    this.emit('joined', reply);
    this.emitClock();
    if (becameFinal) this.onFinal();
  }

  /**
   * A join reply, or the same shape in `exam:started`: adopt the server's answers, drop or renumber
   * outbox entries, take over status and timing, resync the clock and resend what is left.
   * Returns whether the attempt just became final.
   */
  private applyJoinReply(reply: JoinReply, source: 'join' | 'start-signal'): boolean {
    const sameAttempt = this.attempt === reply.attemptId;
    this.attempt = reply.attemptId;
    this.ledger.adoptJoin(sameAttempt, reply.answers);
    this.joiner.markJoined();
    this.state.applyScheduledStart(reply.scheduledStart);
    const becameFinal = this.state.apply(reply);
    this.refreshSender(true);
    // The start signal reaches every candidate at once: a sync burst then would be thousands of
    // requests exactly while the papers go out. The lobby join already took a sample; the regular
    // interval keeps going.
    if (source === 'join') this.clockLoop.start();
    this.activity.flush();
    return becameFinal;
  }

  /**
   * Answers go out only on the connection that joined, while the server takes them: in the lobby,
   * during a pause or a lock it refuses them, and once final it never takes them. They wait in
   * the outbox instead. `restart` resends everything (after a join).
   */
  private refreshSender(restart: boolean): void {
    const attemptId = this.attempt;
    const allowed = !this.closed && attemptId !== undefined && this.joiner.joinedHere && this.state.acceptsAnswers;
    if (!allowed) {
      if (this.sender.sending) this.sender.pause();
    } else if (restart || !this.sender.sending) {
      this.sender.start(attemptId);
    }
  }

  private onFinal(): void {
    const status = this.state.status;
    if (!isFinalStatus(status)) return;
    this.activity.clear();
    this.emit('final', { status });
    this.ledger.rejectDrainIfStuck();
  }

  private onAttemptUpdated(raw: unknown): void {
    const update = parseServerFrame(AttemptUpdated, raw, EVENTS.attemptUpdated, this.reportError);
    if (!update || this.closed || update.attemptId !== this.attempt) return;
    const becameFinal = this.state.apply(update);
    this.refreshSender(false);
    this.emit('updated', update);
    if (becameFinal) this.onFinal();
  }

  private async onExamStarted(raw: unknown): Promise<void> {
    const reply = parseServerFrame(JoinReply, raw, EVENTS.examStarted, this.reportError);
    if (!reply || this.closed || !this.joiner.wantsJoined || (this.attempt !== undefined && reply.attemptId !== this.attempt)) return;
    const generation = this.connection.generation;
    // a join reply still on its way is older than this notice: let it land first
    await this.joiner.inProgress?.catch(() => undefined);
    await this.ledger.ready();
    if (this.closed || generation !== this.connection.generation) return;
    const becameFinal = this.applyJoinReply(reply, 'start-signal');
    this.emit('joined', reply);
    this.emit('started', reply);
    if (becameFinal) this.onFinal();
  }

  private onSessionReplaced(raw: unknown): void {
    const notice = parseServerFrame(SessionReplaced, raw, EVENTS.sessionReplaced, this.reportError);
    if (!notice || this.closed) return;
    // Reconnecting would take the attempt back from the other device, which would take it back...
    // Stay off until the application calls connect() again. The outbox stays as it is.
    this.joiner.stop();
    this.connection.suspend();
    this.emit('replaced', notice);
  }

  private onProctorMessage(raw: unknown): void {
    const message = parseServerFrame(ProctorMessage, raw, EVENTS.proctorMessage, this.reportError);
    if (!message || this.closed) return;
    if (this.messageLog.add(message)) this.emit('message', message);
  }

  private onCommitted(raw: unknown): void {
    const notice = parseServerFrame(AnswerCommitted, raw, EVENTS.answerCommitted, this.reportError);
    if (!notice || notice.attemptId !== this.attempt) return; // not the attempt this client joined
    this.ledger.commit(notice.items);
    for (const { questionId, seq } of notice.items) this.emit('committed', { questionId, seq });
  }

  private onServerError(error: unknown): void {
    const parsed = ProtocolErrorSchema.safeParse(error);
    this.emit('error', parsed.success ? parsed.data : protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.serverError}: ${describeIssues(parsed.error.issues)}`));
  }

  private emitClock(): void {
    this.emit('clock', { offsetMs: this.clock.offsetMs, roundTripMs: this.clock.roundTripMs });
  }

  private async doSubmit(): Promise<SubmitReply> {
    await this.ledger.ready();
    const { request, reply } = await submitWithRetries(
      {
        joinedHere: () => this.joiner.joinedHere,
        join: () => this.joiner.joinOnce(),
        buildRequest: () => (this.attempt === undefined ? undefined : { attemptId: this.attempt, answers: this.ledger.latest() }),
        send: (request) => this.connection.requestSubmit(request),
        generation: () => this.connection.generation,
        forgetJoin: () => this.joiner.forget(),
        malformed: this.reportError,
        isClosed: () => this.closed,
        closedError,
      },
      this.options,
      this.closedSignal,
    );
    return this.applySubmitted(request, reply);
  }

  /** The server wrote the map in its finalisation: those outbox entries are done. */
  private applySubmitted(request: SubmitRequest, reply: SubmitReply): SubmitReply {
    this.ledger.settleSubmitted(request.answers);
    const becameFinal = this.state.applySubmitted(reply.status);
    this.refreshSender(false);
    this.emit('submitted', reply);
    if (becameFinal) this.onFinal();
    return reply;
  }

  /** Final, a submit no longer under way, and answers left that the server will never take. */
  private isStuck(): boolean {
    return this.state.final && this.submitting === undefined && this.ledger.pendingCount > 0;
  }

  private attemptClosedError(): ExamhallError {
    const left = this.ledger.pendingCount;
    const detail = left > 0 ? `; ${left} answer(s) in the outbox were not saved` : '';
    return new ExamhallError('ATTEMPT_CLOSED', `the attempt is ${this.state.status ?? 'closed'}${detail}`);
  }
}
