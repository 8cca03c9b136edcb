import { EVENTS, ExamhallError, JoinReply, ackSchema, protocolError, type ProtocolError } from '@examhall/shared';
import { backoffDelay } from './backoff.js';
import { describeError, describeIssues, toExamhallError, toProtocolError } from './failures.js';

const joinAckSchema = ackSchema(JoinReply);

export interface JoinerHooks {
  /** the outbox is loaded (a join reconciles it) */
  ready(): Promise<void>;
  untilConnected(): Promise<void>;
  /** one `exam:join` on the current connection: the raw ack; rejects on ack timeout or disconnect */
  request(): Promise<unknown>;
  /** bumped on every disconnect */
  generation(): number;
  connected(): boolean;
  now(): number;
  /** a valid reply, on the connection that is still up: take it over (it calls markJoined) */
  joined(reply: JoinReply, sentAt: number, receivedAt: number): void;
  /** the server forgot our join: stop sending, and say when the rejoin comes */
  notJoined(questionId: string, seq: number, error: ProtocolError, inMs: number): void;
  /** an automatic rejoin was refused for good (e.g. SITTING_CLOSED) */
  refused(error: ProtocolError): void;
  malformed(error: ProtocolError): void;
  isClosed(): boolean;
}

/**
 * Joining and staying joined: one join at a time (concurrent callers share it), a rejoin after
 * every reconnect once join() was called, backoff when a rejoin fails, and a rejoin when the
 * server says it forgot us (NOT_JOINED). Tracks which connection the last join happened on:
 * answers and submits go out only on that one.
 */
export class Joiner {
  /** join() was called: every later connection rejoins by itself */
  private wanted = false;
  private joining: Promise<JoinReply> | undefined;
  private rejoinAttempts = 0;
  private notJoinedStreak = 0;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** connection generation of the last join reply (or exam:started) */
  private joinedGeneration: number | undefined;

  constructor(
    private readonly hooks: JoinerHooks,
    private readonly ackTimeoutMs: number,
  ) {}

  get wantsJoined(): boolean {
    return this.wanted;
  }

  /** The current connection has joined. */
  get joinedHere(): boolean {
    return this.joinedGeneration === this.hooks.generation() && this.hooks.connected();
  }

  /** A join still on its way (or undefined). */
  get inProgress(): Promise<JoinReply> | undefined {
    return this.joining;
  }

  /**
   * The application's join(): from now on every reconnect rejoins. A retryable refusal (the
   * server's database is down, the gateway is busy) still rejects this promise, and is also tried
   * again in the background with backoff, like a rejoin: `joined` says when it worked.
   */
  join(): Promise<JoinReply> {
    this.wanted = true;
    const joining = this.joinOnce();
    joining.catch((error: unknown) => this.onRejoinFailed(error, false));
    return joining;
  }

  joinOnce(): Promise<JoinReply> {
    if (!this.joining) {
      const joining = this.doJoin().finally(() => {
        if (this.joining === joining) this.joining = undefined;
      });
      this.joining = joining;
    }
    return this.joining;
  }

  /** A join reply (or exam:started) was taken over on the current connection. */
  markJoined(): void {
    this.rejoinAttempts = 0;
    clearTimeout(this.rejoinTimer); // a rejoin scheduled before this join has nothing left to do
    this.rejoinTimer = undefined;
    this.joinedGeneration = this.hooks.generation();
  }

  /** The next submit or send must rejoin first. */
  forget(): void {
    this.joinedGeneration = undefined;
  }

  /** A save was accepted: the server knows us again. */
  confirmed(): void {
    this.notJoinedStreak = 0;
  }

  onConnected(): void {
    this.rejoinAttempts = 0;
    if (!this.wanted) return;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    this.scheduleRejoin(0);
  }

  /**
   * The server lost our join (gateway restarted the session): rejoin, which resends everything.
   * The streak keeps a server that keeps forgetting from turning this into a tight loop.
   */
  onNotJoined(questionId: string, seq: number, error: ProtocolError): void {
    this.joinedGeneration = undefined;
    const inMs = backoffDelay(this.notJoinedStreak++);
    this.hooks.notJoined(questionId, seq, error, inMs);
    this.scheduleRejoin(inMs);
  }

  /** No rejoins until the next reconnect (another device took over, or closing). */
  stop(): void {
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    this.joinedGeneration = undefined;
  }

  private async doJoin(): Promise<JoinReply> {
    await this.hooks.ready();
    await this.hooks.untilConnected();
    const generation = this.hooks.generation();
    const sentAt = this.hooks.now();
    let raw: unknown;
    try {
      raw = await this.hooks.request();
    } catch (error) {
      throw new ExamhallError('ACK_TIMEOUT', `no reply to ${EVENTS.join} within ${this.ackTimeoutMs} ms (${describeError(error)})`);
    }
    const receivedAt = this.hooks.now();
    const parsed = joinAckSchema.safeParse(raw);
    if (!parsed.success) {
      const error = protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.join} reply: ${describeIssues(parsed.error.issues)}`);
      this.hooks.malformed(error);
      throw toExamhallError(error);
    }
    if (!parsed.data.ok) throw toExamhallError(parsed.data.error);
    if (generation !== this.hooks.generation() || this.hooks.isClosed()) throw new ExamhallError('CONNECTION_LOST', 'disconnected while joining');
    this.hooks.joined(parsed.data.data, sentAt, receivedAt);
    return parsed.data.data;
  }

  private scheduleRejoin(inMs: number): void {
    if (!this.wanted || this.hooks.isClosed() || this.rejoinTimer !== undefined) return;
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      this.joinOnce().catch((error: unknown) => this.onRejoinFailed(error));
    }, inMs);
  }

  /** `reportRefusal`: false for the application's own join(), whose promise already carries the refusal */
  private onRejoinFailed(error: unknown, reportRefusal = true): void {
    if (this.hooks.isClosed()) return;
    const failure = toProtocolError(error);
    // e.g. SITTING_CLOSED: stop here; the outbox keeps the answers and the app decides what to say
    if (!failure.retryable) {
      if (reportRefusal) this.hooks.refused(failure);
    } else if (this.hooks.connected()) {
      this.scheduleRejoin(backoffDelay(this.rejoinAttempts++));
    }
    // else: the next 'connect' rejoins
  }
}
