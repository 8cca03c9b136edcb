import type { ExamClient } from '@examhall/client-sdk';
import { describeFailure } from './error-text.js';
import { h, plural } from './dom.js';

export interface SubmitSummary {
  total: number;
  answered: number;
  flagged: number;
}

export interface SubmitDialogHooks {
  /** hand every draft to the SDK and count, right before asking */
  prepare(): SubmitSummary;
  /** the server took it: `submittedAt` is its time */
  submitted(submittedAt: number): void;
  /** while submitting, the form must not change */
  busy(busy: boolean): void;
}

/**
 * "Submit exam": a modal confirmation (native <dialog>: focus stays inside, Esc cancels) that
 * says what is answered and flagged, then `client.submit()`. A failure is explained in the
 * dialog and can be retried; nothing is lost (the answers stay in the outbox).
 */
export class SubmitDialog {
  readonly dialog: HTMLDialogElement;
  private readonly summary = h('p', { class: 'dialog-summary', 'data-testid': 'submit-summary' });
  private readonly status = h('p', { class: 'dialog-status', role: 'status', 'data-testid': 'submit-status' });
  private readonly confirm = h('button', { type: 'button', class: 'button-primary', 'data-testid': 'submit-confirm' }, 'Submit my answers');
  private readonly cancel = h('button', { type: 'button', class: 'button-secondary', 'data-testid': 'submit-cancel' }, 'Keep working');
  private submitting = false;

  constructor(
    private readonly client: ExamClient,
    private readonly hooks: SubmitDialogHooks,
  ) {
    this.dialog = h(
      'dialog',
      { class: 'submit-dialog', 'aria-labelledby': 'submit-title', 'data-testid': 'submit-dialog' },
      h('h2', { id: 'submit-title' }, 'Submit your exam?'),
      this.summary,
      h('p', {}, 'After you submit, you cannot change your answers.'),
      this.status,
      h('div', { class: 'dialog-actions' }, this.cancel, this.confirm),
    );
    this.cancel.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('cancel', (event) => {
      if (this.submitting) event.preventDefault();
    });
    this.confirm.addEventListener('click', () => void this.submit());
  }

  open(): void {
    const { total, answered, flagged } = this.hooks.prepare();
    const unanswered = total - answered;
    const parts = [`You answered ${answered} of ${total} questions.`];
    if (unanswered > 0) parts.push(`${plural(unanswered, 'question')} ${unanswered === 1 ? 'is' : 'are'} not answered.`);
    if (flagged > 0) parts.push(`${plural(flagged, 'question')} ${flagged === 1 ? 'is' : 'are'} flagged for review.`);
    this.summary.textContent = parts.join(' ');
    this.status.textContent = '';
    this.status.classList.remove('is-error');
    this.setBusy(false);
    this.dialog.showModal();
    this.cancel.focus(); // the safe choice has focus
  }

  private async submit(): Promise<void> {
    if (this.submitting) return;
    this.setBusy(true);
    this.status.classList.remove('is-error');
    this.status.textContent = this.client.connected ? 'Submitting…' : 'Submitting… waiting for the connection to the exam server.';
    try {
      const reply = await this.client.submit();
      this.dialog.close();
      this.hooks.submitted(reply.submittedAt);
    } catch (error) {
      this.status.classList.add('is-error');
      this.status.textContent = `Your exam was not submitted. ${describeFailure(error)} You can try again.`;
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    this.submitting = busy;
    this.confirm.disabled = busy;
    this.cancel.disabled = busy;
    this.confirm.textContent = busy ? 'Submitting…' : 'Submit my answers';
    this.hooks.busy(busy);
  }
}
