import type { StoredAnswer } from '@examhall/shared';
import type { KnownAnswer } from './client-events.js';
import type { Outbox } from './outbox.js';

/**
 * What the server holds for this attempt (the last join reply's answers, then whatever commits
 * and submits confirmed), and the views that overlay the outbox on it.
 */
export class KnownAnswers {
  private readonly stored = new Map<string, StoredAnswer>();

  constructor(private readonly outbox: Outbox) {}

  clear(): void {
    this.stored.clear();
  }

  /** Merged, not replaced: the server's seqs only grow, and `exam:started` may list no answers. */
  adopt(answers: readonly StoredAnswer[]): void {
    for (const answer of answers) this.record(answer);
  }

  /** The server holds this answer (or a newer one). */
  record(answer: StoredAnswer): void {
    const held = this.stored.get(answer.questionId);
    if (!held || held.seq < answer.seq) this.stored.set(answer.questionId, answer);
  }

  /** What the server holds, overlaid with newer answers still in the outbox. */
  merged(): Map<string, KnownAnswer> {
    const known = new Map<string, KnownAnswer>();
    for (const { questionId, seq, value } of this.stored.values()) known.set(questionId, { value, seq, state: 'committed' });
    for (const entry of this.outbox.values()) {
      const held = known.get(entry.questionId);
      if (held && held.seq >= entry.seq) continue;
      known.set(entry.questionId, { value: entry.value, seq: entry.seq, state: entry.state === 'queued' ? 'queued' : 'pending' });
    }
    return known;
  }

  /** Per question the newest answer known here, for the submit's final map: the outbox (any state) over the server's. */
  latest(): StoredAnswer[] {
    const latest = new Map<string, StoredAnswer>(this.stored);
    for (const { questionId, seq, value } of this.outbox.values()) {
      const held = latest.get(questionId);
      if (!held || held.seq < seq) latest.set(questionId, { questionId, seq, value });
    }
    return [...latest.values()];
  }
}
