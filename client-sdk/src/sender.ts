import { AnswerQueued, ackSchema, protocolError, type AnswerSaveRequest, type ProtocolError } from '@examhall/shared';
import { backoffDelay } from './backoff.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { describeIssues, describeError } from './failures.js';

const saveAckSchema = ackSchema(AnswerQueued);
/** after a RATE_LIMITED: at most one answer this often (~16/s), below the server's default 20 frames/s */
const SLOW_GAP_MS = 60;
/** `answers:resend` is answered within this long, at a random moment (see resendQueued). */
const RESEND_SPREAD_MS = 1000;

export interface SenderOptions {
  maxInFlight: number;
  resendAfterMs: number;
  ackTimeoutMs: number;
  now: () => number;
}

/** What the sender needs from the client: the wire, and somewhere to report. */
export interface SenderHooks {
  /** Emits one `answer:save`; resolves with the raw ack, rejects on ack timeout or disconnect. */
  transmit(request: AnswerSaveRequest): Promise<unknown>;
  queued(questionId: string, seq: number, receivedAt: number): void;
  retrying(questionId: string, seq: number, error: ProtocolError, inMs: number): void;
  rejected(questionId: string, seq: number, error: ProtocolError): void;
  /** the server forgot our join: the client pauses the sender and rejoins */
  notJoined(questionId: string, seq: number, error: ProtocolError): void;
  /** the server sent an ack that does not match the protocol */
  malformed(error: ProtocolError): void;
}

/**
 * Sends outbox entries over one joined session: at most `maxInFlight` unacknowledged frames,
 * per-entry backoff on retryable errors, and a resend of `queued` entries that are not
 * committed within `resendAfterMs` (the queue may have lost them).
 */
export class AnswerSender {
  private attemptId: string | null = null;
  /** bumped whenever a session ends: acks from an older session are ignored */
  private session = 0;
  private inFlight = 0;
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  /** a pending answers:resend (see resendQueued); a new session's start() resends everything anyway */
  private resendSpreadTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * RATE_LIMITED is about the socket, not the answer: nothing more is sent until this timer fires,
   * then one frame at a time, SLOW_GAP_MS apart, until nothing is pending. Sending the next entries
   * at once would only overdraw the server's bucket, and a socket that overdraws it far enough is cut.
   */
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private rateLimitedInARow = 0;
  private slow = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: SenderOptions,
    private readonly hooks: SenderHooks,
  ) {}

  get sending(): boolean {
    return this.attemptId !== null;
  }

  /** After each successful join: everything still in the outbox is sent again on this session. */
  start(attemptId: string): void {
    this.pause();
    this.attemptId = attemptId;
    for (const entry of this.outbox.values()) entry.state = 'pending';
    this.pump();
  }

  /**
   * On disconnect or NOT_JOINED. Acks still outstanding belong to a dead session: their entries
   * go back to pending. `queued` entries stay queued (still true) until the next start().
   */
  pause(): void {
    this.attemptId = null;
    this.session++;
    this.inFlight = 0;
    if (this.resendTimer !== undefined) clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.resendSpreadTimer !== undefined) clearTimeout(this.resendSpreadTimer);
    this.resendSpreadTimer = undefined;
    this.slow = false; // a new session has a new bucket on the server
    this.rateLimitedInARow = 0;
    for (const entry of this.outbox.values()) {
      if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer);
      entry.retryTimer = undefined;
      if (entry.state === 'sending') entry.state = 'pending';
    }
  }

  /** Sends what may be sent now. Cheap to call after any change. */
  pump(): void {
    const attemptId = this.attemptId;
    if (attemptId === null || this.holdTimer !== undefined) return;
    const maxInFlight = this.slow ? 1 : this.options.maxInFlight;
    let waiting = false;
    for (const entry of this.outbox.values()) {
      if (entry.state !== 'pending') continue;
      waiting = true;
      if (this.inFlight >= maxInFlight) return;
      if (entry.written && entry.retryTimer === undefined) this.send(entry, attemptId);
    }
    if (!waiting && this.inFlight === 0) this.slow = false;
  }

  private send(entry: OutboxEntry, attemptId: string): void {
    entry.state = 'sending';
    this.inFlight++;
    const session = this.session;
    const { questionId, seq, value } = entry;
    let transmitted: Promise<unknown>;
    try {
      transmitted = this.hooks.transmit({ attemptId, questionId, seq, value });
    } catch (error) {
      transmitted = Promise.reject(error);
    }
    transmitted.then(
      (reply) => this.settle(session, entry, seq, { reply }),
      (error: unknown) => this.settle(session, entry, seq, { error }),
    );
  }

  private settle(session: number, entry: OutboxEntry, seq: number, outcome: { reply?: unknown; error?: unknown }): void {
    if (session !== this.session) return; // pause() already put the entry back
    this.inFlight--;
    // superseded by a newer save, committed, or renumbered meanwhile: only the current entry moves
    const current = this.outbox.get(entry.questionId) === entry && entry.seq === seq;
    if ('error' in outcome) {
      const detail = `answer:save not acknowledged (${describeError(outcome.error)}; ack timeout ${this.options.ackTimeoutMs} ms)`;
      this.retry(entry, current, protocolError('ACK_TIMEOUT', detail));
    } else {
      const parsed = saveAckSchema.safeParse(outcome.reply);
      if (!parsed.success) {
        // An unexpected server reply: we cannot know whether it was accepted, and a resend is harmless.
        const error = protocolError('MALFORMED_SERVER_FRAME', `malformed answer:save ack: ${describeIssues(parsed.error.issues)}`);
        this.hooks.malformed(error);
        this.retry(entry, current, error);
      } else if (parsed.data.ok) {
        this.rateLimitedInARow = 0;
        if (current) {
          entry.state = 'queued';
          entry.attempts = 0;
          entry.queuedAt = this.options.now();
          this.armResend();
        }
        this.hooks.queued(entry.questionId, seq, parsed.data.data.receivedAt);
      } else {
        const { error } = parsed.data;
        if (error.code === 'NOT_JOINED') {
          if (current) entry.state = 'pending';
          this.hooks.notJoined(entry.questionId, seq, error);
          return;
        }
        if (error.retryable) {
          if (error.code === 'RATE_LIMITED') {
            this.slow = true;
            this.hold(backoffDelay(this.rateLimitedInARow++) + SLOW_GAP_MS);
          }
          this.retry(entry, current, error);
        } else {
          // The server will never take this answer (deadline passed, wrong type...): keeping it
          // would resend it forever. The application hears about it through `rejected`.
          if (current) this.outbox.drop(entry);
          this.hooks.rejected(entry.questionId, seq, error);
        }
      }
    }
    if (this.slow) this.hold(SLOW_GAP_MS);
    this.pump();
  }

  private hold(ms: number): void {
    if (this.holdTimer !== undefined) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.pump();
    }, ms);
  }

  private retry(entry: OutboxEntry, current: boolean, error: ProtocolError): void {
    if (!current) return; // the newer entry is the one that gets sent
    entry.state = 'pending';
    const inMs = backoffDelay(entry.attempts++);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      this.pump();
    }, inMs);
    this.hooks.retrying(entry.questionId, entry.seq, error, inMs);
  }

  /** One timer for the oldest queued entry; it re-arms itself for the next one. */
  private armResend(): void {
    if (this.resendTimer !== undefined || this.attemptId === null) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const entry of this.outbox.values()) {
      if (entry.state === 'queued' && entry.queuedAt !== undefined) oldest = Math.min(oldest, entry.queuedAt);
    }
    if (!Number.isFinite(oldest)) return;
    const inMs = Math.max(0, oldest + this.options.resendAfterMs - this.options.now());
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      this.resendStale();
    }, inMs);
  }

  /**
   * `answers:resend`: Redis lost its data, so `queued` is no longer a promise, or the answer queue is
   * reachable again after an outage. Every queued entry goes out again, and entries waiting in
   * backoff go too, instead of after resendAfterMs or a backoff of up to 10 s. Harmless if nothing
   * was lost (the higher seq wins). Spread over RESEND_SPREAD_MS: a gateway says it to all its
   * candidates at once, and they should not all answer in the same millisecond.
   */
  resendQueued(): void {
    if (this.attemptId === null || this.resendSpreadTimer !== undefined) return; // not joined here: the next start() resends everything anyway
    this.resendSpreadTimer = setTimeout(() => {
      this.resendSpreadTimer = undefined;
      for (const entry of this.outbox.values()) {
        if (entry.state === 'queued') entry.state = 'pending';
        if (entry.state === 'pending' && entry.retryTimer !== undefined) {
          clearTimeout(entry.retryTimer);
          entry.retryTimer = undefined;
        }
      }
      this.pump();
    }, Math.random() * RESEND_SPREAD_MS);
  }

  private resendStale(): void {
    const now = this.options.now();
    for (const entry of this.outbox.values()) {
      if (entry.state === 'queued' && now - (entry.queuedAt ?? now) >= this.options.resendAfterMs) entry.state = 'pending';
    }
    this.pump();
    this.armResend();
  }
}
