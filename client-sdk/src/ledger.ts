import { ExternalId, AnswerValue, ExamhallError, type StoredAnswer } from '@examhall/shared';
import type { AnswerRef, KnownAnswer } from './client-events.js';
import { describeIssues } from './failures.js';
import { KnownAnswers } from './known-answers.js';
import { Outbox } from './outbox.js';
import type { OutboxStorage } from './storage.js';
import { closedError, settleAll, type Waiter } from './waiters.js';

export interface LedgerHooks {
  /** entries may have become sendable (written to storage, renumbered...) */
  sendable(): void;
  /** the number of uncommitted answers changed */
  pending(count: number): void;
  /** stored data could not be read; the raw text was copied to `${key}:unreadable` */
  unreadable(detail: string): void;
  /** why waiting for a drain is pointless now (final, no submit under way), or undefined */
  stuck(): ExamhallError | undefined;
}

/**
 * The candidate's answers on this side: the outbox (uncommitted, persisted) over what the server
 * holds, plus everyone waiting for the outbox to drain. Knows nothing about the wire.
 */
export class AnswerLedger {
  readonly outbox: Outbox;
  private readonly known: KnownAnswers;
  private readonly drainWaiters = new Set<Waiter>();
  private reportedPending = 0;

  constructor(storage: OutboxStorage, key: string, private readonly hooks: LedgerHooks) {
    this.outbox = new Outbox(storage, key, (detail) => hooks.unreadable(detail));
    this.known = new KnownAnswers(this.outbox);
  }

  async ready(): Promise<void> {
    await this.outbox.ready();
    this.notePending();
  }

  get pendingCount(): number {
    return this.outbox.size;
  }

  /** Validates, records under a new seq and writes to storage; resolves once written. */
  async save(questionId: string, value: AnswerValue): Promise<AnswerRef> {
    const id = ExternalId.safeParse(questionId);
    if (!id.success) throw new ExamhallError('BAD_REQUEST', `questionId: ${describeIssues(id.error.issues)}`);
    const answer = AnswerValue.safeParse(value);
    if (!answer.success) throw new ExamhallError('BAD_REQUEST', `value: ${describeIssues(answer.error.issues)}`);
    await this.ready();
    const entry = this.outbox.put(id.data, answer.data);
    this.notePending();
    try {
      await this.outbox.persist();
    } finally {
      this.hooks.sendable();
    }
    return { questionId: entry.questionId, seq: entry.seq };
  }

  /**
   * A join reply (or `exam:started`): adopt the server's answers, drop the outbox entries it
   * already holds and renumber the provisional ones.
   */
  adoptJoin(sameAttempt: boolean, answers: readonly StoredAnswer[]): void {
    if (!sameAttempt) this.known.clear();
    this.known.adopt(answers);
    if (this.outbox.reconcile(answers)) this.changed();
  }

  /** `answer:committed`: these seqs (and everything older) are stored. */
  commit(items: ReadonlyArray<{ questionId: string; seq: number }>): void {
    let changed = false;
    for (const { questionId, seq } of items) {
      const dropped = this.outbox.dropIfCovered(questionId, seq);
      if (!dropped) continue;
      changed = true;
      if (dropped.seq === seq) this.known.record({ questionId, seq, value: dropped.value });
    }
    if (changed) this.changed();
  }

  /** The server wrote a submit's map in its finalisation: those entries are done. */
  settleSubmitted(answers: readonly StoredAnswer[]): void {
    let changed = false;
    for (const answer of answers) {
      if (this.outbox.dropIfCovered(answer.questionId, answer.seq)) changed = true;
      this.known.record(answer);
    }
    if (changed) this.changed();
  }

  /** What the server holds, overlaid with newer answers still in the outbox. */
  merged(): Map<string, KnownAnswer> {
    return this.known.merged();
  }

  /** Per question the newest answer known here: the submit's final map. */
  latest(): StoredAnswer[] {
    return this.known.latest();
  }

  /**
   * After entries were dropped or renumbered: persist, then send whatever became sendable.
   * A failed write here loses nothing: the worst case is a resend of an answer the server
   * already holds, which it ignores (lower or equal seq).
   */
  changed(): void {
    this.notePending();
    const afterWrite = () => {
      this.hooks.sendable();
      // drained means committed and no longer in storage either
      if (this.outbox.size === 0) settleAll(this.drainWaiters, (waiter) => waiter.resolve());
      else this.rejectDrainIfStuck();
    };
    this.outbox.persist().then(afterWrite, afterWrite);
  }

  /** Resolves when every answer is committed; rejects after `timeoutMs`, or at once when stuck. */
  async waitUntilDrained(timeoutMs: number, isClosed: () => boolean): Promise<void> {
    await this.ready();
    if (this.outbox.size === 0) return;
    if (isClosed()) throw closedError();
    const stuck = this.hooks.stuck();
    if (stuck) throw stuck;
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

  /** Call when the attempt may have become stuck (final, submit over). */
  rejectDrainIfStuck(): void {
    const stuck = this.hooks.stuck();
    if (stuck) settleAll(this.drainWaiters, (waiter) => waiter.reject(stuck));
  }

  close(): Promise<void> {
    settleAll(this.drainWaiters, (waiter) => waiter.reject(closedError()));
    return this.outbox.flush();
  }

  private notePending(): void {
    if (this.outbox.size === this.reportedPending) return;
    this.reportedPending = this.outbox.size;
    this.hooks.pending(this.reportedPending);
  }
}
