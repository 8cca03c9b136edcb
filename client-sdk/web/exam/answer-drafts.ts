import type { ExamClient } from '@examhall/client-sdk';
import type { AnswerValue } from '@examhall/shared';

/** Typing is saved after this pause; clicks and leaving a field save at once. */
export const TYPING_DEBOUNCE_MS = 400;

export interface DraftHooks {
  /** the set of answers not yet handed to the SDK changed */
  changed(): void;
  /** saveAnswer refused (attempt closed, storage failed...) */
  failed(questionId: string, error: unknown): void;
}

/**
 * Between the form and `client.saveAnswer`: typing is batched for a moment, everything else goes
 * straight through, and `flush()` (navigation, submit, the page being hidden or unloaded) hands
 * over whatever is still waiting. A question counts as unsaved here until saveAnswer resolved,
 * which is when the SDK has it in its outbox storage.
 */
export class AnswerDrafts {
  private readonly waiting = new Map<string, { value: AnswerValue; timer: number }>();
  private readonly writing = new Map<string, number>();
  /** per question, the last value the SDK has (JSON), so an unchanged field is not saved again */
  private readonly handed = new Map<string, string>();

  constructor(
    private readonly client: ExamClient,
    private readonly hooks: DraftHooks,
  ) {}

  /** Question ids with a change the SDK does not hold yet. */
  get unsaved(): Set<string> {
    return new Set([...this.waiting.keys(), ...this.writing.keys()]);
  }

  /** What the SDK already holds for a question (from `client.answers()`). */
  known(questionId: string, value: AnswerValue): void {
    this.handed.set(questionId, JSON.stringify(value));
  }

  set(questionId: string, value: AnswerValue, typing: boolean): void {
    const pending = this.waiting.get(questionId);
    if (pending) window.clearTimeout(pending.timer);
    if (!typing) {
      this.waiting.delete(questionId);
      this.save(questionId, value);
      return;
    }
    const timer = window.setTimeout(() => this.flush(questionId), TYPING_DEBOUNCE_MS);
    this.waiting.set(questionId, { value, timer });
    this.hooks.changed();
  }

  /** Hands over what is waiting (one question, or all). Storage writes finish within the current task. */
  flush(questionId?: string): void {
    const ids = questionId === undefined ? [...this.waiting.keys()] : [questionId];
    for (const id of ids) {
      const pending = this.waiting.get(id);
      if (!pending) continue;
      window.clearTimeout(pending.timer);
      this.waiting.delete(id);
      this.save(id, pending.value);
    }
  }

  private save(questionId: string, value: AnswerValue): void {
    // leaving a field fires 'change' with what was saved already; typing back to it too
    const json = JSON.stringify(value);
    if (this.handed.get(questionId) === json) return this.hooks.changed();
    this.handed.set(questionId, json);
    this.writing.set(questionId, (this.writing.get(questionId) ?? 0) + 1);
    this.hooks.changed();
    this.client
      .saveAnswer(questionId, value)
      .catch((error: unknown) => {
        if (this.handed.get(questionId) === json) this.handed.delete(questionId); // not held after all
        this.hooks.failed(questionId, error);
      })
      .finally(() => {
        const left = (this.writing.get(questionId) ?? 1) - 1;
        if (left > 0) this.writing.set(questionId, left);
        else this.writing.delete(questionId);
        this.hooks.changed();
      });
  }
}
